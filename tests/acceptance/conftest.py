"""Fixtures for tests that run the daemon as a subprocess: the daemon itself and a relay."""

from __future__ import annotations

import email
import itertools
import smtplib

import pytest
from sqlalchemy import func, select

from tests.daemon import CaptureRelay, Delivery, ServeProcess
from tests.helpers import SUPPORT, make_mail, write_config
from tests.servers.ports import free_port
from zsupport_mail.db.models import InboundMessage, OutboundMessage
from zsupport_mail.db.session import make_engine, make_session_factory

_markers = itertools.count()


@pytest.fixture
def relay():
    server = CaptureRelay(free_port()).start()
    yield server
    server.stop()


@pytest.fixture
def start_serve(tmp_path, db_url):
    started: list[ServeProcess] = []

    def start(env: dict[str, str] | None = None, **overrides) -> ServeProcess:
        overrides.setdefault("smtp", {})
        overrides["smtp"] = {"port": free_port(), **overrides["smtp"]}
        config = write_config(
            tmp_path / f"serve-{len(started)}.toml", db_url, tmp_path, **overrides
        )
        process = ServeProcess(config, env=env)
        started.append(process)
        process.port = overrides["smtp"]["port"]
        return process.start()

    yield start
    for process in started:
        process.stop()


def relay_mode(relay: CaptureRelay) -> dict:
    """Outbound settings that send replies to the capture relay, retrying fast."""
    return {"mode": "smtp", "relay_port": relay.port, "retry_base_seconds": 1}


def db_count(db_url: str, model, *where) -> int:
    """Rows of model (matching where) in the database, read with a fresh engine."""
    engine = make_engine(db_url)
    try:
        with make_session_factory(engine).begin() as session:
            return session.scalar(select(func.count()).select_from(model).where(*where))
    finally:
        engine.dispose()


def settled_deliveries(
    serve: ServeProcess, relay: CaptureRelay, db_url: str, timeout: float = 60
) -> list[Delivery]:
    """What the relay got once no other mail can follow; the marker's own reply left out.

    Checking "each reply once" right after the first copy arrived proves nothing: a second
    could come a pass later. So a marker mail goes in and its reply is awaited: the worker
    processed everything before it and the sender made a pass after every reply queued
    before it (oldest first, so a second copy still due would have come first). Then nothing
    is left to send again: no outbox row still queued, no inbox row pending or processing.
    """
    marker = f"<settle-{next(_markers)}@acmedental.example>"
    mail = make_mail(
        sender="Lee Jones <lee@acmedental.example>", subject="Marker", message_id=marker
    )
    with smtplib.SMTP("127.0.0.1", serve.port) as client:
        assert client.sendmail("lee@acmedental.example", [SUPPORT], mail) == {}

    def to_marker(delivery: Delivery) -> bool:
        return email.message_from_bytes(delivery.content)["In-Reply-To"] == marker

    with relay.handler.arrived:
        arrived = relay.handler.arrived.wait_for(
            lambda: any(to_marker(d) for d in relay.deliveries), timeout
        )
    assert arrived, f"no reply to the marker {marker} in {timeout}s"
    [reply] = [d for d in relay.deliveries if to_marker(d)]
    reply_id = email.message_from_bytes(reply.content)["Message-ID"]
    serve.wait_for("delivery_sent", where=lambda e: e.get("message_id") == reply_id)  # committed
    engine = make_engine(db_url)
    try:
        with make_session_factory(engine).begin() as session:
            queued = session.scalar(select(func.count()).where(OutboundMessage.status == "queued"))
            unfinished = session.scalar(
                select(func.count()).where(InboundMessage.status.in_(("pending", "processing")))
            )
    finally:
        engine.dispose()
    assert (queued, unfinished) == (0, 0), "outbox rows queued, inbox rows not finished"
    return [d for d in relay.deliveries if d is not reply]
