"""record_tracking and remind_no_cc: what a client's mail tells us beyond the report itself.

- RMA: after staff start the return process (#rma), the client's reply with the return
  shipment's tracking numbers (UPS, FedEx, USPS, DHL or "tracking number: X"; never "the
  tracking information" or a PO number) are recorded.
- The contract asks clients not to copy individual staff; a client mail that does is handled
  normally and the reply reminds them, politely and at most once per ticket.
"""

from __future__ import annotations

from dataclasses import dataclass

from zsupport_mail.handlers.types import HandlerContext, HandlingState
from zsupport_mail.intake.shipment import tracking_numbers
from zsupport_mail.mail.addresses import domain_of
from zsupport_mail.mail.message import ParsedMessage
from zsupport_mail.scoring.text import split_reply


def tracking_number(text: str) -> str | None:
    """The parcel tracking numbers in text, comma-separated, or None (intake/shipment.py)."""
    numbers = tracking_numbers(text)
    return ", ".join(numbers)[:64] if numbers else None


def _is_client(ctx: HandlerContext, state: HandlingState) -> bool:
    sender = ctx.assessment.context.sender
    return (
        state.ticket is not None
        and not sender.staff
        and sender.client is not None
        and ctx.assessment.automatic is None
    )


@dataclass(frozen=True)
class RecordTracking:
    """The return shipment's tracking number, from the client during an RMA's testing stage."""

    name: str = "record_tracking"

    def run(self, msg: ParsedMessage, ctx: HandlerContext, state: HandlingState) -> None:
        """Record the first tracking number in a client's mail and mark the RMA returned."""
        ticket = state.ticket
        if ticket is None or ticket.rma_state != "testing" or not _is_client(ctx, state):
            return
        number = tracking_number(split_reply(msg.text)[0])
        if number is not None:
            ticket.rma_tracking, ticket.rma_state = number, "returned"
            ctx.journey.record("rma", "tracking", number)


@dataclass(frozen=True)
class RemindNoCc:
    """A polite reminder, once per ticket, when a client copies individual staff."""

    name: str = "remind_no_cc"

    def run(self, msg: ParsedMessage, ctx: HandlerContext, state: HandlingState) -> None:
        """Ask the reply to carry the reminder if the client's mail copied staff addresses."""
        ticket = state.ticket
        if ticket is None or ticket.cc_reminder_sent or not _is_client(ctx, state):
            return
        staff, own = ctx.settings.staff, ctx.settings.own_addresses
        copied = [
            a
            for a in (*msg.to, *msg.cc)
            if a not in own and (a in staff.addresses or domain_of(a) in staff.domains)
        ]
        if copied:
            ticket.cc_reminder_sent = state.cc_reminder = True
            ctx.journey.record("cc", "staff_copied", ", ".join(copied))
