"""``serve`` against relay tricks and floods: real daemon, smtplib with raw commands, swaks.

Raw ``docmd`` lines, because smtplib rewrites addresses (it would unquote, re-bracket or drop
a source route) and the point is what the daemon does with the bytes an attacker sends. The
edge answers do not depend on the database, so these run on SQLite only.
"""

from __future__ import annotations

import smtplib
import subprocess

import pytest

from tests.acceptance.conftest import db_count
from tests.helpers import SUPPORT, make_mail
from zsupport_mail.db.models import InboundMessage

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])

IDN_SUPPORT = "hilfe@bücher.example"  # stored as hilfe@xn--bcher-kva.example

RELAY_ATTEMPTS = [
    "<x@evil.example>",
    "<support@evil.example>",
    "<support@zsupport.example.evil.example>",
    "<support@evil.example.>",  # trailing dot: still someone else's domain
    # source routes: aiosmtpd would drop the route and keep only the final mailbox
    "<@relay.example:support@zsupport.example>",
    "<@zsupport.example:x@evil.example>",
    "<@a.example,@b.example:x@evil.example>",
    # percent hack and bang paths: a downstream MTA could route on them
    "<x%evil.example@zsupport.example>",
    "<support%zsupport.example@evil.example>",
    "<evil.example!x@zsupport.example>",
    "<zsupport.example!support>",
    # quoted local parts that spell an address
    '<"support@zsupport.example"@evil.example>',
    '<"x@evil.example"@zsupport.example>',
    '<"support\\@zsupport.example"@evil.example>',
    # address literals and look-alike spellings of our domain
    "<support@[127.0.0.1]>",
    "<support@zsupport.ex\u0430mple>",  # Cyrillic a
    "<support@\uff5a\uff53\uff55\uff50\uff50\uff4f\uff52\uff54.example>",  # fullwidth
    "<support@zsupport\u00ad.example>",  # soft hyphen, which IDNA would delete
    "<support@xn--zsupport-2ve.example>",
]
MALFORMED = ["<support@zsupport.example@evil.example>", "<support@@zsupport.example>"]
OUR_SPELLINGS = [
    "<SUPPORT@ZSUPPORT.EXAMPLE>",
    "<support@zsupport.example.>",
    '<"support"@zsupport.example>',
    "<hilfe@xn--bcher-kva.example>",
    "<HILFE@XN--BCHER-KVA.EXAMPLE>",
    "<hilfe@BÜCHER.example>",
]


def smtputf8_session(port: int) -> smtplib.SMTP:
    client = smtplib.SMTP("127.0.0.1", port, timeout=30)
    client.ehlo()
    client.command_encoding = "utf-8"  # send non-ASCII addresses as RFC 6531 allows
    assert client.docmd("MAIL FROM:<x@stranger.example> SMTPUTF8")[0] == 250
    return client


def test_relay_attempts_are_refused_at_rcpt_and_nothing_is_stored(start_serve, db_url):
    serve = start_serve(smtp={"addresses": [SUPPORT, IDN_SUPPORT]})
    answers = {}
    with smtputf8_session(serve.port) as client:
        for recipient in RELAY_ATTEMPTS + MALFORMED:
            code, text = client.docmd(f"RCPT TO:{recipient}")
            answers[recipient] = (code, text[:5])
        assert client.docmd("DATA")[0] == 503  # no recipient was accepted
    expected = dict.fromkeys(RELAY_ATTEMPTS, (550, b"5.1.1"))
    expected |= dict.fromkeys(MALFORMED, (553, b"5.1.3"))  # aiosmtpd: bad address syntax
    assert answers == expected
    assert db_count(db_url, InboundMessage) == 0
    refused = serve.wait_for("recipient_refused", count=len(RELAY_ATTEMPTS))
    assert len(refused) == len(RELAY_ATTEMPTS)


def test_our_addresses_are_accepted_in_every_equivalent_spelling(start_serve, db_url):
    serve = start_serve(smtp={"addresses": [SUPPORT, IDN_SUPPORT]})
    with smtputf8_session(serve.port) as client:
        for recipient in OUR_SPELLINGS:
            code, text = client.docmd(f"RCPT TO:{recipient}")
            assert (code, recipient) == (250, recipient), text
        code, text = client.data(make_mail())
        assert code == 250, text
    serve.wait_for("message_processed", count=2)  # one stored row per support mailbox
    assert db_count(db_url, InboundMessage) == 2
    assert db_count(db_url, InboundMessage, InboundMessage.mailbox == SUPPORT) == 1


