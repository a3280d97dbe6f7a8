"""open_ticket: create the ticket a new report needs, or load the one a reply continues."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import uuid4

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zsupport_mail.db.models import Client, Ticket
from zsupport_mail.handlers.clocks import close_pending
from zsupport_mail.handlers.types import HandlerContext, HandlingState, StopPipeline
from zsupport_mail.mail.message import ParsedMessage

OPENING_ACTIONS = frozenset({"created", "unauthorized"})
PHONE = "phone"  # the inbox source of a report taken by telephone (`tickets open`)
PHONE_CRITICAL = "x-zsupport-phone-critical"  # honoured on that source only


def allocate_ticket_id(session: Session) -> int | None:
    """The id the next ticket will get, without writing: on SQLite only (else None).

    SQLite numbers an INTEGER PRIMARY KEY max(id) + 1, tickets are never deleted, and one
    ``serve`` owns a SQLite file with one worker creating tickets, so the id (and with it the
    ticket number that replies, subjects and Message-IDs carry) is known before the first
    write. That keeps the process's SQLite write lock (db/session.py) from being held while
    the handlers render and build replies; the SMTP edge's stores wait for that lock. A
    concurrent ``ingest`` that took the same id fails this message's commit with an
    IntegrityError: an ordinary failed attempt, retried. PostgreSQL has no such lock: None,
    and the ticket is flushed for its id at once.
    """
    if session.get_bind().dialect.name != "sqlite":
        return None
    return int(session.scalar(select(func.coalesce(func.max(Ticket.id), 0))) or 0) + 1


def _critical_keyword(msg: ParsedMessage, keywords: tuple[str, ...]) -> str | None:
    """The configured rule for critical tickets: a keyword in the subject or the text."""
    text = f"{msg.subject}\n{msg.text}".lower()
    return next((k for k in keywords if k in text), None)


@dataclass(frozen=True)
class OpenTicket:
    """The ticket every later handler works on; runs first (after warn_unverified_staff)."""

    name: str = "open_ticket"

    def run(self, msg: ParsedMessage, ctx: HandlerContext, state: HandlingState) -> None:
        """Load the ticket a reply continues, open one for a new report, or stop the pipeline."""
        disposition = ctx.disposition
        if disposition.action == "appended" and disposition.ticket is not None:
            state.ticket = ticket = ctx.session.get_one(Ticket, disposition.ticket.id)
            ticket.updated_at = ctx.now
            ctx.journey.record("ticket", "appended", ticket.number)
            sender = ctx.assessment.context.sender
            automatic = ctx.assessment.automatic is not None
            client = not sender.claims_staff and not automatic
            if ticket.status in ("closed", "pending") and client:
                # Any client mail clears a pending countdown; within reopen_days it reopens.
                ctx.journey.record("ticket", "reopened", f"client mail while {ticket.status}")
                close_pending(ticket, ctx.now)
                ticket.status, ticket.closed_at = "open", None
            return
        if disposition.action not in OPENING_ACTIONS:
            raise StopPipeline(disposition.action)
        sender = ctx.assessment.context.sender
        if sender.client is None:  # pragma: no cover - decide() never opens without a client
            raise StopPipeline("no client")
        ticket = Ticket(
            number=f"new-{uuid4().hex[:24]}",  # replaced below, once the id is known
            client_id=sender.client.id,
            requester_email=sender.address,
            requester_contact_id=sender.contact.id if sender.contact else None,
            authorized=disposition.authorized,
            status="open",
            subject=msg.subject or "(no subject)",
            created_at=ctx.now,
            updated_at=ctx.now,
        )
        if disposition.linked is not None:
            ticket.linked_ticket_id = disposition.linked.id
        allocated = allocate_ticket_id(ctx.session)
        if allocated is None:
            ctx.session.add(ticket)
            ctx.session.flush()
        else:
            # Written when the message's transaction is flushed (pipeline.write_pending).
            ticket.id = allocated
            ticket.client = ctx.session.get_one(Client, sender.client.id)  # pending: not lazy
            ctx.session.add(ticket)
        ticket.number = ctx.settings.tickets.format_number(ticket.id)
        ticket.kind = ctx.assessment.kind.kind
        keyword = _critical_keyword(msg, ctx.settings.sla.critical_keywords)
        if ctx.inbound.source == PHONE and msg.first_header(PHONE_CRITICAL) == "yes":
            ticket.critical = True  # only `tickets open --critical` makes source "phone"
            ctx.journey.record("ticket", "critical", "phoned in as critical")
        elif keyword is not None and ticket.kind == "problem_report":
            ticket.critical = True
            ctx.journey.record("ticket", "critical", f"the report mentions {keyword!r}")
        state.ticket = ticket
        ctx.journey.record("ticket", "created", f"{ticket.number} for {sender.client.name}")
