"""E-mail address normalisation: the one place that decides whether two addresses are the same.

Contacts are matched on the normalised addr-spec only, never on display names, which anyone can
set to anything. Domains are lower-cased and IDNA-encoded so that a Unicode domain and its
punycode form compare equal.

Look-alikes are the other half of "the same address": IDNA 2003 (Python's codec) maps
fullwidth letters, soft hyphens and zero-width joiners away, so a domain typed in fullwidth
letters would encode to the contact's own domain. An address with such characters, or one
that mixes Latin with Cyrillic or Greek letters, keeps its typed form instead, so it can never
equal a configured address, and lookalike_problem() says why (for the journey log).
"""

from __future__ import annotations

import unicodedata
from email.utils import getaddresses, parseaddr

# Scripts whose letters are routinely used to imitate Latin ones (UTS #39 mixed-script).
_IMITATING_SCRIPTS = frozenset({"CYRILLIC", "GREEK", "ARMENIAN", "CHEROKEE"})
# Single letters of those scripts that render like a Latin letter (a subset of Unicode's
# confusables.txt, the ones seen in phishing): used for the "resembles" hint only.
_LATIN_LOOKALIKES = str.maketrans(
    "аԁеһіјӏорԛѕԝхуАВЕНІЈКМОРЅТХУαβεικνορτυχΑΒΕΗΙΚΜΝΟΡΤΥΧ",
    "adehijlopqswxyabehijkmopstxyabeiknoptuxabehikmnoptyx",
)


class AddressError(ValueError):
    """The text is not a usable addr-spec."""


def _describe(ch: str) -> str:
    return f"{ch!r} (U+{ord(ch):04X} {unicodedata.name(ch, 'unnamed')})"


def _script(ch: str) -> str:
    """The script of a letter, read from its Unicode name (no extra data file needed)."""
    if ch.isascii():
        return "LATIN"
    return unicodedata.name(ch, "UNKNOWN").split(" ")[0]


def _part_problem(part: str) -> str | None:
    """Why one local part or domain label is a look-alike, or None."""
    for ch in part:
        if unicodedata.category(ch) in ("Cf", "Mn") and not ch.isascii():
            return f"invisible character {_describe(ch)}"
        if unicodedata.normalize("NFKC", ch) != ch:
            folded = unicodedata.normalize("NFKC", ch)
            return f"{_describe(ch)} is a compatibility form of {folded!r}"
    letters = [ch for ch in part if ch.isalpha()]
    scripts = {_script(ch) for ch in letters}
    imitating = scripts & _IMITATING_SCRIPTS
    if imitating and len(scripts) > 1:
        odd = next(ch for ch in letters if _script(ch) in imitating)
        names = " and ".join(script.title() for script in sorted(scripts))
        return f"{part!r} mixes {names} letters ({_describe(odd)})"
    if imitating and letters and all(ch.translate(_LATIN_LOOKALIKES).isascii() for ch in letters):
        return f"{part!r} is written in {next(iter(imitating)).title()} letters that look Latin"
    return None


def _label_problem(label: str) -> str | None:
    if label.startswith("xn--"):
        try:
            label = label.encode("ascii").decode("idna")
        except UnicodeError:
            return None  # not decodable: it will not match anything either
    elif label.isascii():
        return None
    problem = _part_problem(label)
    if problem is not None:
        return problem
    try:
        mapped = label.encode("idna").decode("idna")
    except UnicodeError:
        return None  # not encodable: normalize_domain refuses it
    return f"IDNA would rewrite {label!r} as {mapped!r}" if mapped != label else None


def lookalike_problem(address: str) -> str | None:
    """Why an addr-spec imitates another (fullwidth, invisible or mixed-script), or None."""
    local, _, domain = address.rpartition("@")
    if not local.isascii():
        problem = _part_problem(local)
        if problem is not None:
            return f"local part: {problem}"
    for label in domain.rstrip(".").lower().split("."):
        problem = _label_problem(label)
        if problem is not None:
            return f"domain: {problem}"
    return None


def skeleton(address: str) -> str:
    """What an address looks like on screen: look-alike letters folded to Latin ones."""
    folded = unicodedata.normalize("NFKC", address).translate(_LATIN_LOOKALIKES)
    visible = "".join(ch for ch in folded if unicodedata.category(ch) not in ("Cf", "Mn"))
    return visible.lower().rstrip(".")


def normalize_domain(domain: str) -> str:
    """Lower-case, strip a trailing dot, IDNA-encode.

    Raises:
        AddressError: the domain is empty, cannot be IDNA-encoded, or is a look-alike.
    """
    cleaned = domain.strip().rstrip(".").lower()
    if not cleaned or any(ch.isspace() for ch in cleaned):
        raise AddressError(f"bad domain {domain!r}")
    problem = next(filter(None, map(_label_problem, cleaned.split("."))), None)
    if problem is not None:
        raise AddressError(f"bad domain {domain!r}: {problem}")
    try:
        return cleaned.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise AddressError(f"bad domain {domain!r}: {exc}") from None


MAX_ADDRESS = 254  # characters of a forward or reverse path's address


def normalize_address(address: str) -> str:
    """``Dana@Example.COM`` -> ``dana@example.com``; accepts ``Name <addr>`` forms too.

    A look-alike domain is kept as typed (lower-cased, without a trailing dot) rather than
    IDNA-mapped, so it stays different from every configured, IDNA-encoded domain.

    Raises:
        AddressError: there is no single local@domain address in the text.
    """
    _, addr = parseaddr(address)
    addr = addr.strip()
    local, at, domain = addr.rpartition("@")
    if not at or not local or not domain or any(ch.isspace() or ord(ch) < 32 for ch in addr):
        raise AddressError(f"not an e-mail address: {address[:100]!r}")
    try:
        normalized = f"{local.lower()}@{normalize_domain(domain)}"
    except AddressError:
        if lookalike_problem(addr) is None:
            raise
        normalized = f"{local.lower()}@{domain.rstrip('.').lower()}"
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
