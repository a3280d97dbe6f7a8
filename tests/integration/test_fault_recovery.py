"""The recovery rules the fault tests rely on, on a real database (SQLite and PostgreSQL).

An unreachable relay holds the outbox in queue order; claims of a dead process are put back;
an attempt that failed because of the database is not counted towards quarantine.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from tests.daemon import CaptureRelay
from tests.helpers import SUPPORT, make_mail
from tests.servers.ports import free_port
from zsupport_mail.db.models import InboundMessage, OutboundMessage
from zsupport_mail.mail.replies import ReplyRenderer
from zsupport_mail.queues.inbox import (
    Arrival,
    claim,
    record_failure,
    release_dead_claims,
    store_raw,
)
from zsupport_mail.queues.outbox import deliver_due, deliver_one
from zsupport_mail.runtime.pipeline import Pipeline
from zsupport_mail.settings.clock import utc_now


def _reports(pipeline, count: int) -> None:
    for number in range(count):
        raw = make_mail(subject=f"Report {number}", message_id=f"<order-{number}@x>")
        pipeline.ingest(raw, source="smtp", mailbox=SUPPORT)


def test_an_unreachable_relay_stops_the_pass_at_the_oldest_reply(make_settings, sessions):
    settings = make_settings(
        outbound={"mode": "smtp", "relay_port": free_port()},
        safety={"max_auto_replies_per_day": 50},
    )
    pipeline = Pipeline(settings, sessions, ReplyRenderer(settings), utc_now)
    _reports(pipeline, 3)

    report = deliver_due(sessions, settings.outbound, utc_now())

    assert report.relay_unavailable
    assert (report.sent, report.deferred, report.failed) == (0, 1, 0)
    with sessions.begin() as session:
        rows = session.scalars(select(OutboundMessage).order_by(OutboundMessage.id)).all()
        assert [r.attempts for r in rows] == [1, 0, 0]  # the rest were not even tried
        assert all(r.status == "queued" for r in rows)
        assert rows[0].next_attempt_at <= rows[1].next_attempt_at  # still first in line


def test_claims_of_dead_processes_on_this_host_are_released(sessions):
    now = utc_now()
    ids = []
    for number in range(3):
        raw = make_mail(message_id=f"<claimed-{number}@x>")
        ids.append(store_raw(sessions, raw, Arrival("smtp", SUPPORT, now)).inbound_id)
    for inbound_id, worker in zip(ids, ["here:111", "here:222", "there:111"], strict=True):
        assert claim(sessions, worker, now, inbound_id=inbound_id) == inbound_id

    released = release_dead_claims(sessions, "here", alive=lambda pid: pid == 222)

    assert released == 1
    with sessions.begin() as session:
        rows = session.scalars(select(InboundMessage).order_by(InboundMessage.id)).all()
        assert [(r.status, r.claimed_by) for r in rows] == [
            ("pending", None),
            ("processing", "here:222"),  # alive
            ("processing", "there:111"),  # another host: its lease decides
        ]


def test_a_database_failure_is_retried_without_counting_towards_quarantine(sessions):
    now = utc_now()
    inbound_id = store_raw(sessions, make_mail(), Arrival("smtp", SUPPORT, now)).inbound_id
    for attempt in range(5):
        at = now + timedelta(minutes=attempt)
        assert claim(sessions, "w", at, inbound_id=inbound_id) == inbound_id
        status = record_failure(
            sessions,
            inbound_id,
            "OperationalError: database or disk is full",
            now=at,
            max_attempts=2,
            retry_base_seconds=1,
            counted=False,
        )
        assert status == "pending"
    with sessions.begin() as session:
        row = session.get_one(InboundMessage, inbound_id)
        assert (row.status, row.attempts) == ("pending", 0)


_FAIL_SENT = {
    "sqlite": [
        "CREATE TRIGGER fail_sent BEFORE UPDATE OF status ON outbound_message "
        "WHEN NEW.status = 'sent' BEGIN SELECT RAISE(ABORT, 'disk full (test)'); END"
    ],
    "postgresql": [
        "CREATE FUNCTION fail_sent() RETURNS trigger AS $$ BEGIN "
        "RAISE EXCEPTION 'disk full (test)'; END $$ LANGUAGE plpgsql",
        "CREATE TRIGGER fail_sent BEFORE UPDATE OF status ON outbound_message "
        "FOR EACH ROW WHEN (NEW.status = 'sent') EXECUTE FUNCTION fail_sent()",
    ],
}
_DROP = {
    "sqlite": ["DROP TRIGGER fail_sent"],
    "postgresql": ["DROP TRIGGER fail_sent ON outbound_message", "DROP FUNCTION fail_sent()"],
}


def _execute(sessions, statements) -> None:
    with sessions.begin() as session:
        for statement in statements:
            session.execute(text(statement))


def test_a_reply_the_relay_took_is_not_sent_again_when_its_record_failed(make_settings, sessions):
    """The relay answered 250, then the commit marking the row sent failed (a full disk, say):
    the next pass records it as sent without a second copy, however often the record fails."""
    relay = CaptureRelay(free_port()).start()
    try:
        settings = make_settings(outbound={"mode": "smtp", "relay_port": relay.port})
        pipeline = Pipeline(settings, sessions, ReplyRenderer(settings), utc_now)
        _reports(pipeline, 1)
        dialect = sessions.kw["bind"].dialect.name
        _execute(sessions, _FAIL_SENT[dialect])

        for _ in range(3):  # three passes while the database refuses the record
            with pytest.raises(DBAPIError, match="disk full"):
                deliver_one(sessions, settings.outbound, utc_now())
        _execute(sessions, _DROP[dialect])
        status = deliver_one(sessions, settings.outbound, utc_now())

        assert status == "sent"
        assert len(relay.deliveries) == 1
        with sessions.begin() as session:
            row = session.scalars(select(OutboundMessage)).one()
            assert (row.status, row.attempts) == ("sent", 1)
    finally:
        relay.stop()
