"""Claims of a worker that died: taken over after ``processing.claim_lease_seconds``, and never
while the worker that holds the claim is still processing (its row stays locked)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from tests.helpers import SUPPORT, make_mail
from zsupport_mail.db.models import InboundMessage
from zsupport_mail.db.session import make_engine, make_session_factory
from zsupport_mail.mail.replies import ReplyRenderer
from zsupport_mail.queues.inbox import Arrival, claim, store_raw
from zsupport_mail.runtime.pipeline import Pipeline
from zsupport_mail.settings.clock import utc_now

LEASE = 5


@pytest.fixture
def leased(make_settings, sessions):
    settings = make_settings(processing={"claim_lease_seconds": LEASE})
    assert settings.processing.claim_lease_seconds == LEASE
    return settings


def stored_and_claimed_by_a_dead_worker(sessions) -> tuple[int, datetime]:
    now = utc_now()
    stored = store_raw(sessions, make_mail(), Arrival("smtp", SUPPORT, now))
    assert claim(sessions, "dead-host:1", now) == stored.inbound_id
    return stored.inbound_id, now


def test_a_dead_workers_claim_is_taken_over_after_the_configured_lease(leased, sessions):
    inbound_id, claimed_at = stored_and_claimed_by_a_dead_worker(sessions)
    clock_at = {"now": claimed_at + timedelta(seconds=LEASE - 1)}
    pipeline = Pipeline(
        settings=leased,
        sessions=sessions,
        renderer=ReplyRenderer(leased),
        clock=lambda: clock_at["now"],
        worker="survivor:2",
    )
    assert pipeline.process_next() is None  # still within the lease: maybe alive
    clock_at["now"] = claimed_at + timedelta(seconds=LEASE + 1)
    outcome = pipeline.process_next()
    assert outcome is not None
    assert (outcome.inbound_id, outcome.action) == (inbound_id, "created")
    with sessions.begin() as session:
        row = session.scalars(select(InboundMessage)).one()
        assert (row.status, row.attempts) == ("done", 2)


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_claim_past_its_lease_is_not_taken_while_its_worker_still_holds_the_row(leased, sessions):
    inbound_id, claimed_at = stored_and_claimed_by_a_dead_worker(sessions)
    later = claimed_at + timedelta(seconds=LEASE * 10)
    lease = timedelta(seconds=LEASE)
    engine = make_engine(leased.database.url)  # the slow worker: another process's connection
    try:
        with make_session_factory(engine).begin() as busy:
            busy.get_one(InboundMessage, inbound_id, with_for_update=True)  # as while processing
            assert claim(sessions, "survivor:2", later, lease=lease) is None
        assert claim(sessions, "survivor:2", later, lease=lease) == inbound_id
    finally:
        engine.dispose()
