"""record_message: store the mail on its ticket, with attachment metadata."""

from __future__ import annotations

from dataclasses import dataclass

from zsupport_mail.db.models import Attachment, TicketMessage
from zsupport_mail.handlers.types import HandlerContext, HandlingState
from zsupport_mail.mail.message import ParsedMessage
from zsupport_mail.scoring.text import split_reply


def _stored_text(msg: ParsedMessage, ctx: HandlerContext) -> str:
    """Replies are stored without the quoted history (the raw message keeps everything)."""
    if ctx.disposition.action != "appended":
        return msg.text
    own, _ = split_reply(msg.text)
    return own or msg.text


@dataclass(frozen=True)
class RecordMessage:
    """The mail itself on its ticket, with attachment metadata and the ids it references."""

    name: str = "record_message"

    def run(self, msg: ParsedMessage, ctx: HandlerContext, state: HandlingState) -> None:
        """Store the mail (a reply without its quoted history) on the ticket open_ticket chose."""
        assert state.ticket is not None, "open_ticket runs first"
        stored = TicketMessage(
            ticket_id=state.ticket.id,
            inbound_id=ctx.inbound.id,
            direction="inbound",
            internal=False,
            message_id=msg.message_id,
            in_reply_to=msg.in_reply_to[0] if msg.in_reply_to else None,
            references=" ".join(msg.references),
            from_addr=msg.from_addr,
            to_addrs=list(msg.to),
            cc_addrs=list(msg.cc),
            subject=msg.subject,
            body_text=_stored_text(msg, ctx),
            created_at=ctx.inbound.received_at,
        )
        stored.attachments = [
            Attachment(
                filename=a.filename, content_type=a.content_type, size=a.size, sha256=a.sha256
            )
            for a in msg.attachments
        ]
        ctx.session.add(stored)
        if msg.referenced_ids:  # indexed, for mail that arrives before what it answers
            rows = [
                {"ticket_id": state.ticket.id, "referenced_id": ref[:998]}
                for ref in msg.referenced_ids
            ]
            state.references.extend(rows)  # inserted last (pipeline.write_pending)
        state.stored = stored
