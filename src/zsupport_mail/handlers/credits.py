"""record_credit_request: a client's written request for a restoration credit, on its tickets.

The contract grants the restoration credit "upon written request". A mail read as a
``credit_request`` (intake/kind.py) is that request for every one of the client's own tickets
it names, or, when it names none, for the client's tickets whose restoration target was missed
and that started in the period it names; ``credits`` then reports those tickets as
requested. Tickets of other clients, or numbers that do not exist, are noted in the journey
and left alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select

from zsupport_mail.db.models import Charge, Ticket
from zsupport_mail.handlers.charges import add_charge
from zsupport_mail.handlers.types import HandlerContext, HandlingState
from zsupport_mail.mail.message import ParsedMessage

CREDIT_REQUESTED = "sla_credit_requested"


def _local_day(ticket: Ticket) -> date:
    started = ticket.sla_started_at
    assert started is not None, "selected for a started clock"
    return started.astimezone(ZoneInfo(ticket.client.timezone)).date()


@dataclass(frozen=True)
class RecordCreditRequest:
    """The written credit request, recorded on each named ticket of the sender's client."""

    name: str = "record_credit_request"

    def run(self, msg: ParsedMessage, ctx: HandlerContext, state: HandlingState) -> None:
        """Record the request on the named tickets (and the ticket it arrived on, if named)."""
        kind, sender = ctx.assessment.kind, ctx.assessment.context.sender
        if kind.kind != "credit_request" or sender.client is None or sender.staff:
            return
        if ctx.assessment.automatic is not None:
            return
        if not kind.tickets:
            recorded = self._by_period(ctx, sender.client.id, sender.address)
        else:
            recorded = []
            for number in kind.tickets:
                ticket = ctx.session.scalar(select(Ticket).where(Ticket.number == number))
                if ticket is None or ticket.client_id != sender.client.id:
                    ctx.journey.record("credit", "unknown_ticket", f"{number}: not this client's")
                    continue
                self._record(ctx, ticket, sender.address)
                recorded.append(ticket.number)
        # Staff are told on the copy of this mail what it was recorded on (or that it was not).
        state.notes.append(
            "Credit:       recorded as the written request on " + ", ".join(recorded)
            if recorded
            else "Credit:       on no ticket (none named, or none missed restoration in the "
            "period named): match it by hand with #credit-requested"
        )

    def _by_period(self, ctx: HandlerContext, client_id: int, address: str) -> list[str]:
        """The client's tickets that missed restoration and started in the named period."""
        period = ctx.assessment.kind.period
        if period is None:
            ctx.journey.record("credit", "no_ticket", "no ticket and no day named: staff match")
            return []
        # A day from the client's point of view: widen by a day in UTC, then compare locally.
        start = datetime.combine(period[0], time.min, UTC) - timedelta(days=1)
        end = datetime.combine(period[1], time.max, UTC) + timedelta(days=1)
        candidates = ctx.session.scalars(
            select(Ticket).where(
                Ticket.client_id == client_id,
                Ticket.restoration_due_at.is_not(None),
                Ticket.sla_started_at.between(start, end),
                or_(Ticket.restored_at.is_(None), Ticket.restored_at > Ticket.restoration_due_at),
            )
        ).all()
        missed = [t for t in candidates if period[0] <= _local_day(t) <= period[1]]
        if not missed:
            ctx.journey.record(
                "credit", "no_ticket", f"no missed restoration {period[0]}..{period[1]}"
            )
        for ticket in missed:
            self._record(ctx, ticket, address)
        return [ticket.number for ticket in missed]

    def _record(self, ctx: HandlerContext, ticket: Ticket, address: str) -> None:
        if not self._already(ctx, ticket):
            add_charge(
                ctx,
                ticket,
                CREDIT_REQUESTED,
                f"written credit request from {address} (inbound {ctx.inbound.id})",
            )

    @staticmethod
    def _already(ctx: HandlerContext, ticket: Ticket) -> bool:
        found = ctx.session.scalar(
            select(Charge.id)
            .where(Charge.ticket_id == ticket.id, Charge.kind == CREDIT_REQUESTED)
            .limit(1)
        )
        return found is not None