def test_swaks_source_route_is_refused(start_serve):
    serve = start_serve()
    result = subprocess.run(
        [
            "swaks",
            "--server",
            f"127.0.0.1:{serve.port}",
            "--from",
            "x@stranger.example",
            "--to",
            "@relay.example:support@zsupport.example",
            "--quit-after",
            "RCPT",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "<** 550 5.1.1 Source routes are not accepted here" in result.stdout, result.stdout
    assert result.returncode != 0


def test_per_ip_limit_answers_421_and_closes(start_serve, db_url):
    serve = start_serve(security={"max_messages_per_ip_per_minute": 2, "rate_limit_exempt_ips": []})
    with smtplib.SMTP("127.0.0.1", serve.port) as client:
        for number in range(2):
            refused = client.sendmail(
                "dana@acmedental.example", [SUPPORT], make_mail(message_id=f"<ip-{number}@x>")
            )
            assert refused == {}
        code, text = client.docmd("MAIL FROM:<lee@acmedental.example>")
        assert (code, text[:5]) == (421, b"4.7.0")
        with pytest.raises(smtplib.SMTPServerDisconnected):
            client.docmd("NOOP")
    # The limit is the address's, not the session's: a new connection is refused at once.
    with pytest.raises(smtplib.SMTPConnectError) as refused:
        smtplib.SMTP("127.0.0.1", serve.port, timeout=10)
    assert refused.value.smtp_code == 421
    events = serve.wait_for("smtp_rate_limited", count=2)
    assert [(e["scope"], e["stage"]) for e in events] == [("ip", "mail"), ("ip", "connect")]
    event = events[0]
    assert event["peer_ip"] == "127.0.0.1"
    assert event["reason"] == "security.max_messages_per_ip_per_minute reached"
    serve.wait_for("message_processed", count=2)
    assert db_count(db_url, InboundMessage) == 2  # what was accepted is kept


def test_per_sender_limit_answers_450_and_other_senders_go_on(start_serve, db_url):
    serve = start_serve(
        security={"max_messages_per_sender_per_hour": 1, "rate_limit_exempt_ips": []}
    )
    with smtplib.SMTP("127.0.0.1", serve.port) as client:
        assert client.sendmail("dana@acmedental.example", [SUPPORT], make_mail()) == {}
        code, text = client.docmd("MAIL FROM:<DANA@AcmeDental.example>")  # same sender
        assert (code, text[:5]) == (450, b"4.7.1")
        assert client.docmd("NOOP")[0] == 250  # a 450 keeps the session
        other = make_mail(sender="lee@acmedental.example", message_id="<lee-1@x>")
        assert client.sendmail("lee@acmedental.example", [SUPPORT], other) == {}
    [event] = serve.wait_for("smtp_rate_limited")
    assert (event["scope"], event["mail_from"]) == ("sender", "dana@acmedental.example")
    serve.wait_for("message_processed", count=2)
    assert db_count(db_url, InboundMessage) == 2


def test_trusted_relay_addresses_are_never_limited(start_serve, db_url):
    # Default rate_limit_exempt_ips is loopback: a local Postfix relays everything from there.
    serve = start_serve(
        security={"max_messages_per_ip_per_minute": 1, "max_messages_per_sender_per_hour": 1}
    )
    with smtplib.SMTP("127.0.0.1", serve.port) as client:
        for number in range(4):
            raw = make_mail(message_id=f"<relayed-{number}@x>")
            assert client.sendmail("dana@acmedental.example", [SUPPORT], raw) == {}
    serve.wait_for("message_processed", count=4)
    assert db_count(db_url, InboundMessage) == 4
    assert not [e for e in serve.events if e.get("event") == "smtp_rate_limited"]


def test_require_authentication_through_a_running_serve(start_serve):
    mx = "mx.zsupport.example"
    serve = start_serve(security={"require_authentication": True, "trusted_authserv_ids": [mx]})
    signed = make_mail(
        message_id="<signed@acmedental.example>",
        headers={"Authentication-Results": f"{mx}; dkim=pass header.d=acmedental.example"},
    )
    forged = make_mail(
        message_id="<forged@acmedental.example>",
        headers={
            "Authentication-Results": "mx.evil.example; dkim=pass header.d=acmedental.example"
        },
    )
    with smtplib.SMTP("127.0.0.1", serve.port) as client:
        assert client.sendmail("dana@acmedental.example", [SUPPORT], signed) == {}
        assert client.sendmail("dana@acmedental.example", [SUPPORT], forged) == {}
    events = serve.wait_for("message_processed", count=2)
    actions = {e["message_id"]: (e["action"], e["reason"]) for e in events}
    assert actions["<signed@acmedental.example>"][0] == "created"
    action, reason = actions["<forged@acmedental.example>"]
    assert action == "unauthorized"
    assert reason.startswith("sender not authenticated: no trusted Authentication-Results")
