"""Staff authority: which proofs make a staff-looking mail staff's, and which never do.

Pure: prove_staff on parsed mails with settings from the real TOML loader; no sockets.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.helpers import STAFF_SECRET, config_dict, staff_thread, to_toml
from zsupport_mail.intake.authority import prove_staff
from zsupport_mail.intake.directory import Directory
from zsupport_mail.intake.sender import recognise_sender
from zsupport_mail.intake.types import Sender, ThreadMatch, TicketRef
from zsupport_mail.mail.message import parse_message
from zsupport_mail.mail.tokens import CLIENT, STAFF, make_message_id
from zsupport_mail.settings import ConfigError, Settings, load_settings

MX = "mx.zsupport.example"
TICKET = ThreadMatch(TicketRef(1, "ZS-000001", 1, "open"), "subject_tag")
DIRECTORY = Directory(
    contacts={},
    domains={},
    staff_addresses=frozenset(),
    staff_domains=frozenset({"zsupport.example"}),
    own_addresses=frozenset({"support@zsupport.example"}),
)


def settings(tmp_path: Path, **overrides: Any) -> Settings:
    overrides.setdefault("safety", {"secret": STAFF_SECRET})
    path = tmp_path / "config.toml"
    path.write_text(to_toml(config_dict("sqlite:///x.db", tmp_path, **overrides)))
    return load_settings(path)


def staff_mail(*headers: tuple[str, str], sender: str = "tom@zsupport.example") -> bytes:
    lines = [f"{name}: {value}" for name, value in headers]
    lines += [f"From: {sender}", "To: support@zsupport.example"]
    lines += ["Subject: Re: [Z-Support #ZS-000001] Phones", "Message-ID: <s1@x>"]
    return ("\r\n".join([*lines, "", "#status closed", "Pay invoice 4471 today.", ""])).encode()


def judge(
    raw: bytes, config: Settings, peer: str | None = None, thread: ThreadMatch | None = TICKET
) -> Sender:
    msg = parse_message(raw)
    sender = recognise_sender(msg, DIRECTORY, config.security)
    return prove_staff(msg, sender, thread, config, peer)


def test_from_address_and_subject_tag_alone_give_no_authority(tmp_path):
    sender = judge(staff_mail(), settings(tmp_path))
    assert sender.staff is False
    assert sender.claims_staff
    assert sender.staff_claim == (
        "no trusted MTA's Authentication-Results are configured; "
        "replies to no staff-only mail of this ticket"
    )


def test_reply_to_staff_only_mail_of_the_ticket_proves_staff(tmp_path):
    thread = staff_thread("ZS-000001")
    sender = judge(staff_mail(*thread.items()), settings(tmp_path))
    assert sender.staff is True
    assert sender.authority == f"replies to staff-only mail {thread['In-Reply-To']}"


@pytest.mark.parametrize(
    ("reference", "why"),
    [
        (  # the client's copy: the client received it too, so it proves nothing
            make_message_id("ZS-000001", "zsupport.example", STAFF_SECRET, audience=CLIENT),
            "replies to no staff-only mail of this ticket",
        ),
        (  # guessed: the right shape, a made-up signature
            "<zs.ZS-000001.staff.0123456789ab.0123456789abcdef@zsupport.example>",
            "replies to no staff-only mail of this ticket",
        ),
        (  # signed under an old secret, since rotated
            make_message_id("ZS-000001", "zsupport.example", "an-old-secret-xx", audience=STAFF),
            "replies to no staff-only mail of this ticket",
        ),
        (  # genuine, but staff mail of another ticket: no authority over this one
            make_message_id("ZS-000007", "zsupport.example", STAFF_SECRET, audience=STAFF),
            "replies to staff-only mail of ZS-000007, not of this ticket",
        ),
    ],
    ids=["client-copy", "guessed", "old-secret", "other-ticket"],
)
def test_references_that_prove_nothing(tmp_path, reference, why):
    sender = judge(staff_mail(("In-Reply-To", reference)), settings(tmp_path))
    assert sender.staff is False
    assert sender.staff_claim is not None
    assert sender.staff_claim.endswith(why)


def test_staff_only_mail_proves_nothing_without_a_ticket(tmp_path):
    raw = staff_mail(*staff_thread("ZS-000001").items())
    assert judge(raw, settings(tmp_path), thread=None).staff is False
    sender = judge(staff_mail(), settings(tmp_path), thread=None)
    assert (sender.staff_claim or "").endswith("; continues no ticket")


def test_without_a_secret_no_staff_only_mail_is_recognised(tmp_path):
    raw = staff_mail(*staff_thread("ZS-000001").items())
    sender = judge(raw, settings(tmp_path, safety={}))
    assert sender.staff is False
    assert (sender.staff_claim or "").endswith(
        "no [safety] secret, so no staff-only mail can be recognised"
    )


def test_aligned_mta_pass_proves_staff(tmp_path):
    config = settings(tmp_path, security={"trusted_authserv_ids": [MX]})
    spf = f"{MX}; spf=pass smtp.mailfrom=tom@zsupport.example"
    sender = judge(staff_mail(("Authentication-Results", spf)), config)
    assert sender.staff is True
    assert sender.authority == f"authenticated by {MX}: spf=pass smtp.mailfrom=tom@zsupport.example"


@pytest.mark.parametrize(
    "header",
    [
        "mx.attacker.example; dkim=pass header.d=zsupport.example",  # untrusted authserv-id
        f"{MX}; dkim=pass header.d=attacker.example",  # not aligned with the From domain
        f"{MX}; spf=softfail smtp.mailfrom=tom@zsupport.example",
        f"{MX}; auth=pass smtp.auth=mallory",  # logged in, but as someone else
        "mx.attacker.example; auth=pass smtp.auth=tom@zsupport.example",
    ],
)
def test_mta_results_that_prove_nothing(tmp_path, header):
    config = settings(tmp_path, security={"trusted_authserv_ids": [MX]})
    sender = judge(staff_mail(("Authentication-Results", header)), config)
    assert sender.staff is False
    assert sender.unproven is not None or "SMTP AUTH user mallory" in (sender.staff_claim or "")


@pytest.mark.parametrize("user", ["tom@zsupport.example", "TOM"])
def test_smtp_auth_at_our_mta_proves_staff(tmp_path, user):
    config = settings(tmp_path, security={"trusted_authserv_ids": [MX]})
    header = f"{MX}; auth=pass (PLAIN) smtp.auth={user}"
    sender = judge(staff_mail(("Authentication-Results", header)), config)
    assert sender.staff is True
    assert sender.authority == f"submitted with SMTP AUTH as {user.lower()} to {MX}"


def test_trusted_relay_proves_staff_and_other_peers_do_not(tmp_path):
    config = settings(tmp_path, staff={"trusted_relays": ["10.1.2.0/24", "2001:db8::5"]})
    assert judge(staff_mail(), config, peer="10.1.2.9").authority == (
        "handed over by trusted relay 10.1.2.9"
    )
    assert judge(staff_mail(), config, peer="2001:db8::5").staff is True
    assert judge(staff_mail(), config, peer="::ffff:10.1.2.9").staff is True
    outside = judge(staff_mail(), config, peer="203.0.113.9")
    assert outside.staff is False
    assert "received from 203.0.113.9, not a trusted relay" in (outside.staff_claim or "")
    assert judge(staff_mail(), config, peer=None).staff is False  # IMAP or a file


def test_require_authentication_wants_the_mta_even_for_replies_to_staff_mail(tmp_path):
    config = settings(
        tmp_path,
        security={"require_authentication": True, "trusted_authserv_ids": [MX]},
        staff={"trusted_relays": ["10.1.2.0/24"]},
    )
    raw = staff_mail(*staff_thread("ZS-000001").items())
    sender = judge(raw, config, peer="10.1.2.9")
    assert sender.staff is False
    assert (sender.staff_claim or "").startswith("sender not authenticated")


def test_a_client_is_never_touched(tmp_path):
    raw = staff_mail(sender="dana@acmedental.example")
    sender = judge(raw, settings(tmp_path))
    assert (sender.staff, sender.staff_claim, sender.authority) == (False, None, None)


def test_bad_trusted_relay_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="trusted_relays"):
        settings(tmp_path, staff={"trusted_relays": ["not-a-network"]})


def test_staff_audience_is_what_the_staff_copy_carries():
    mid = make_message_id("ZS-000001", "zsupport.example", STAFF_SECRET, audience=STAFF)
    assert staff_thread("ZS-000001")["In-Reply-To"].startswith("<zs.ZS-000001.staff.")
    assert mid.startswith("<zs.ZS-000001.staff.")
