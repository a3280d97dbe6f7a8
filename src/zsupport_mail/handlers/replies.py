"""queue_reply: render the disposition's reply, put it in the outbox and on the ticket."""

from __future__ import annotations

from dataclasses import dataclass

from zsupport_mail.db.models import Ticket, TicketMessage
from zsupport_mail.handlers.types import HandlerContext, HandlingState
from zsupport_mail.message import ParsedMessage
from zsupport_mail.outbox import queue_mail
from zsupport_mail.replies import build_reply, reply_subject


def _template_context(msg: ParsedMessage, ctx: HandlerContext, ticket: Ticket) -> dict[str, object]:
    sender = ctx.assessment.context.sender
    contacts = [c for c in ticket.client.contacts if c.active and c.role in ("primary", "backup")]
    return {
        "ticket": ticket,
        "number": ticket.number,
        "client": ticket.client.name,
        "requester_name": (sender.contact.name if sender.contact else sender.name) or "",
        "requester": sender.address,
        "subject": msg.subject or "(no subject)",
        "authorized_contacts": [
            (c.name, c.role) for c in sorted(contacts, key=lambda c: c.role, reverse=True)
        ],
        "support_address": ctx.settings.smtp.addresses[0],
        "reason": ctx.disposition.reason,
    }


@dataclass(frozen=True)
class QueueReply:
    name: str = "queue_reply"

    def run(self, msg: ParsedMessage, ctx: HandlerContext, state: HandlingState) -> None:
        template = ctx.disposition.reply
        if template is None or state.ticket is None:
            ctx.journey.record("reply", "none", "this outcome sends no reply")
            return
        ticket = state.ticket
        body = ctx.renderer.render(template, _template_context(msg, ctx, ticket))
        tag = ctx.settings.tickets.format_tag(ticket.number)
        reply = build_reply(
            ctx.settings,
            to=msg.from_addr,
            subject=reply_subject(tag, msg.subject),
            body=body,
            answers=(msg.message_id, msg.references),
            now=ctx.now,
        )
        row = queue_mail(
            ctx.session,
            ctx.settings.outbound,
            reply,
            kind=template,
            now=ctx.now,
            ticket_id=ticket.id,
            inbound_id=ctx.inbound.id,
        )
        ctx.session.add(
            TicketMessage(
                ticket_id=ticket.id,
                direction="outbound",
                internal=False,
                message_id=row.message_id,
                in_reply_to=msg.message_id,
                references=" ".join(msg.references),
                from_addr=row.mail_from,
                to_addrs=row.to_addrs,
                cc_addrs=[],
                subject=row.subject,
                body_text=body,
                created_at=ctx.now,
            )
        )
        state.reply_queued = True
        ctx.journey.record("reply", "queued", f"{template} to {msg.from_addr} as {row.message_id}")
