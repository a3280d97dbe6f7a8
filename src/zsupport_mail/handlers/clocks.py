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
from datetime import datetime
from functools import lru_cache

from zsupport_mail.db.models import Ticket
from zsupport_mail.handlers.types import HandlerContext, HandlingState
from zsupport_mail.message import ParsedMessage
from zsupport_mail.sla import BusinessCalendar, response_deadline, restoration_deadline


@lru_cache(maxsize=64)
def calendar_for(timezone: str, holidays: str | None) -> BusinessCalendar:
    """A client's business calendar (cached: building one reads the holiday tables)."""
    return BusinessCalendar.create(timezone, holidays)


def close_pending(ticket: Ticket, now: datetime) -> None:
    """End a waiting-on-the-client interval and log it (restoration adds it back)."""
    if ticket.pending_since is not None:
        log = list(ticket.pending_log or [])
        log.append([ticket.pending_since.isoformat(), now.isoformat()])
        ticket.pending_log, ticket.pending_since = log, None


def pending_intervals(ticket: Ticket) -> list[tuple[datetime, datetime]]:
    return [
        (datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in ticket.pending_log or []
    ]


def recompute(ticket: Ticket) -> None:
    """Set the ticket's due times from its start, criticality and pending intervals."""
    if ticket.sla_started_at is None:
        return
    calendar = calendar_for(ticket.client.timezone, ticket.client.holidays)
    ticket.response_due_at = response_deadline(calendar, ticket.sla_started_at).due
    ticket.restoration_due_at = (
        restoration_deadline(calendar, ticket.sla_started_at, pending_intervals(ticket)).due
        if ticket.critical
        else None
    )


@dataclass(frozen=True)
class UpdateClocks:
    name: str = "update_clocks"

    def run(self, msg: ParsedMessage, ctx: HandlerContext, state: HandlingState) -> None:
        ticket = state.ticket
        if ticket is None or not ticket.authorized:
            return
        if ticket.sla_started_at is None:
            start = _start(ctx, ticket)
            if start is None:
                return
            ticket.sla_started_at = start
            ctx.journey.record("sla", "started", start.isoformat())
        before = (ticket.response_due_at, ticket.restoration_due_at)
        recompute(ticket)
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
