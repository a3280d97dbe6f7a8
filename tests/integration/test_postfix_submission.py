"""Replies through Postfix set up as a submission relay: STARTTLS required, then SASL login.

That is how an ISP's or a hosted smarthost's port 587 behaves. Postfix checks the login
against Dovecot's auth service (``smtpd_sasl_type = dovecot``), refuses mail before STARTTLS
(``smtpd_tls_security_level = encrypt``) and relays only for authenticated clients; it hands
what it accepts to an aiosmtpd sink standing for the Internet.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
import trustme
from aiosmtpd.controller import Controller
from sqlalchemy import select

from tests.helpers import SUPPORT, make_mail
from tests.servers.dovecot import DovecotServer
from tests.servers.fixtures import server_dir
from tests.servers.ports import free_port
from tests.servers.postfix import PostfixRelay
from zsupport_mail.db.models import OutboundMessage
from zsupport_mail.mail.replies import ReplyRenderer
from zsupport_mail.queues.outbox import deliver_due
from zsupport_mail.runtime.pipeline import Pipeline
from zsupport_mail.settings.clock import utc_now

USER, PASSWORD = "desk", "relay-secret-9"
AUTH_LISTENER = """
service auth {{
  unix_listener {path} {{
    mode = 0666
  }}
}}
"""
SUBMISSION = """
smtpd_tls_cert_file = {cert}
smtpd_tls_key_file = {key}
smtpd_tls_security_level = encrypt
smtpd_tls_auth_only = yes
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = {socket}
smtpd_relay_restrictions = permit_sasl_authenticated, reject
"""


class _Sink:
    def __init__(self) -> None:
        self.received: list[bytes] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.received.append(envelope.original_content)
        return "250 OK"


@pytest.fixture
def submission_relay() -> Iterator[tuple[PostfixRelay, _Sink, str]]:
    """Postfix demanding STARTTLS and a Dovecot-checked login, relaying to a sink."""
    sink, sink_port = _Sink(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=sink_port)
    controller.start()
    with contextlib.ExitStack() as stack:
        stack.callback(controller.stop)
        auth_dir = stack.enter_context(server_dir("dovecot"))
        socket = auth_dir / "auth-postfix"
        dovecot = DovecotServer(
            auth_dir, USER, PASSWORD, extra_config=AUTH_LISTENER.format(path=socket)
        )
        stack.callback(dovecot.stop)
        dovecot.start()
        base = stack.enter_context(server_dir("postfix"))
        ca = trustme.CA()
        ca_file, cert, key = base / "ca.pem", base / "cert.pem", base / "key.pem"
        ca.cert_pem.write_to_path(str(ca_file))
        issued = ca.issue_cert("127.0.0.1")
        issued.cert_chain_pems[0].write_to_path(str(cert))
        issued.private_key_pem.write_to_path(str(key))
        extra = SUBMISSION.format(cert=cert, key=key, socket=socket)
        relay = PostfixRelay(base, relay_port=sink_port, extra_main=extra)
        stack.callback(relay.stop)
        relay.start()
        yield relay, sink, str(ca_file)


def _queue_reply(make_settings, sessions, tmp_path, relay, ca_file, **outbound):
    secret = tmp_path / "relay-password"
    secret.write_text(PASSWORD + "\n")
    settings = make_settings(
        outbound={
            "mode": "smtp",
            "relay_host": relay.host,
            "relay_port": relay.port,
            "relay_ca_file": ca_file,
            "relay_username": USER,
            "relay_password_file": str(secret),
            **outbound,
        }
    )
    Pipeline(settings, sessions, ReplyRenderer(settings), utc_now).ingest(
        make_mail(), source="smtp", mailbox=SUPPORT
    )
    return settings


def test_a_reply_goes_through_postfix_after_starttls_and_login(
    submission_relay, make_settings, sessions, tmp_path
):
    relay, sink, ca_file = submission_relay
    settings = _queue_reply(
        make_settings, sessions, tmp_path, relay, ca_file, relay_security="starttls"
    )

    assert deliver_due(sessions, settings.outbound, utc_now()).sent == 1

    relay.wait_for_empty_queue(timeout=20)
    [delivered] = sink.received
    assert b"To: dana@acmedental.example" in delivered
    log = relay.maillog_text()
    assert f"sasl_method=PLAIN, sasl_username={USER}" in log or (
        f"sasl_method=LOGIN, sasl_username={USER}" in log
    )


def test_postfix_refuses_a_client_that_skips_starttls(
    submission_relay, make_settings, sessions, tmp_path
):
    relay, sink, ca_file = submission_relay
    # On loopback "none" is allowed by the configuration: Postfix itself must refuse it.
    settings = _queue_reply(
        make_settings, sessions, tmp_path, relay, ca_file, relay_security="none"
    )

    report = deliver_due(sessions, settings.outbound, utc_now())

    assert report.sent == 0
    assert sink.received == []
    with sessions.begin() as session:
        row = session.scalar(select(OutboundMessage))
        assert row.status == "queued"
        assert "relay offers no AUTH mechanism" in (row.last_error or "")
