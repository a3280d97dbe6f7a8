"""record_charges: ledger entries the contract attaches to how a ticket was opened.

- A first report missing required information carries the contract's surcharge ($100 by
  default) once per ticket, pending until billed or waived by staff.
- A report from someone other than the primary or backup IT contact is billable hourly; the
  hours are not known yet, so that entry has no amount and stays pending for staff to settle.
- Money needs proof: when our MTA's Authentication-Results do not vouch for the sender
  (``Sender.unproven``), anyone could have written the mail, so its entries are recorded as
  ``unconfirmed``: no charge until staff confirm them (``#confirm`` or ``charges confirm``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from zsupport_mail.db.models import Charge, Ticket
from zsupport_mail.handlers.types import HandlerContext, HandlingState
from zsupport_mail.mail.message import ParsedMessage

SURCHARGE = "incomplete_report_surcharge"
BILLABLE = "billable_communication"
UNCONFIRMED = "unconfirmed"


def _has_charge(ctx: HandlerContext, ticket: Ticket, kind: str) -> bool:
    return (
        ctx.session.scalar(
            select(Charge.id).where(Charge.ticket_id == ticket.id, Charge.kind == kind).limit(1)
        )
        is not None
    )


def add_charge(
    ctx: HandlerContext,
    ticket: Ticket,
    kind: str,
    reason: str,
    *,
    amount: Decimal | None = None,
    hours: Decimal | None = None,
    state: str = "pending",
) -> None:
    """A ledger entry on the ticket (pending unless held), noted in the journey log."""
    ctx.session.add(
        Charge(
            ticket_id=ticket.id,
            kind=kind,
            amount=amount,
            hours=hours,
            reason=reason,
            state=state,
            created_at=ctx.now,
        )
    )
    if state == "pending":
        ctx.journey.record("charge", kind, reason)
    else:
        ctx.journey.record("charge", state, f"{kind}: {reason}")


def _charge_for_sender(
    ctx: HandlerContext, ticket: Ticket, kind: str, reason: str, amount: Decimal | None = None
) -> None:
    """A pending entry, or an unconfirmed one when the sender is not proven."""
    unproven = ctx.assessment.context.sender.unproven
    if unproven is None:
        add_charge(ctx, ticket, kind, reason, amount=amount)
        return
    held = f"{reason} | no charge until staff confirm it, the sender is not proven: {unproven}"
    add_charge(ctx, ticket, kind, held, amount=amount, state=UNCONFIRMED)


@dataclass(frozen=True)
class RecordCharges:
    """The contract's charges for how a ticket was opened, each at most once per ticket."""

    name: str = "record_charges"

    def run(self, msg: ParsedMessage, ctx: HandlerContext, state: HandlingState) -> None:
        """Charge hourly for an unauthorised opener, and surcharge an incomplete first report."""
        ticket = state.ticket
        if ticket is None:
            return
        # A written notice changing the contacts is confirmed by staff, not billed by the hour.
        notice = ctx.assessment.kind.kind == "contact_change"
        if (
            ctx.disposition.action == "unauthorized"
            and not notice
            and not _has_charge(ctx, ticket, BILLABLE)
        ):
            _charge_for_sender(
                ctx,
                ticket,
                BILLABLE,
                f"opened by a non-authorised person: {ctx.disposition.reason}",
            )
        if state.first_contact_incomplete and state.score is not None:
            if _has_charge(ctx, ticket, SURCHARGE):
                ctx.journey.record("charge", "not_repeated", "this ticket already has one")
                return
            _charge_for_sender(
                ctx,
                ticket,
                SURCHARGE,
                "first report lacked required information: " + ", ".join(state.score.missing),
                amount=ctx.settings.scoring.surcharge_amount,
            )
