"""store_raw, the edges' only write: one row per (mailbox, message), whoever stores it and
however often; a redelivery is recognised without an error (INSERT ... ON CONFLICT DO
NOTHING), on SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from tests.helpers import SUPPORT, make_mail
from zsupport_mail.db.models import InboundMessage, JourneyEvent
from zsupport_mail.db.session import make_engine, make_session_factory
from zsupport_mail.queues.inbox import Arrival, store_raw
from zsupport_mail.settings.clock import utc_now


@pytest.fixture
def sessions(db_url):
    engine = make_engine(db_url)
    yield make_session_factory(engine)
    engine.dispose()


def _count(sessions, model, *where) -> int:
    with sessions.begin() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_redelivery_is_recognised_and_writes_nothing(sessions):
    raw = make_mail(message_id="<once@x>")
    first = store_raw(sessions, raw, Arrival("smtp", SUPPORT, utc_now()))
    # A relay's retry adds a Received line: other bytes, the same Message-ID.
    again = store_raw(
        sessions, b"Received: by relay\r\n" + raw, Arrival("smtp", SUPPORT, utc_now())
    )

    assert not first.duplicate
    assert again.duplicate
    assert again.inbound_id == first.inbound_id
    assert _count(sessions, InboundMessage) == 1
    assert _count(sessions, JourneyEvent, JourneyEvent.step == "stored") == 1


def test_the_same_message_for_another_mailbox_is_its_own_row(sessions):
    raw = make_mail(message_id="<both@x>")
    first = store_raw(sessions, raw, Arrival("smtp", SUPPORT, utc_now()))
    other = store_raw(sessions, raw, Arrival("imap", "billing@zsupport.example", utc_now()))
    assert not other.duplicate
    assert other.inbound_id != first.inbound_id


def test_concurrent_stores_of_one_message_make_one_row(sessions):
    raw = make_mail(message_id="<race@x>")
    start = threading.Barrier(4)
    results = []

    def store() -> None:
        start.wait(timeout=10)
        results.append(store_raw(sessions, raw, Arrival("smtp", SUPPORT, utc_now())))

    threads = [threading.Thread(target=store) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len(results) == 4
    assert len({r.inbound_id for r in results}) == 1
    assert sorted(r.duplicate for r in results) == [False, True, True, True]
    assert _count(sessions, InboundMessage) == 1
