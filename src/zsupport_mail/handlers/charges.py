"""record_charges: ledger entries the contract attaches to how a ticket was opened.

A report from someone other than the primary or backup IT contact is billable hourly
(the contract's "Authorized I.T. Contacts" clause); the hours are not known yet, so the entry
has no amount and stays pending for staff to settle.
"""

from __future__ import annotations

from dataclasses import dataclass

from zsupport_mail.db.models import Charge
from zsupport_mail.handlers.types import HandlerContext, HandlingState
from zsupport_mail.message import ParsedMessage


@dataclass(frozen=True)
class RecordCharges:
    name: str = "record_charges"

    def run(self, msg: ParsedMessage, ctx: HandlerContext, state: HandlingState) -> None:
        if ctx.disposition.action != "unauthorized" or state.ticket is None:
            return
        charge = Charge(
            ticket_id=state.ticket.id,
            kind="billable_communication",
            amount=None,
            reason=f"opened by a non-authorised person: {ctx.disposition.reason}",
            state="pending",
            created_at=ctx.now,
        )
        ctx.session.add(charge)
        ctx.journey.record("charge", "billable_communication", charge.reason)
