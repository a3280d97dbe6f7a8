"""E-mail address normalisation: the one place that decides whether two addresses are the same.

Contacts are matched on the normalised addr-spec only, never on display names, which anyone can
set to anything. Domains are lower-cased and IDNA-encoded so that a Unicode domain and its
punycode form compare equal.
"""

from __future__ import annotations

from email.utils import getaddresses, parseaddr


class AddressError(ValueError):
    """The text is not a usable addr-spec."""


def normalize_domain(domain: str) -> str:
    """Lower-case, strip a trailing dot, IDNA-encode.

    Raises:
        AddressError: the domain is empty or cannot be IDNA-encoded.
    """
    cleaned = domain.strip().rstrip(".").lower()
    if not cleaned or any(ch.isspace() for ch in cleaned):
        raise AddressError(f"bad domain {domain!r}")
    try:
        return cleaned.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise AddressError(f"bad domain {domain!r}: {exc}") from None


MAX_ADDRESS = 254  # characters of a forward or reverse path's address


def normalize_address(address: str) -> str:
    """``Dana@Example.COM`` -> ``dana@example.com``; accepts ``Name <addr>`` forms too.

    Raises:
        AddressError: there is no single local@domain address in the text.
    """
    _, addr = parseaddr(address)
    addr = addr.strip()
    local, at, domain = addr.rpartition("@")
    if not at or not local or not domain or any(ch.isspace() or ch == "\x00" for ch in addr):
        raise AddressError(f"not an e-mail address: {address[:100]!r}")
    normalized = f"{local.lower()}@{normalize_domain(domain)}"
    if len(normalized) > MAX_ADDRESS:  # RFC 5321 4.5.3.1.3; our columns hold 320
        raise AddressError(f"address longer than {MAX_ADDRESS} characters")
    return normalized


def domain_of(address: str) -> str:
    """The domain part of an already normalised address."""
    return address.rpartition("@")[2]


def parse_address_list(values: list[str]) -> list[tuple[str, str]]:
    """(display name, normalised address) for each parseable address in header values."""
    result = []
    for name, addr in getaddresses(values):
        try:
            result.append((name, normalize_address(addr)))
        except AddressError:
            continue
    return result
