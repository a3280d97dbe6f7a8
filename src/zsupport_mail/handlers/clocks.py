"""update_clocks: keep each ticket's SLA due times on the client's business calendar.

The clock starts at *proper notification*: by default when the intake became complete from an
authorised contact (the received time of the mail that completed it, never its Date header).
Response is due per the contract from that start; restoration only for critical tickets, with
the time spent waiting on the client (status pending) added back. Due times are recomputed
whenever the status, criticality or pending time changes, and they are stored, so reports and
the scheduler read them instead of recomputing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from zsupport_mail.db.models import Ticket
from zsupport_mail.handlers.types import HandlerContext, HandlingState
from zsupport_mail.mail.message import ParsedMessage
from zsupport_mail.settings import Settings
from zsupport_mail.sla import BusinessCalendar, response_deadline, restoration_deadline


def calendar_for(settings: Settings, client_name: str) -> BusinessCalendar:
    """A client's business calendar from the config (its zone, holidays, own hours and days)."""
    client = next((c for c in settings.clients if c.name == client_name), None)
    if client is None:  # a client no longer in the config: the contract's default week
        return _calendar("UTC", None, (), (), ())
    return _calendar(
        client.timezone,
        client.holidays,
        client.business_hours,
        client.closed_days,
        client.working_holidays,
    )


@lru_cache(maxsize=64)
def _calendar(
    timezone: str,
    holidays: str | None,
    hours: tuple[tuple[int, str | None], ...],
    closed: tuple[str, ...],
    worked: tuple[str, ...],
) -> BusinessCalendar:
    """Cached: building a calendar reads the holiday tables."""
    return BusinessCalendar.create(
        timezone,
        holidays,
        hours={day: _window(value) for day, value in hours},
        add=[date.fromisoformat(d) for d in closed],
        remove=[date.fromisoformat(d) for d in worked],
    )


def _window(value: str | None) -> tuple[time, time] | None:
    if value is None:
        return None
    opening, closing = value.split("-")
    return time.fromisoformat(opening), _closing(closing)


def _closing(value: str) -> time:
    return time.max if value == "24:00" else time.fromisoformat(value)


def close_pending(ticket: Ticket, now: datetime) -> None:
    """End a waiting-on-the-client interval and log it (restoration adds it back)."""
    if ticket.pending_since is not None:
        log = list(ticket.pending_log or [])
        log.append([ticket.pending_since.isoformat(), now.isoformat()])
        ticket.pending_log, ticket.pending_since = log, None


def pending_intervals(ticket: Ticket) -> list[tuple[datetime, datetime]]:
    """The ended waiting-on-the-client intervals, which restoration's due time adds back."""
    return [
        (datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in ticket.pending_log or []
    ]


def recompute(settings: Settings, ticket: Ticket) -> None:
    """Set the ticket's due times from its start, criticality and pending intervals."""
    if ticket.sla_started_at is None:
        return
    calendar = calendar_for(settings, ticket.client.name)
    policy = settings.sla.policy()
    ticket.response_due_at = response_deadline(calendar, ticket.sla_started_at, policy).due
    ticket.restoration_due_at = (
        restoration_deadline(calendar, ticket.sla_started_at, pending_intervals(ticket), policy).due
        if ticket.critical
        else None
    )


def recompute_open(session: Session, settings: Settings) -> int:
    """Recompute the due times of every ticket still running (after a calendar change)."""
    tickets = session.scalars(
        select(Ticket).where(
            Ticket.status.in_(("open", "awaiting_info", "pending")),
            Ticket.sla_started_at.is_not(None),
        )
    )
    count = 0
    for ticket in tickets:
        recompute(settings, ticket)
        count += 1
    return count


@dataclass(frozen=True)
class UpdateClocks:
    """The SLA clocks of an authorised ticket: started at proper notification, kept current."""

    name: str = "update_clocks"

    def run(self, msg: ParsedMessage, ctx: HandlerContext, state: HandlingState) -> None:
        """Start the clock if this mail is proper notification, then recompute the due times."""
        ticket = state.ticket
        if ticket is None or not ticket.authorized:
            return
        if ticket.sla_started_at is None and ticket.kind != "problem_report":
            return  # the SLA times run from notification of a problem, not from any mail
        if ticket.sla_started_at is None:
            start = _start(ctx, ticket)
            if start is None:
                return
            ticket.sla_started_at = start
            ctx.journey.record("sla", "started", start.isoformat())
        before = (ticket.response_due_at, ticket.restoration_due_at)
        recompute(ctx.settings, ticket)
        if (ticket.response_due_at, ticket.restoration_due_at) != before:
            ctx.journey.record(
                "sla",
                "due",
                f"response {ticket.response_due_at}, restoration {ticket.restoration_due_at}",
            )


def _start(ctx: HandlerContext, ticket: Ticket) -> datetime | None:
    if ctx.settings.sla.clock_start == "first_receipt":
        return ticket.created_at
    if ticket.intake_complete_at is None:
        return None
    return ctx.inbound.received_at
