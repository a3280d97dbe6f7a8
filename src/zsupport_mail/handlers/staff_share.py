"""share_with_staff: the other staff see what one of them sent the client, or noted.

A staff member answers a ticket from their own mail client; the client gets the answer from
the support address (relay_reply). So that the rest of the team sees the whole thread, the
assignee and the queue addresses get a copy of what went to the client, threaded under the
staff copy that was answered; the writer and anyone they copied (reply-all) already have it.
A ``#note`` (commands only, or a note) is shared the same way and never reaches the client.
"""

from __future__ import annotations

from dataclasses import dataclass

from zsupport_mail.handlers.staff_copy import (
    StaffOutbox,
    last_staff_mail,
    queue_staff_mail,
    staff_message_id,
)
from zsupport_mail.handlers.types import HandlerContext, HandlingState
from zsupport_mail.mail.carry import attachments_in
from zsupport_mail.mail.message import ParsedMessage
from zsupport_mail.mail.replies import one_line
from zsupport_mail.mail.staffmail import StaffMail, recipients, staff_subject
from zsupport_mail.mail.tokens import ticket_of

STAFF_ANSWER_COPY = "staff_answer_copy"


@dataclass(frozen=True)
class ShareWithStaff:
    """A copy of a staff answer (or note) for the other staff on the ticket."""

    name: str = "share_with_staff"

    def run(self, msg: ParsedMessage, ctx: HandlerContext, state: HandlingState) -> None:
        """Queue the copy after relay_reply, unless the reply was rejected for a bad command."""
        ticket, stored = state.ticket, state.stored
        sender = ctx.assessment.context.sender
        if ticket is None or stored is None or not sender.staff or state.staff_error:
            return
        if ctx.disposition.action != "appended":
            return
        # Whoever the writer copied (reply-all on a staff copy) already has the mail.
        already = {msg.from_addr, *msg.to, *msg.cc}
        to = [a for a in recipients(ctx.settings, ticket.assignee) if a not in already]
        if not to:
            return
        writer = one_line(msg.from_name or msg.from_addr)
        text = (state.relay_text if state.relayed_to else stored.body_text) or ""
        body = ctx.renderer.render(
            "staff_answer",
            {
                "writer": writer,
                "number": ticket.number,
                "relayed_to": state.relayed_to,
                "support_address": ctx.settings.outbound.from_address,
                "attachments": [a.filename for a in msg.attachments],
                "commands": state.commands_applied,
                "status": ticket.status,
                "assignee": ticket.assignee,
                "text": text.strip() or "(no text)",
            },
        )
        mail = StaffMail(
            display=f"{writer} via {ctx.settings.staff.support_name}",
            to=to,
            subject=staff_subject(ticket.number, ticket.subject),
            body=body,
            message_id=staff_message_id(ctx.settings, ticket.number),
            answers=(_answered(msg, ctx) or last_staff_mail(ctx, ticket), ()),
            attachments=tuple(attachments_in(ctx.inbound.raw, msg.attachments))
            if state.relayed_to
            else (),
        )
        head = body.split("-----")[0].strip()
        queue_staff_mail(StaffOutbox.of(ctx), ticket, mail, kind=STAFF_ANSWER_COPY, head=head)
        ctx.journey.record("staff", "shared", f"{writer}'s mail to {', '.join(to)}")


def _answered(msg: ParsedMessage, ctx: HandlerContext) -> str | None:
    """The staff mail of ours that msg answers, to keep the staff thread in one piece."""
    secret = ctx.settings.safety.secret
    return next((m for m in msg.in_reply_to if ticket_of(m, secret)), None)
