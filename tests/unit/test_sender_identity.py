"""Sender identity: addr-spec only, IDNA-aware, look-alikes refused, authentication read right.

Every Authentication-Results value below is in the form real MTAs write it (OpenDKIM,
OpenDMARC, Postfix policyd-spf, rspamd, Gmail), folded and commented as they fold them.
"""

from __future__ import annotations

import pytest

from tests.helpers import config_dict, to_toml
from zsupport_mail.intake.authentication import verify_sender
from zsupport_mail.intake.directory import Directory
from zsupport_mail.intake.sender import recognise_sender
from zsupport_mail.intake.types import ClientRef, ContactRef
from zsupport_mail.mail.addresses import (
    AddressError,
    lookalike_problem,
    normalize_address,
    normalize_domain,
)
from zsupport_mail.mail.message import MessageParseError, parse_message
from zsupport_mail.settings import ConfigError, SecuritySettings, load_settings

ACME = ClientRef(1, "Acme Dental")
DANA = ContactRef(1, "Dana Smith", "dana@acmedental.example", "primary", ACME)
MUELLER = ClientRef(2, "Müller")
HANS = ContactRef(2, "Hans Müller", "hans@xn--mller-kva.example", "primary", MUELLER)
DIRECTORY = Directory(
    contacts={DANA.email: DANA, HANS.email: HANS},
    domains={"acmedental.example": ACME, "xn--mller-kva.example": MUELLER},
    staff_addresses=frozenset(),
    staff_domains=frozenset({"zsupport.example"}),
    own_addresses=frozenset({"support@zsupport.example"}),
)
MX = "mx.zsupport.example"
REQUIRED = SecuritySettings(require_authentication=True, trusted_authserv_ids=frozenset({MX}))


def raw_mail(sender: str, *headers: str) -> bytes:
    """A mail whose header lines are written as given (UTF-8 allowed, RFC 6532)."""
    lines = [*headers, f"From: {sender}", "To: support@zsupport.example", "Subject: Phones"]
    return ("\r\n".join([*lines, "Message-ID: <m1@x>", "", "Calls drop.", ""])).encode()


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [
        ("Dana@AcmeDental.EXAMPLE", "dana@acmedental.example"),
        ("dana@acmedental.example.", "dana@acmedental.example"),
        ("hans@MÜLLER.example", "hans@xn--mller-kva.example"),
        ("hans@xn--mller-kva.example", "hans@xn--mller-kva.example"),
        ("hans@XN--MLLER-KVA.EXAMPLE", "hans@xn--mller-kva.example"),
    ],
)
def test_case_trailing_dot_and_idna_forms_of_one_domain_are_equal(typed, normalised):
    assert normalize_address(typed) == normalised
    assert lookalike_problem(typed) is None


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("d\u0430na@acmedental.example", "mixes Cyrillic and Latin"),  # Cyrillic a
        ("dana@\u0430cmedental.example", "mixes Cyrillic and Latin"),
        ("dana@acmed\u03b5ntal.example", "mixes Greek and Latin"),  # Greek epsilon
        ("\uff44\uff41\uff4e\uff41@acmedental.example", "FULLWIDTH LATIN SMALL LETTER D"),
        ("dana@\uff41\uff43\uff4d\uff45dental.example", "compatibility form of 'a'"),
        ("dana@acme\u00addental.example", "invisible character"),  # soft hyphen
        ("dana@acme\u200ddental.example", "invisible character"),  # zero-width joiner
        ("dana@xn--cmedental-zyh.example", "mixes Cyrillic and Latin"),  # punycode of the 2nd
        ("\u0455\u0430\u0440\u0440\u043e\u0433t@zsupport.example", "mixes Cyrillic and Latin"),
    ],
)
def test_lookalikes_are_never_equal_to_the_address_they_imitate(typed, why):
    problem = lookalike_problem(typed)
    assert problem is not None
    assert why in problem
    assert normalize_address(typed) not in {DANA.email, "support@zsupport.example"}


def test_python_idna_alone_would_map_a_fullwidth_domain_onto_the_contacts():
    # Why addresses.py checks first: IDNA 2003 nameprep folds fullwidth letters to ASCII.
    assert "\uff41\uff43\uff4d\uff45dental.example".encode("idna") == b"acmedental.example"
    with pytest.raises(AddressError, match="compatibility form"):
        normalize_domain("\uff41\uff43\uff4d\uff45dental.example")


@pytest.mark.parametrize(
    "sender",
    [
        '"dana@acmedental.example" <evil@stranger.example>',
        "=?utf-8?q?dana=40acmedental=2Eexample?= <evil@stranger.example>",
        "evil@stranger.example (dana@acmedental.example)",
        "Dana Smith via Acme <evil@stranger.example>",
    ],
)
def test_display_names_and_comments_are_never_the_address(sender):
    msg = parse_message(raw_mail(sender))
    assert msg.from_addr == "evil@stranger.example"
    assert recognise_sender(msg, DIRECTORY).contact is None


