"""record_bounce: a delivery failure report lands on the ticket of the mail it returns.

Staff see an internal note saying which reply failed for whom; a contact whose address fails
permanently BOUNCE_LIMIT times is marked failing (shown to staff, who fix the contact list).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from zsupport_mail.db.models import Contact, TicketMessage
from zsupport_mail.handlers.types import HandlerContext, HandlingState
from zsupport_mail.mail.message import ParsedMessage

BOUNCE_LIMIT = 3


@dataclass(frozen=True)
class RecordBounce:
    """A delivery failure report, noted on the ticket of the mail it returns."""

    name: str = "record_bounce"

    def run(self, msg: ParsedMessage, ctx: HandlerContext, state: HandlingState) -> None:
        """Note who the reply failed for; count permanent failures against those contacts."""
        report = msg.delivery_report
        if report is None or state.ticket is None:
            return
        failed = ", ".join(report.failed) or "unknown recipients"
        ctx.session.add(
            TicketMessage(
                ticket_id=state.ticket.id,
                direction="note",
                internal=True,
                message_id=None,
                in_reply_to=report.original_ids[0] if report.original_ids else None,
                references="",
                from_addr="zsupport-mail",
                to_addrs=[],
                cc_addrs=[],
                subject=f"Delivery failed: {msg.subject}",
                body_text=f"{'Permanent' if report.permanent else 'Temporary'} failure: {failed}.",
                created_at=ctx.now,
            )
        )
        ctx.journey.record("bounce", "recorded", f"{failed} on {state.ticket.number}")
        if not report.permanent:
            return
        failing = select(Contact).where(Contact.email.in_(report.failed))
        for contact in ctx.session.scalars(failing):
            contact.bounces += 1
            if contact.bounces >= BOUNCE_LIMIT and contact.failing_since is None:
                contact.failing_since = ctx.now
                ctx.journey.record("bounce", "contact_failing", contact.email)
