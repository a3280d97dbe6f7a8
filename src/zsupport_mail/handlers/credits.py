"""record_credit_request: a client's written request for a restoration credit, on its tickets.

The contract grants the restoration credit "upon written request". A mail read as a
``credit_request`` (intake/kind.py) is that request for every one of the client's own tickets
it names; ``credits`` then reports those tickets as requested. Tickets of other clients, or
numbers that do not exist, are noted in the journey and left alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from zsupport_mail.db.models import Charge, Ticket
from zsupport_mail.handlers.charges import add_charge
from zsupport_mail.handlers.types import HandlerContext, HandlingState
from zsupport_mail.mail.message import ParsedMessage

CREDIT_REQUESTED = "sla_credit_requested"


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
            ctx.journey.record("credit", "no_ticket", "no ticket named: staff match the period")
            return
        for number in kind.tickets:
            ticket = ctx.session.scalar(select(Ticket).where(Ticket.number == number))
            if ticket is None or ticket.client_id != sender.client.id:
                ctx.journey.record("credit", "unknown_ticket", f"{number}: not this client's")
                continue
            if self._already(ctx, ticket):
                continue
            add_charge(
                ctx,
                ticket,
                CREDIT_REQUESTED,
                f"written credit request from {sender.address} (inbound {ctx.inbound.id})",
            )

    @staticmethod
    def _already(ctx: HandlerContext, ticket: Ticket) -> bool:
        found = ctx.session.scalar(
            select(Charge.id)
            .where(Charge.ticket_id == ticket.id, Charge.kind == CREDIT_REQUESTED)
            .limit(1)
        )
        return found is not None
