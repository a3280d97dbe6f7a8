"""hold_unverified_staff: a staff-looking mail without proof stays internal, and staff hear of it.

A mail from a staff address that nothing proves (intake/authority.py) may be a forgery meant to
reach a client from the support address ("please pay invoice 4471 to this IBAN"). It is kept
on the ticket it names as an internal note; apply_commands ignores its commands, relay_reply
sends nothing, and the staff member it claims to be from gets a warning. The warning's
Message-ID is signed for staff only, so replying to it is itself a proof: a genuine staff
member whose mail was not believed answers the warning and the answer goes through.
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog

from zsupport_mail.handlers.outgoing import Outgoing, send_on_ticket
from zsupport_mail.handlers.replies import over_rate_limit
from zsupport_mail.handlers.types import HandlerContext, HandlingState
from zsupport_mail.mail.message import ParsedMessage
from zsupport_mail.mail.tokens import STAFF

log = structlog.get_logger("zsupport_mail.handlers.authority")

QUOTED_LINES = 15  # enough of the claimed text to recognise it, not the whole mail again


@dataclass(frozen=True)
class HoldUnverifiedStaff:
    """Unverified staff mail on a ticket: an internal note and a warning to staff."""

    name: str = "hold_unverified_staff"

    def run(self, msg: ParsedMessage, ctx: HandlerContext, state: HandlingState) -> None:
        """Mark the stored mail internal, send no reply, warn the staff member it names."""
        sender = ctx.assessment.context.sender
        if sender.staff_claim is None or state.ticket is None or state.stored is None:
            return
        state.stored.internal = True
        state.reply = None
        ctx.journey.record("authority", "unverified", sender.staff_claim)
        log.warning(
            "staff_mail_unverified",
            address=sender.address,
            ticket=state.ticket.number,
            reason=sender.staff_claim,
        )
        if ctx.assessment.automatic is not None:
            ctx.journey.record("warning", "none", "automatic mail: no warning (no loops)")
            return
        if over_rate_limit(ctx, sender.address):  # a flood of forgeries: staff know by now
            ctx.journey.record("warning", "suppressed", f"rate limit for {sender.address}")
            return
        lines = msg.text.strip().splitlines()
        body = ctx.renderer.render(
            "staff_unverified",
            {
                "number": state.ticket.number,
                "address": sender.address,
                "why": sender.staff_claim,
                "lines": lines[:QUOTED_LINES],
                "more": max(0, len(lines) - QUOTED_LINES),
            },
        )
        warning = Outgoing(
            to=[sender.address],
            subject=msg.subject,
            body=body,
            answers=(msg.message_id, msg.references),
            kind="staff_warning",
            audience=STAFF,
        )
        row = send_on_ticket(ctx, state.ticket, warning, record=False)
        ctx.journey.record(
            "warning",
            "queued",
            f"unverified mail claiming to be from {sender.address}: "
            f"warning to {sender.address} as {row.message_id}",
        )
