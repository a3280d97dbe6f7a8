"""Replies leave through a relay that demands TLS and a login, as a hosted smarthost does.

The relay is a real SMTP server in its own process (tests/servers/auth_relay.py) with a
certificate from a private CA (trustme). Certificates are always verified, and a relay that
does not offer STARTTLS gets nothing: the mail waits, it is never sent in clear text.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme
from sqlalchemy import select

from tests.helpers import SUPPORT, make_mail
from tests.servers.auth_relay import AuthRelay
from tests.servers.fixtures import server_dir
from zsupport_mail.db.models import OutboundMessage
from zsupport_mail.mail.replies import ReplyRenderer
from zsupport_mail.queues.outbox import deliver_due
from zsupport_mail.runtime.pipeline import Pipeline
from zsupport_mail.settings.clock import utc_now

USER, PASSWORD = "desk@zsupport.example", "s3cret-relay-pass"


@pytest.fixture
def authority(tmp_path: Path) -> tuple[Path, tuple[Path, Path]]:
    """A private CA's certificate file and a server certificate and key for 127.0.0.1."""
    ca = trustme.CA()
    ca_file, cert_file, key_file = tmp_path / "ca.pem", tmp_path / "cert.pem", tmp_path / "key.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    issued = ca.issue_cert("127.0.0.1", "localhost")
    issued.cert_chain_pems[0].write_to_path(str(cert_file))
    issued.private_key_pem.write_to_path(str(key_file))
    return ca_file, (cert_file, key_file)


@pytest.fixture
def start_relay(authority) -> Iterator:
    with contextlib.ExitStack() as stack:

        def start(security: str) -> AuthRelay:
            spool = stack.enter_context(server_dir("relay"))
            cert = None if security == "plain" else authority[1]
            relay = AuthRelay(spool, security, cert, USER, PASSWORD)
            stack.callback(relay.stop)
            return relay.start()

        yield start


def _reply_queued(make_settings, sessions, tmp_path: Path, relay: AuthRelay, **outbound):
    password_file = tmp_path / "relay-password"
    password_file.write_text(PASSWORD + "\n")
    settings = make_settings(
        outbound={
            "mode": "smtp",
            "relay_host": relay.host,
            "relay_port": relay.port,
            "relay_username": USER,
            "relay_password_file": str(password_file),
            **outbound,
        }
    )
    Pipeline(settings, sessions, ReplyRenderer(settings), utc_now).ingest(
        make_mail(), source="smtp", mailbox=SUPPORT
    )
    return settings


def _outbox(sessions) -> list[OutboundMessage]:
    with sessions.begin() as session:
        rows = session.scalars(select(OutboundMessage)).all()
        session.expunge_all()
        return list(rows)


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_the_reply_is_sent_encrypted_and_logged_in(
    security, start_relay, authority, make_settings, sessions, tmp_path
):
    relay = start_relay(security)
    settings = _reply_queued(
        make_settings,
        sessions,
        tmp_path,
        relay,
        relay_security=security,
        relay_ca_file=str(authority[0]),
    )

    report = deliver_due(sessions, settings.outbound, utc_now())

    assert (report.sent, report.deferred, report.failed) == (1, 0, 0)
    [(facts, raw)] = relay.messages()
    assert facts["encrypted"] is True
    assert facts["login"] == USER
    assert facts["rcpt_tos"] == ["dana@acmedental.example"]
    assert b"Subject: " in raw
    assert b"ZS-" in raw


def test_a_relay_without_starttls_gets_nothing_and_the_reply_waits(
    start_relay, authority, make_settings, sessions, tmp_path
):
    relay = start_relay("plain")  # offers neither STARTTLS nor AUTH: a downgrade
    settings = _reply_queued(
        make_settings,
        sessions,
        tmp_path,
        relay,
        relay_security="starttls",
        relay_ca_file=str(authority[0]),
    )

    report = deliver_due(sessions, settings.outbound, utc_now())

    assert report.relay_unavailable
    assert report.sent == 0
    assert relay.messages() == []
    [row] = _outbox(sessions)
    assert row.status == "queued"
    assert "offers no STARTTLS" in (row.last_error or "")
    assert "refusing to send in clear text" in (row.last_error or "")


def test_a_certificate_from_an_unknown_authority_is_refused(
    start_relay, make_settings, sessions, tmp_path
):
    relay = start_relay("starttls")
    other_ca = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other_ca))
    settings = _reply_queued(
        make_settings,
        sessions,
        tmp_path,
        relay,
        relay_ca_file=str(other_ca),
        relay_security="starttls",
    )

    report = deliver_due(sessions, settings.outbound, utc_now())

    assert report.relay_unavailable
    assert relay.messages() == []
    [row] = _outbox(sessions)
    assert "CERTIFICATE_VERIFY_FAILED" in (row.last_error or "")


def test_a_refused_login_holds_the_reply_with_the_reason(
    start_relay, authority, make_settings, sessions, tmp_path
):
    relay = start_relay("starttls")
    relay.password = "not-what-we-send"
    relay.stop()
    relay.start()
    settings = _reply_queued(
        make_settings,
        sessions,
        tmp_path,
        relay,
        relay_security="starttls",
        relay_ca_file=str(authority[0]),
    )

    report = deliver_due(sessions, settings.outbound, utc_now())

    assert report.relay_unavailable
    assert relay.messages() == []
    [row] = _outbox(sessions)
    assert row.status == "queued"
    assert f"relay refused the login of {USER!r}: 535" in (row.last_error or "")
