"""Did the sender's domain authenticate? Read Authentication-Results (RFC 8601) from our MTAs.

The From header is only a claim. Our border MTA checks DKIM and SPF and writes the results into
``Authentication-Results`` headers named by its authserv-id; only headers from the configured
``security.trusted_authserv_ids`` count, since anyone can write such a header into a mail
(RFC 8601 section 5 asks the border MTA to delete forged copies of its own). The header is
parsed with ``authres`` (the grammar has comments, quoting and ptype.property pairs that a
regex gets wrong). Alignment follows DMARC's relaxed mode: the DKIM ``header.d`` or the SPF
``smtp.mailfrom`` domain must be the From domain or a parent of it that we know as an
organisation's domain (a client's or staff's), so ``d=example`` never vouches for everything
under it. Pure: no DNS, no database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import authres

from zsupport_mail.mail.addresses import AddressError, normalize_domain

# (method, the property that names the authenticated domain)
_CHECKS = (("dkim", "header", "d"), ("spf", "smtp", "mailfrom"))


@dataclass(frozen=True)
class AuthVerdict:
    """Whether a trusted MTA vouched for the From domain, and a sentence for the journey."""

    passed: bool
    reason: str


def _domain(value: str) -> str | None:
    try:
        return normalize_domain(value.rpartition("@")[2])
    except AddressError:
        return None


def aligned(domain: str | None, from_domain: str, organisations: frozenset[str]) -> bool:
    """The authenticated domain equals the From domain, or is a known parent of it."""
    if domain is None:
        return False
    return domain == from_domain or (domain in organisations and from_domain.endswith("." + domain))


def _results(
    values: tuple[str, ...], trusted: frozenset[str]
) -> tuple[list[tuple[str, object]], list[str]]:
    """(authserv-id, result) of the trusted headers, and notes on the headers ignored."""
    results: list[tuple[str, object]] = []
    ignored: list[str] = []
    for value in values:
        unfolded = re.sub(r"\r?\n", "", value)
        try:
            header = authres.AuthenticationResultsHeader.parse_value(unfolded)
        except Exception as exc:  # authres raises its own errors and ValueError on bad input
            ignored.append(f"an unparseable header ({type(exc).__name__})")
            continue
        authserv = str(header.authserv_id or "").lower()
        if authserv not in trusted:
            ignored.append(f"a header from untrusted {authserv or 'nobody'}")
            continue
        results.extend((authserv, result) for result in header.results)
    return results, ignored


def _property(result: object, ptype: str, name: str) -> str | None:
    for prop in getattr(result, "properties", ()):
        if prop.type == ptype and prop.name == name:
            return str(prop.value)
    return None


def verify_sender(
    values: tuple[str, ...],
    from_domain: str,
    trusted: frozenset[str],
    organisations: frozenset[str] = frozenset(),
) -> AuthVerdict:
    """Judge the Authentication-Results header values of one mail for its From domain.

    Args:
        values: every Authentication-Results header value, top first.
        from_domain: the normalised domain of the From address.
        trusted: lower-cased authserv-ids whose headers count.
        organisations: configured domains that may vouch for their subdomains.
    """
    results, ignored = _results(values, trusted)
    seen: list[str] = []
    for authserv, result in results:
        method = str(getattr(result, "method", "")).lower()
        outcome = str(getattr(result, "result", "")).lower()
        for wanted, ptype, name in _CHECKS:
            if method != wanted:
                continue
            value = _property(result, ptype, name)
            seen.append(f"{method}={outcome} {ptype}.{name}={value}")
            if outcome == "pass" and aligned(_domain(value or ""), from_domain, organisations):
                return AuthVerdict(True, f"authenticated by {authserv}: {seen[-1]}")
    detail = "; ".join(
        [f"trusted results: {', '.join(seen)}"] * bool(seen) + [f"ignored {i}" for i in ignored]
    )
    return AuthVerdict(
        False,
        f"sender not authenticated: no trusted Authentication-Results with dkim/spf pass "
        f"for {from_domain}" + (f" ({detail})" if detail else ""),
    )


def submitted_by(values: tuple[str, ...], trusted: frozenset[str]) -> tuple[str, str] | None:
    """(authserv-id, user) when a trusted MTA says the mail was submitted with SMTP AUTH.

    RFC 8601 section 2.7.4: ``auth=pass smtp.auth=<user>``, written by the MTA where the
    sender logged in to submit (Postfix with ``smtpd_sasl_authenticated_header`` and a milter,
    rspamd, Exim). Only our own MTAs' headers count, as for DKIM and SPF.
    """
    results, _ = _results(values, trusted)
    for authserv, result in results:
        method = str(getattr(result, "method", "")).lower()
        if method == "auth" and str(getattr(result, "result", "")).lower() == "pass":
            user = _property(result, "smtp", "auth")
            if user:
                return authserv, user.strip().lower()
    return None