def test_a_display_name_posing_as_an_unquoted_address_is_refused():
    # Mail programs show this as "dana@acmedental.example" from evil@...; Python's parser
    # returns dana's address first. Neither reading is safe: the mail is not attributed.
    with pytest.raises(MessageParseError, match="ambiguous sender: From names 2 mailboxes"):
        parse_message(raw_mail("dana@acmedental.example <evil@stranger.example>"))


def test_utf8_idn_sender_matches_the_contact_configured_in_punycode():
    msg = parse_message(raw_mail("Hans <hans@müller.example>"))
    sender = recognise_sender(msg, DIRECTORY)
    assert sender.contact == HANS
    assert sender.doubt is None


def test_lookalike_sender_is_unmatched_and_the_doubt_names_what_it_imitates():
    msg = parse_message(raw_mail("Dana Smith <d\u0430na@acmedental.example>"))
    sender = recognise_sender(msg, DIRECTORY)
    assert sender.contact is None
    assert sender.client == ACME  # still the client's domain: handled as an unlisted person
    assert sender.doubt is not None
    assert "U+0430 CYRILLIC SMALL LETTER A" in sender.doubt
    assert "imitates dana@acmedental.example" in sender.doubt


def test_fullwidth_domain_is_no_clients_domain():
    msg = parse_message(raw_mail("dana@\uff41\uff43\uff4d\uff45dental.example"))
    sender = recognise_sender(msg, DIRECTORY)
    assert (sender.contact, sender.client) == (None, None)
    assert "imitates dana@acmedental.example" in (sender.doubt or "")


# --- Authentication-Results ------------------------------------------------------------

OPENDKIM_PASS = (
    "mx.zsupport.example;\r\n\tdkim=pass (2048-bit key; unprotected) "
    "header.d=acmedental.example header.i=@acmedental.example header.a=rsa-sha256 "
    'header.s=sel1 header.b="ZcL8Lq2D"'
)
SPF_PASS = (
    "mx.zsupport.example; spf=pass (sender SPF authorized) "
    "smtp.mailfrom=dana@acmedental.example smtp.helo=mail.acmedental.example"
)


@pytest.mark.parametrize(
    ("values", "from_domain", "passed"),
    [
        ((OPENDKIM_PASS,), "acmedental.example", True),
        ((SPF_PASS,), "acmedental.example", True),
        # the header.d is a configured parent of the From domain (relaxed alignment)
        ((OPENDKIM_PASS,), "mail.acmedental.example", True),
        # version number, upper case and a trailing dot are still the same MTA and domain
        (
            ("MX.ZSupport.Example 1; dkim=pass header.d=AcmeDental.Example.",),
            "acmedental.example",
            True,
        ),
        # rspamd's multi-method header, spf soft-failing but dkim passing
        (
            (
                "mx.zsupport.example; dkim=pass header.d=acmedental.example header.s=dkim "
                "header.b=abc; spf=softfail (mx.zsupport.example: 192.0.2.7 is neither "
                "permitted nor denied) smtp.mailfrom=dana@acmedental.example; "
                "dmarc=pass (policy=none) header.from=acmedental.example",
            ),
            "acmedental.example",
            True,
        ),
    ],
)
def test_trusted_pass_for_the_from_domain_authenticates(values, from_domain, passed):
    verdict = verify_sender(
        values, from_domain, REQUIRED.trusted_authserv_ids, DIRECTORY.organisation_domains
    )
    assert verdict.passed is passed, verdict.reason
    assert verdict.reason.startswith(f"authenticated by {MX}: ")


@pytest.mark.parametrize(
    ("values", "detail"),
    [
        ((), ""),
        # the sender wrote it: an untrusted authserv-id counts for nothing
        (("mx.attacker.example; dkim=pass header.d=acmedental.example",), "untrusted mx.attacker"),
        # a pass for some other domain, even one the attacker owns
        (("mx.zsupport.example; dkim=pass header.d=attacker.example",), "header.d=attacker"),
        # a parent that is not a configured organisation domain vouches for nothing below it
        (("mx.zsupport.example; dkim=pass header.d=example",), "dkim=pass header.d=example"),
        # a subdomain never vouches for its parent
        (("mx.zsupport.example; dkim=pass header.d=mail.acmedental.example",), "mail.acme"),
        (("mx.zsupport.example; dkim=fail (bad signature) header.d=acmedental.example",), "fail"),
        (("mx.zsupport.example; spf=neutral smtp.mailfrom=acmedental.example",), "neutral"),
        (("mx.zsupport.example; spf=pass smtp.helo=acmedental.example",), "mailfrom=None"),
        (("mx.zsupport.example; none",), ""),
        (("mx.zsupport.example dkim=pass header.d=acmedental.example",), "unparseable"),
        # a pass smuggled into a comment is a comment
        (
            ("mx.zsupport.example; dkim=fail (dkim=pass header.d=acmedental.example) header.d=x",),
            "fail",
        ),
    ],
)
def test_no_trusted_aligned_pass_means_not_authenticated(values, detail):
    verdict = verify_sender(
        values, "acmedental.example", REQUIRED.trusted_authserv_ids, DIRECTORY.organisation_domains
    )
    assert not verdict.passed
    assert verdict.reason.startswith(
        "sender not authenticated: no trusted Authentication-Results with dkim/spf pass "
        "for acmedental.example"
    )
    assert detail in verdict.reason


