"""One way to send mail on a ticket: signed Message-ID, subject tag, outbox, thread record.

Every reply, notice, relayed staff answer and command help goes through send_on_ticket, so
they all thread the same way and can all be found again by the Message-ID they carry.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from zsupport_mail.db.models import OutboundMessage, Ticket, TicketMessage
from zsupport_mail.handlers.types import HandlerContext
from zsupport_mail.mail.carry import Payload
from zsupport_mail.mail.message import ParsedMessage
from zsupport_mail.mail.replies import build_reply, reply_subject
from zsupport_mail.mail.tokens import CLIENT, make_message_id
from zsupport_mail.queues.outbox import queue_mail


@dataclass(frozen=True)
class Outgoing:
    """A mail to send on a ticket."""

    to: list[str]
    subject: str  # the subject answered; the ticket tag and "Re:" are added
    body: str
    answers: tuple[str | None, tuple[str, ...]]  # (Message-ID answered, its References)
    kind: str  # the outbox kind, e.g. "acknowledgement", "staff_reply"
    automatic: bool = True  # an automatic reply (Auto-Submitted, counted by the rate limit)
    thread_index: str | None = None  # Outlook's Thread-Index of the mail answered
    audience: str = CLIENT  # STAFF for mail only staff receive: a reply to it proves staff
    attachments: tuple[Payload, ...] = ()  # files sent along (a staff answer's)

    @classmethod
    def answering(cls, msg: ParsedMessage, body: str, kind: str) -> Outgoing:
        """A reply to msg's sender, in msg's thread."""
        return cls(
            to=[msg.from_addr],
            subject=msg.subject,
            body=body,
            answers=(msg.message_id, msg.references),
            kind=kind,
            thread_index=msg.first_header("thread-index"),
        )


def send_on_ticket(
    ctx: HandlerContext, ticket: Ticket, mail: Outgoing, *, record: bool = True
) -> OutboundMessage:
    """Queue mail in the outbox; with record, also store it on the ticket's thread."""
    domain = ctx.settings.outbound.from_address.rpartition("@")[2]
    message = build_reply(
        ctx.settings,
        to=", ".join(mail.to),
        subject=reply_subject(ctx.settings.tickets.format_tag(ticket.number), mail.subject),
        body=mail.body,
        answers=mail.answers,
        now=ctx.now,
        automatic=mail.automatic,
        message_id=make_message_id(
            ticket.number, domain, ctx.settings.safety.secret, audience=mail.audience
        ),
        thread_index=mail.thread_index,
        attachments=mail.attachments,
    )
    row = queue_mail(
        ctx.session,
        ctx.settings.outbound,
        message,
        kind=mail.kind,
        now=ctx.now,
        ticket_id=ticket.id,
        inbound_id=ctx.inbound.id,
        automatic=mail.automatic,
    )
    if record:
        record_outbound(ctx.session, ticket.id, row, mail.answers, mail.body, internal=False)
    return row


def record_outbound(
    session: Session,
    ticket_id: int,
    row: OutboundMessage,
    answers: tuple[str | None, Sequence[str]],
    body: str,
    *,
    internal: bool,
) -> None:
    """The queued mail as a ticket entry, so the thread shows what we sent and to whom."""
    parent, references = answers
    session.add(
        TicketMessage(
            ticket_id=ticket_id,
            direction="outbound",
            internal=internal,
            message_id=row.message_id,
            in_reply_to=parent,
            references=" ".join(references),
            from_addr=row.mail_from,
            to_addrs=row.to_addrs,
            cc_addrs=[],
            subject=row.subject,
            body_text=body,
            created_at=row.created_at,
        )
    )
