"""The daemon against a real autoresponder: a mail storm must not start.

The relay in this test is a real SMTP server that answers every mail it receives with an
out-of-office reply sent straight back to the daemon's listener, the way a client's mail
server would. It sets none of the headers RFC 3834 asks for and keeps a neutral "Re:" subject,
so only the daemon's own defences (its loop header, threading, the once-per-missing-set notice
rule and the per-sender rate limit) can stop the exchange.
"""

from __future__ import annotations

import smtplib
import threading
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default

import pytest
from aiosmtpd.controller import Controller

from tests.acceptance.conftest import db_count
from tests.helpers import SUPPORT, TERSE_REPORT, make_mail
from tests.servers.ports import free_port
from zsupport_mail.db.models import OutboundMessage


class OutOfOffice:
    """Answers each delivery with an out-of-office mail to the daemon."""

    def __init__(self, daemon_port: int) -> None:
        self.daemon_port = daemon_port
        self.received = 0
        self.sent = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:
        original = message_from_bytes(envelope.original_content, policy=default)
        with self.lock:
            self.received += 1
        reply = EmailMessage()
        reply["From"] = envelope.rcpt_tos[0]
        reply["To"] = SUPPORT
        reply["Subject"] = f"Re: {original['Subject']}"
        reply["In-Reply-To"] = original["Message-ID"]
        reply["Message-ID"] = f"<ooo-{self.received}@acmedental.example>"
        reply.set_content("I am away until Monday and will read your mail then.")
        threading.Thread(target=self._send, args=(reply,), daemon=True).start()
        return "250 2.0.0 OK"

    def _send(self, reply: EmailMessage) -> None:
        with smtplib.SMTP("127.0.0.1", self.daemon_port, timeout=30) as client:
            client.send_message(reply, from_addr="dana@acmedental.example")
        with self.lock:
            self.sent += 1


@pytest.mark.every_backend
def test_an_autoresponder_cannot_start_a_mail_storm(start_serve, db_url):
    port = free_port()
    relay_port = free_port()
    responder = OutOfOffice(port)
    controller = Controller(responder, hostname="127.0.0.1", port=relay_port)
    controller.start()
    try:
        serve = start_serve(
            smtp={"port": port},
            outbound={"mode": "smtp", "relay_port": relay_port, "retry_base_seconds": 1},
        )
        with smtplib.SMTP("127.0.0.1", port) as client:
            client.sendmail("dana@acmedental.example", [SUPPORT], make_mail(body=TERSE_REPORT))
        # The report, then one out-of-office per mail we sent: wait until the daemon has
        # processed the out-of-office answering its notice, and everything it queued is out.
        serve.wait_for("message_processed", count=2, timeout=60)
        serve.wait_for("delivery_sent", count=1, timeout=60)
        processed = serve.wait_for("message_processed", count=2)
        assert processed[1]["action"] == "appended"
        # Outcomes are logged after their commit: anything queued for the out-of-office
        # would be in the outbox by now. Only the notice is.
        assert db_count(db_url, OutboundMessage) == 1
        assert responder.received == 1
    finally:
        controller.stop()
