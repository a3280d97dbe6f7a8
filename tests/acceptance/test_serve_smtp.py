"""``serve`` as a real mail endpoint: smtplib and swaks deliver, a capture relay gets replies."""

from __future__ import annotations

import email
import signal
import smtplib
import ssl
import subprocess
from datetime import UTC, datetime

import pytest
import trustme

from tests.acceptance.conftest import db_count, relay_mode, settled_deliveries
from tests.daemon import CaptureRelay
from tests.helpers import SUPPORT, make_mail
from tests.servers.ports import free_port
from zsupport_mail.db.models import InboundMessage, OutboundMessage, Ticket, TicketMessage
from zsupport_mail.db.session import make_engine, make_session_factory
from zsupport_mail.queues.inbox import Arrival, store_raw


def test_smtplib_delivery_makes_ticket_and_reply_reaches_relay(start_serve, relay, db_url):
    serve = start_serve(outbound=relay_mode(relay))
    with smtplib.SMTP("127.0.0.1", serve.port) as client:
        refused = client.sendmail("dana@acmedental.example", [SUPPORT], make_mail())
    assert refused == {}

    [reply] = relay.wait_for(1)
    assert reply.rcpt_tos == ["dana@acmedental.example"]
    assert reply.mail_from == SUPPORT
    assert b"Subject: Re: [Z-Support #ZS-000001] Phones drop calls" in reply.content
    assert b"Auto-Submitted: auto-replied" in reply.content
    serve.wait_for("message_processed", where=lambda e: e["action"] == "created")
    assert db_count(db_url, Ticket) == 1


