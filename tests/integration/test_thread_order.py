"""Messages of one thread are applied in arrival order even when two workers (two instances on
one PostgreSQL) claim them side by side: a reply claimed while its report is held by another
worker waits, unspent, and then joins the report's ticket instead of opening a second one."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from tests.helpers import SUPPORT, make_mail
from zsupport_mail.db.models import InboundMessage, Ticket
from zsupport_mail.mail.replies import ReplyRenderer
from zsupport_mail.queues.inbox import Arrival, claim, store_raw
from zsupport_mail.queues.thread_order import THREAD_WAIT, thread_parents
from zsupport_mail.runtime.pipeline import Pipeline
from zsupport_mail.settings.clock import utc_now

REPORT_ID = "<report-1@acmedental.example>"


def _reply() -> bytes:
    return make_mail(
        subject="Re: Phones drop calls after 30 seconds",
        body="One more example: ext 204 to 303-555-0199 at 10:14 dropped after 30 seconds.",
        message_id="<reply-1@acmedental.example>",
        headers={"In-Reply-To": REPORT_ID, "References": REPORT_ID},
    )


def _worker(settings, sessions, name, clock):
    return Pipeline(
        settings=settings,
        sessions=sessions,
        renderer=ReplyRenderer(settings),
        clock=clock,
        worker=name,
    )


def test_a_reply_waits_while_another_worker_holds_its_report_then_joins_its_ticket(
    settings, sessions
):
    now = utc_now()
    report = store_raw(sessions, make_mail(message_id=REPORT_ID), Arrival("smtp", SUPPORT, now))
    reply = store_raw(sessions, _reply(), Arrival("smtp", SUPPORT, now))
    # Instance A has claimed the report and is still working on it; instance B claims next.
    assert claim(sessions, "host-a:1", now) == report.inbound_id
    clock_at = {"now": now}
    instance_b = _worker(settings, sessions, "host-b:2", lambda: clock_at["now"])

    waited = instance_b.process_next()

    assert waited is not None
    assert (waited.inbound_id, waited.action) == (reply.inbound_id, "deferred")
    with sessions.begin() as session:
        row = session.get_one(InboundMessage, reply.inbound_id)
        assert (row.status, row.claimed_by, row.attempts) == ("pending", None, 0)
        assert row.next_attempt_at == now + THREAD_WAIT
        assert session.scalar(select(func.count()).select_from(Ticket)) == 0

    # A finishes the report; once the short wait is over, B applies the reply to its ticket.
    instance_a = _worker(settings, sessions, "host-a:1", lambda: clock_at["now"])
    created = instance_a.process_claimed(report.inbound_id, now)
    assert created.action == "created"
    clock_at["now"] = now + THREAD_WAIT + timedelta(milliseconds=1)
    joined = instance_b.process_next()
    assert joined is not None
    assert (joined.inbound_id, joined.action, joined.ticket) == (
        reply.inbound_id,
        "appended",
        created.ticket,
    )
    with sessions.begin() as session:
        assert session.scalar(select(func.count()).select_from(Ticket)) == 1


def test_a_report_waiting_out_a_retry_does_not_hold_its_thread_up(settings, sessions):
    now = utc_now()
    report = store_raw(sessions, make_mail(message_id=REPORT_ID), Arrival("smtp", SUPPORT, now))
    reply = store_raw(sessions, _reply(), Arrival("smtp", SUPPORT, now))
    with sessions.begin() as session:  # the report failed once and retries in ten minutes
        row = session.get_one(InboundMessage, report.inbound_id)
        row.attempts, row.next_attempt_at = 1, now + timedelta(minutes=10)

    outcome = _worker(settings, sessions, "host-b:2", lambda: now).process_next()

    assert outcome is not None
    assert outcome.inbound_id == reply.inbound_id
    assert outcome.action != "deferred"


def test_thread_parents_reads_in_reply_to_then_references_once_each():
    raw = make_mail(
        headers={"In-Reply-To": "<b@x>", "References": "<a@x> <b@x>"},
        message_id="<c@x>",
    )
    assert thread_parents(raw) == ("<b@x>", "<a@x>")
    assert thread_parents(make_mail()) == ()
