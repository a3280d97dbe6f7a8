"""serve's read-ahead: real worker processes prepare the next due inbox rows; the processing
child still claims and applies them one at a time, in arrival order (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.helpers import SUPPORT, TERSE_REPORT, make_mail
from zsupport_mail.queues.inbox import Arrival, store_raw
from zsupport_mail.runtime.parse_ahead import NOTHING, Prepared
from zsupport_mail.runtime.pipeline import Pipeline
from zsupport_mail.runtime.prefetch import Prefetch
from zsupport_mail.settings.clock import utc_now

REPORT = make_mail(body=TERSE_REPORT, message_id="<thread-1@acmedental.example>")
REPLY = make_mail(
    subject="Re: Phones drop calls after 30 seconds",
    body="It also happens on the second floor.\n",
    message_id="<thread-2@acmedental.example>",
    headers={"In-Reply-To": "<thread-1@acmedental.example>"},
)


@pytest.fixture
def prefetch(pipeline: Pipeline, sessions: sessionmaker[Session]) -> Iterator[Prefetch]:
    ahead = Prefetch(sessions, pipeline.settings, jobs=2)
    yield ahead
    ahead.close()


def _store(sessions: sessionmaker[Session], *raws: bytes) -> list[int]:
    arrival = Arrival("smtp", SUPPORT, utc_now())
    return [store_raw(sessions, raw, arrival).inbound_id for raw in raws]


def test_a_thread_read_ahead_is_applied_in_arrival_order(
    pipeline: Pipeline, sessions: sessionmaker[Session], prefetch: Prefetch
) -> None:
    ids = _store(sessions, REPORT, REPLY)
    taken: dict[int, Prepared] = {}

    def take(inbound_id: int) -> Prepared:
        taken[inbound_id] = prefetch.take(inbound_id)
        return taken[inbound_id]

    prefetch.top_up(utc_now())
    first = pipeline.process_next(ahead=take)
    second = pipeline.process_next(ahead=take)

    assert first is not None
    assert second is not None
    assert (first.action, second.action) == ("created", "appended")
    assert second.ticket == first.ticket
    assert first.missing  # the terse report's gaps, scored ahead by a worker
    assert all(taken[i].parsed is not None for i in ids)  # both came from the workers
    assert taken[ids[0]].prescore is not None


def test_a_message_stored_after_the_read_ahead_is_parsed_by_the_child(
    pipeline: Pipeline, sessions: sessionmaker[Session], prefetch: Prefetch
) -> None:
    prefetch.top_up(utc_now())  # nothing in the inbox yet
    [inbound_id] = _store(sessions, REPORT)

    assert prefetch.take(inbound_id) is NOTHING
    outcome = pipeline.process_next(ahead=prefetch.take)

    assert outcome is not None
    assert outcome.action == "created"
