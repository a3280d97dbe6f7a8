"""The SLA scheduler's tick: warnings at 75% and 90% and breaches once each, reminders and
auto-close for tickets waiting on the client; time is moved by a manual clock."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from tests.helpers import STAFF_SECRET, SUPPORT, ManualClock, make_mail, staff_thread
from zsupport_mail.db.models import OutboundMessage, Ticket
from zsupport_mail.mail.replies import ReplyRenderer
from zsupport_mail.runtime.jobs import sla_tick
from zsupport_mail.runtime.pipeline import Pipeline

TUE_10AM_DENVER = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)
STAFF = "Tom Tech <tom@zsupport.example>"


def setup(make_settings, sessions):
    settings = make_settings(
        staff={
            "addresses": ["boss@staffmail.example"],
            "queue_addresses": ["boss@staffmail.example"],
        },
        safety={"secret": STAFF_SECRET},
    )
    clock = ManualClock(TUE_10AM_DENVER)
    renderer = ReplyRenderer(settings)
    pipeline = Pipeline(settings=settings, sessions=sessions, renderer=renderer, clock=clock)
    pipeline.ingest(make_mail(), source="test", mailbox=SUPPORT)
    return settings, clock, renderer, pipeline


def kinds(sessions) -> list[str]:
    with sessions.begin() as session:
        return [
            r.kind for r in session.scalars(select(OutboundMessage).order_by(OutboundMessage.id))
        ]


def test_response_warnings_and_breach_are_sent_once_each(make_settings, sessions):
    settings, clock, renderer, _ = setup(make_settings, sessions)
    assert sla_tick(sessions, settings, renderer, clock.now) == []
    clock.advance(minutes=91)  # 75% of the 2 business hours
    assert [a.key for a in sla_tick(sessions, settings, renderer, clock.now)] == ["response:75"]
    assert sla_tick(sessions, settings, renderer, clock.now) == []  # never twice
    clock.advance(hours=1)  # past 90% and past due
    keys = [a.key for a in sla_tick(sessions, settings, renderer, clock.now)]
    assert keys == ["response:90", "response:breach"]
    # 90% and the breach passed in the same tick: one alert mail tells both
    assert kinds(sessions) == ["acknowledgement", "staff_copy", "sla_warning", "sla_warning"]


def test_a_response_in_time_stops_the_warnings(make_settings, sessions):
    settings, clock, renderer, pipeline = setup(make_settings, sessions)
    clock.advance(minutes=30)
    pipeline.ingest(
        make_mail(
            sender=STAFF,
            subject="Re: [Z-Support #ZS-000001] x",
            body="Looking at it.",
            message_id="<s@zsupport.example>",
            headers=staff_thread(),
        ),
        source="test",
        mailbox=SUPPORT,
    )
    clock.advance(hours=5)
    assert sla_tick(sessions, settings, renderer, clock.now) == []


def test_pending_ticket_is_reminded_then_auto_closed(make_settings, sessions):
    settings, clock, renderer, pipeline = setup(make_settings, sessions)
    pipeline.ingest(
        make_mail(
            sender=STAFF,
            subject="Re: [Z-Support #ZS-000001] x",
            body="#status pending\nPlease reboot and tell us.",
            message_id="<p@zsupport.example>",
            headers=staff_thread(),
        ),
        source="test",
        mailbox=SUPPORT,
    )
    # Tue 10:00 + 24 business hours: 7 h Tue, 9 h Wed, Thanksgiving closed, 8 h Fri = Fri 16:00
    clock.advance(days=3, hours=7)  # Fri 17:00 in Denver
    assert [a.key for a in sla_tick(sessions, settings, renderer, clock.now)] == ["reminder"]
    assert sla_tick(sessions, settings, renderer, clock.now) == []
    clock.advance(days=6)  # 48 business hours end Wed 2 Dec 13:00; this is Thu 17:00
    assert [a.key for a in sla_tick(sessions, settings, renderer, clock.now)] == ["closed"]
    with sessions.begin() as session:
        ticket = session.scalars(select(Ticket)).one()
        assert (ticket.status, ticket.closed_at) == ("closed", clock.now)
    assert kinds(sessions)[-2:] == ["pending_reminder", "auto_closed"]


def _mails(sessions, kind: str):
    from email import message_from_bytes
    from email.policy import default

    with sessions.begin() as session:
        rows = session.scalars(select(OutboundMessage).where(OutboundMessage.kind == kind))
        return [message_from_bytes(r.raw, policy=default) for r in rows]


def test_ticket_awaiting_information_is_reminded_and_auto_closed_in_the_clients_zone(
    make_settings, sessions
):
    from tests.helpers import TERSE_REPORT

    settings = make_settings(staff={"addresses": ["boss@staffmail.example"]})
    clock = ManualClock(TUE_10AM_DENVER)
    renderer = ReplyRenderer(settings)
    pipeline = Pipeline(settings=settings, sessions=sessions, renderer=renderer, clock=clock)
    pipeline.ingest(make_mail(body=TERSE_REPORT), source="test", mailbox=SUPPORT)
    assert kinds(sessions) == ["missing_information"]

    clock.advance(days=3, hours=7)  # 24 business hours after the notice (Thanksgiving closed)
    assert [a.key for a in sla_tick(sessions, settings, renderer, clock.now)] == ["reminder"]
    [reminder] = _mails(sessions, "pending_reminder")
    body = reminder.get_content()
    # The close time in the client's zone (48 business hours: Wed 2 Dec 13:00 in Denver).
    assert "Wed 02 Dec 2026 13:00 MST (America/Denver)" in body
    assert "(UTC)" not in body
    assert "information your support agreement requires" in body
    # Threaded under our notice, with a signed Message-ID naming the ticket.
    [notice] = _mails(sessions, "missing_information")
    assert reminder["In-Reply-To"] == notice["Message-ID"]
    assert notice["Message-ID"] in reminder["References"]
    with sessions.begin() as session:  # on the ticket's thread: the answer finds the ticket
        from zsupport_mail.db.models import TicketMessage

        stored = session.scalars(select(TicketMessage.message_id)).all()
    assert reminder["Message-ID"] in stored

    clock.advance(days=6)
    assert [a.key for a in sla_tick(sessions, settings, renderer, clock.now)] == ["closed"]
    [closing] = _mails(sessions, "auto_closed")
    assert closing["In-Reply-To"] == reminder["Message-ID"]
    assert "within 14 days and we will reopen" in " ".join(closing.get_content().split())
    with sessions.begin() as session:
        assert session.scalars(select(Ticket.status)).one() == "closed"
