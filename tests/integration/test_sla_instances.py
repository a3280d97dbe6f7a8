"""The SLA tick with two instances on one PostgreSQL: one tick at a time, each alert once.

Two engines stand for two ``serve`` processes (separate connection pools, separate sessions);
the ticks run on real threads against the throwaway PostgreSQL.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from tests.helpers import SUPPORT, ManualClock, make_mail
from tests.integration.test_sla_jobs import TUE_10AM_DENVER
from zsupport_mail.db.advisory import advisory_key
from zsupport_mail.db.models import OutboundMessage
from zsupport_mail.db.session import make_engine, make_session_factory
from zsupport_mail.mail.replies import ReplyRenderer
from zsupport_mail.runtime.jobs import TICK_LOCK, sla_tick
from zsupport_mail.runtime.pipeline import Pipeline
from zsupport_mail.settings import Settings

pytestmark = [pytest.mark.postgres, pytest.mark.parametrize("backend", ["postgresql"])]


@pytest.fixture
def settings(make_settings) -> Settings:
    """Alerts mailed to a staff queue, so they can be counted."""
    return make_settings(staff={"queue_addresses": ["boss@staffmail.example"]})


@pytest.fixture
def other_instance(settings) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(settings.database.url)
    yield make_session_factory(engine)
    engine.dispose()


def open_tickets(settings, sessions, count: int) -> ManualClock:
    clock = ManualClock(TUE_10AM_DENVER)
    pipeline = Pipeline(
        settings=settings, sessions=sessions, renderer=ReplyRenderer(settings), clock=clock
    )
    for n in range(count):
        mail = make_mail(subject=f"Calls drop ({n})", message_id=f"<sla-{n}@acmedental.example>")
        assert pipeline.ingest(mail, source="test", mailbox=SUPPORT).action == "created"
    clock.advance(minutes=91)  # 75% of the 2 business hours: one warning due per ticket
    return clock


def warnings_per_ticket(sessions) -> Counter[int | None]:
    with sessions.begin() as session:
        rows = session.scalars(select(OutboundMessage).where(OutboundMessage.kind == "sla_warning"))
        return Counter(row.ticket_id for row in rows)


def test_a_tick_is_skipped_while_another_instance_holds_the_tick_lock(
    settings, sessions, other_instance
):
    clock = open_tickets(settings, sessions, 1)
    renderer = ReplyRenderer(settings)
    with other_instance.begin() as session:  # another instance in the middle of its tick
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": advisory_key(TICK_LOCK)})
        assert sla_tick(sessions, settings, renderer, clock.now) == []
    assert warnings_per_ticket(sessions) == Counter()
    assert [a.key for a in sla_tick(sessions, settings, renderer, clock.now)] == ["response:75"]
    assert [a.key for a in sla_tick(other_instance, settings, renderer, clock.now)] == []


def test_two_instances_ticking_at_the_same_moment_send_each_warning_once(
    settings, sessions, other_instance
):
    clock = open_tickets(settings, sessions, 10)
    renderer = ReplyRenderer(settings)
    rounds = 5
    start = threading.Barrier(2)
    done: list[list[str]] = [[], []]
    errors: list[BaseException] = []

    def instance(index: int, factory: sessionmaker[Session]) -> None:
        try:
            for _ in range(rounds):
                start.wait(10)
                done[index] += [a.ticket for a in sla_tick(factory, settings, renderer, clock.now)]
        except BaseException as exc:
            errors.append(exc)

    threads = [
        threading.Thread(target=instance, args=(i, f))
        for i, f in enumerate((sessions, other_instance))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    assert sorted(done[0] + done[1]) == [f"ZS-{n:06d}" for n in range(1, 11)]
    assert list(warnings_per_ticket(sessions).values()) == [1] * 10