def test_required_authentication_demotes_an_unauthenticated_contact():
    forged = parse_message(raw_mail("Dana <dana@acmedental.example>"))
    sender = recognise_sender(forged, DIRECTORY, REQUIRED)
    assert (sender.contact, sender.client, sender.staff) == (None, ACME, False)
    assert (sender.doubt or "").startswith("sender not authenticated")

    signed = parse_message(
        raw_mail("Dana <dana@acmedental.example>", f"Authentication-Results: {OPENDKIM_PASS}")
    )
    sender = recognise_sender(signed, DIRECTORY, REQUIRED)
    assert sender.contact == DANA
    assert sender.verified == f"authenticated by {MX}: dkim=pass header.d=acmedental.example"


def test_a_staff_address_is_only_a_claim_the_mta_verdict_is_kept_for_authority():
    # Staff authority is decided by intake/authority.py (tests/unit/test_staff_authority.py);
    # recognition only records the address's claim and what the MTA said.
    forged = parse_message(raw_mail("tom@zsupport.example"))
    sender = recognise_sender(forged, DIRECTORY, REQUIRED)
    assert (sender.staff, sender.client, sender.verified) == (True, None, None)
    assert (sender.unproven or "").startswith("sender not authenticated")
    spf = "mx.zsupport.example; spf=pass smtp.mailfrom=tom@zsupport.example"
    signed = parse_message(raw_mail("tom@zsupport.example", f"Authentication-Results: {spf}"))
    sender = recognise_sender(signed, DIRECTORY, REQUIRED)
    assert (sender.verified or "").startswith("authenticated by mx.zsupport.example")
    assert sender.unproven is None


# --- [security] configuration ----------------------------------------------------------


def load(tmp_path, **security):
    path = tmp_path / "config.toml"
    path.write_text(to_toml(config_dict("sqlite:///x.db", tmp_path, security=security)))
    return load_settings(path)


def test_security_defaults_change_nothing(tmp_path):
    settings = load(tmp_path)
    assert settings.security.require_authentication is False
    assert settings.security.max_messages_per_ip_per_minute == 0
    assert settings.security.exempt("127.0.0.1")
    assert settings.security.exempt("::1")
    assert not settings.security.exempt("192.0.2.7")


def test_security_keys_are_validated(tmp_path):
    with pytest.raises(ConfigError) as info:
        load(
            tmp_path,
            require_authentication=True,
            max_messages_per_ip_per_minute=-1,
            rate_limit_exempt_ips=["10.0.0.0/8", "not-an-ip"],
            trusted_authserv=["mx"],
        )
    found = "\n".join(info.value.problems)
    assert "security.trusted_authserv_ids: expected the authserv-id of at least one MTA" in found
    assert "security.max_messages_per_ip_per_minute: expected an integer from 0" in found
    assert "security.rate_limit_exempt_ips: expected IP addresses or networks" in found
    assert "security.trusted_authserv: unknown key" in found


def test_security_keys_are_read(tmp_path):
    settings = load(
        tmp_path,
        require_authentication=True,
        trusted_authserv_ids=["MX.ZSupport.Example"],
        max_messages_per_ip_per_minute=30,
        max_messages_per_sender_per_hour=20,
        rate_limit_exempt_ips=["192.0.2.0/24"],
    )
    security = settings.security
    assert security.trusted_authserv_ids == frozenset({MX})
    assert (security.max_messages_per_ip_per_minute, security.max_messages_per_sender_per_hour) == (
        30,
        20,
    )
    assert security.exempt("192.0.2.9")
    assert not security.exempt("127.0.0.1")


def test_lookalike_contact_addresses_are_refused_in_the_config(tmp_path):
    path = tmp_path / "config.toml"
    data = config_dict("sqlite:///x.db", tmp_path)
    data["clients"][0]["contacts"][0]["email"] = "d\u0430na@acmedental.example"
    path.write_text(to_toml(data))
    with pytest.raises(ConfigError, match="without look-alike characters"):
        load_settings(path)