def test_swaks_delivery(start_serve, relay, tmp_path):
    serve = start_serve(outbound=relay_mode(relay))
    result = subprocess.run(
        [
            "swaks",
            "--server",
            "127.0.0.1",
            "--port",
            str(serve.port),
            "--from",
            "lee@acmedental.example",
            "--to",
            SUPPORT,
            "--header",
            "Subject: Voicemail to e-mail stopped",
            "--body",
            "No voicemail e-mails since Monday.",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "250 2.0.0 OK queued as" in result.stdout
    [reply] = relay.wait_for(1)
    assert reply.rcpt_tos == ["lee@acmedental.example"]


@pytest.mark.parametrize(
    "recipient",
    [
        "other@zsupport.example",
        "support@elsewhere.example",
        "support%elsewhere.example@zsupport.example",
        "@zsupport.example:support@elsewhere.example",
        '"support@elsewhere.example"@zsupport.example',
    ],
)
@pytest.mark.parametrize("backend", ["sqlite"])  # refused before storage: one backend
def test_unknown_recipients_are_refused_at_rcpt(start_serve, recipient):
    serve = start_serve()
    with smtplib.SMTP("127.0.0.1", serve.port) as client:
        client.ehlo()
        client.mail("x@stranger.example")
        code, text = client.rcpt(recipient)
    # 550 5.1.1 from our handler; aiosmtpd itself answers 553 to a source route's syntax.
    assert code in (550, 553), text
    assert code == 553 or text.startswith(b"5.1.1")


@pytest.mark.parametrize("backend", ["sqlite"])  # refused before storage: one backend
def test_support_address_is_case_insensitive(start_serve):
    serve = start_serve()
    with smtplib.SMTP("127.0.0.1", serve.port) as client:
        client.ehlo()
        client.mail("dana@acmedental.example")
        assert client.rcpt("SUPPORT@ZSupport.Example")[0] == 250


def test_size_is_advertised_and_oversize_refused_with_552(start_serve, db_url):
    serve = start_serve(smtp={"max_message_bytes": 20_000})
    big = make_mail(body="x" * 40_000 + "\n")
    with smtplib.SMTP("127.0.0.1", serve.port) as client:
        client.ehlo()
        assert client.has_extn("size")
        assert client.esmtp_features["size"] == "20000"
        # Declared size too big: refused at MAIL.
        code, text = client.mail("dana@acmedental.example", options=["SIZE=40000"])
        assert (code, text[:5]) == (552, b"5.3.4")
        client.rset()
        # Undeclared: refused after DATA, nothing stored.
        client.mail("dana@acmedental.example")
        client.rcpt(SUPPORT)
        code, text = client.data(big)
        assert (code, text[:5]) == (552, b"5.3.4")
    assert db_count(db_url, InboundMessage) == 0


def test_message_limit_per_connection_answers_452(start_serve):
    serve = start_serve(smtp={"max_messages_per_connection": 2})
    with smtplib.SMTP("127.0.0.1", serve.port) as client:
        for number in range(2):
            client.sendmail(
                "dana@acmedental.example", [SUPPORT], make_mail(message_id=f"<limit-{number}@x>")
            )
        code, text = client.mail("dana@acmedental.example")
    assert code == 452
    assert b"reconnect" in text


@pytest.mark.parametrize("backend", ["sqlite"])  # refused before storage: one backend
def test_concurrent_session_limit_answers_421(start_serve):
    serve = start_serve(smtp={"max_sessions": 1})
    with smtplib.SMTP("127.0.0.1", serve.port) as first:
        first.ehlo()
        with pytest.raises(smtplib.SMTPConnectError) as refused:
            smtplib.SMTP("127.0.0.1", serve.port, timeout=10)
        assert refused.value.smtp_code == 421
    with smtplib.SMTP("127.0.0.1", serve.port) as again:  # a slot is free again
        assert again.ehlo()[0] == 250


def test_starttls(start_serve, tmp_path):
    authority = trustme.CA()
    cert = authority.issue_cert("zsupport.example", "127.0.0.1")
    cert.private_key_and_cert_chain_pem.write_to_path(str(tmp_path / "chain.pem"))
    cert.private_key_pem.write_to_path(str(tmp_path / "key.pem"))
    serve = start_serve(
        smtp={"tls_cert": str(tmp_path / "chain.pem"), "tls_key": str(tmp_path / "key.pem")}
    )
    context = ssl.create_default_context()
    authority.configure_trust(context)
    with smtplib.SMTP("127.0.0.1", serve.port) as client:
        client.ehlo()
        assert client.has_extn("starttls")
        client.starttls(context=context)
        client.ehlo()
        assert client.sendmail("dana@acmedental.example", [SUPPORT], make_mail()) == {}
    serve.wait_for("message_processed")


@pytest.mark.every_backend
def test_relay_down_then_up_delivers_each_reply_once(start_serve, db_url):
    port = free_port()
    serve = start_serve(outbound={"mode": "smtp", "relay_port": port, "retry_base_seconds": 1})
    with smtplib.SMTP("127.0.0.1", serve.port) as client:
        client.sendmail("dana@acmedental.example", [SUPPORT], make_mail())
    serve.wait_for("delivery_deferred")
    relay = CaptureRelay(port).start()
    try:
        [reply] = settled_deliveries(serve, relay, db_url)
        assert (
            email.message_from_bytes(reply.content)["In-Reply-To"]
            == "<report-1@acmedental.example>"
        )
        assert db_count(db_url, OutboundMessage, OutboundMessage.status == "sent") == 2
    finally:
        relay.stop()


def test_permanent_relay_failure_is_recorded(start_serve, relay, db_url):
    relay.handler.reject_with = "554 5.7.1 rejected by policy"
    serve = start_serve(outbound=relay_mode(relay))
    with smtplib.SMTP("127.0.0.1", serve.port) as client:
        client.sendmail("dana@acmedental.example", [SUPPORT], make_mail())
    [event] = serve.wait_for("delivery_failed")
    assert "554" in event["reason"]
    assert db_count(db_url, OutboundMessage, OutboundMessage.status == "failed") == 1
    note = TicketMessage.direction == "note"
    assert db_count(db_url, TicketMessage, note, TicketMessage.internal.is_(True)) == 1


@pytest.mark.every_backend
def test_stored_but_unprocessed_mail_is_processed_once_at_start(start_serve, db_url, relay):
    engine = make_engine(db_url)
    sessions = make_session_factory(engine)
    now = datetime.now(UTC)
    for number in range(5):
        raw = make_mail(message_id=f"<before-start-{number}@x>")
        store_raw(sessions, raw, Arrival("smtp", SUPPORT, now))
    engine.dispose()

    serve = start_serve(outbound=relay_mode(relay))
    serve.wait_for("message_processed", count=5)
    replies = settled_deliveries(serve, relay, db_url)
    answered = sorted(email.message_from_bytes(r.content)["In-Reply-To"] for r in replies)
    assert answered == [f"<before-start-{number}@x>" for number in range(5)]
    assert db_count(db_url, Ticket) == 6  # and the marker's
    assert db_count(db_url, InboundMessage, InboundMessage.status == "done") == 6


def test_sigterm_stops_cleanly_with_exit_0(start_serve):
    serve = start_serve()
    with smtplib.SMTP("127.0.0.1", serve.port) as client:
        client.sendmail("dana@acmedental.example", [SUPPORT], make_mail())
    serve.wait_for("message_processed")
    assert serve.stop(signal.SIGTERM) == 0
    assert serve.wait_for("serve_stopped")
    with pytest.raises(ConnectionRefusedError):
        smtplib.SMTP("127.0.0.1", serve.port, timeout=5)
