"""The CLI's JSON shapes, built from database rows.

These shapes are a public interface (scripts and monitoring read them): add keys, never rename
or remove one.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from email.parser import BytesHeaderParser
from email.policy import default as default_policy
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from zsupport_mail.contacts.history import authorization_at
from zsupport_mail.db.models import Charge, InboundMessage, OutboundMessage, Ticket, TicketMessage
from zsupport_mail.mail.addresses import AddressError, normalize_address


def iso(value: datetime | None) -> str | None:
    """An instant as ISO-8601, or None for a time that has not happened."""
    return value.isoformat() if value is not None else None


def money(value: Decimal | None) -> str | None:
    """An amount as a two-decimal string (never a float), or None for an hourly charge."""
    return None if value is None else f"{value:.2f}"


def ticket_summary(ticket: Ticket) -> dict[str, Any]:
    """A ticket's row in ``tickets list``; also the head of ``tickets show``."""
    return {
        "number": ticket.number,
        "status": ticket.status,
        "client": ticket.client.name,
        "subject": ticket.subject,
        "requester": ticket.requester_email,
        "authorized": ticket.authorized,
        "assignee": ticket.assignee,
        "critical": ticket.critical,
        "kind": ticket.kind,
        "created_at": iso(ticket.created_at),
        "updated_at": iso(ticket.updated_at),
    }


def message_view(message: TicketMessage) -> dict[str, Any]:
    """One message of a ticket's thread, with its attachments' metadata (not their content)."""
    return {
        "direction": message.direction,
        "from": message.from_addr,
        "to": message.to_addrs,
        "cc": message.cc_addrs,
        "subject": message.subject,
        "message_id": message.message_id,
        "internal": message.internal,
        "created_at": iso(message.created_at),
        "inbound_id": message.inbound_id,
        "text": message.body_text,
        "attachments": [
            {
                "filename": a.filename,
                "content_type": a.content_type,
                "size": a.size,
                "sha256": a.sha256,
            }
            for a in message.attachments
        ],
    }


def charge_view(charge: Charge) -> dict[str, Any]:
    """One ledger entry, with its ticket and client named; also the CSV export's row."""
    return {
        "id": charge.id,
        "ticket": charge.ticket.number,
        "client": charge.ticket.client.name,
        "kind": charge.kind,
        "amount": money(charge.amount),
        "reason": charge.reason,
        "state": charge.state,
        "created_at": iso(charge.created_at),
    }


def ticket_detail(ticket: Ticket) -> dict[str, Any]:
    """Everything ``tickets show`` reports: SLA clocks, intake findings, thread and charges."""
    intake = ticket.intake or {}
    return {
        **ticket_summary(ticket),
        "closed_at": iso(ticket.closed_at),
        "intake_complete_at": iso(ticket.intake_complete_at),
        "critical": ticket.critical,
        "assignee": ticket.assignee,
        "sla_started_at": iso(ticket.sla_started_at),
        "response_due_at": iso(ticket.response_due_at),
        "first_response_at": iso(ticket.first_response_at),
        "restoration_due_at": iso(ticket.restoration_due_at),
        "restored_at": iso(ticket.restored_at),
        "sla_alerts": ticket.sla_alerts or [],
        "linked_ticket_id": ticket.linked_ticket_id,
        "intake_found": intake.get("found", {}),
        "intake_missing": ticket.notified_missing if ticket.status == "awaiting_info" else [],
        "messages": [message_view(m) for m in ticket.messages],
        "charges": [charge_view(c) for c in ticket.charges],
        "authorization": _ticket_authorization(ticket),
    }


def _ticket_authorization(ticket: Ticket) -> dict[str, Any] | None:
    """Why the requester was (not) authorised when the first report arrived."""
    session = object_session(ticket)
    if session is None:
        return None
    first = session.scalar(
        select(InboundMessage.received_at)
        .join(TicketMessage, TicketMessage.inbound_id == InboundMessage.id)
        .where(TicketMessage.ticket_id == ticket.id)
        .order_by(InboundMessage.received_at)
        .limit(1)
    )
    return authorization_at(session, ticket.requester_email, first or ticket.created_at)


def _sender(raw: bytes) -> str | None:
    """The From address of a stored message (headers only: cheap, and never the body)."""
    header = BytesHeaderParser(policy=default_policy).parsebytes(raw).get("From")
    try:
        return normalize_address(str(header)) if header else None
    except (AddressError, ValueError):
        return None


def outbox_view(row: OutboundMessage, ticket_number: str | None) -> dict[str, Any]:
    """One outgoing mail with its delivery state, attempts and last error."""
    return {
        "id": row.id,
        "ticket": ticket_number,
        "kind": row.kind,
        "to": row.to_addrs,
        "subject": row.subject,
        "message_id": row.message_id,
        "status": row.status,
        "attempts": row.attempts,
        "last_error": row.last_error,
        "created_at": iso(row.created_at),
        "sent_at": iso(row.sent_at),
    }


def inbound_view(session: Session, row: InboundMessage, *, explain: bool = True) -> dict[str, Any]:
    """One inbox row; ``explain`` adds why its sender was (not) authorised when it arrived."""
    number = session.scalar(select(Ticket.number).where(Ticket.id == row.ticket_id))
    sender = _sender(row.raw) if explain and row.purged_at is None else None
    return {
        "id": row.id,
        "source": row.source,
        "mailbox": row.mailbox,
        "envelope_from": row.envelope_from,
        "message_id": row.header_message_id,
        "size": row.size,
        "received_at": iso(row.received_at),
        "status": row.status,
        "action": row.action,
        "reason": row.reason,
        "kind": row.kind,
        "notice": row.notice_message_id,
        "ticket": number,
        "attempts": row.attempts,
        "last_error": row.last_error,
        "purged_at": iso(row.purged_at),
        "journey": [
            {"at": iso(e.at), "step": e.step, "outcome": e.outcome, "reason": e.reason}
            for e in row.journey
        ],
        "authorization": authorization_at(session, sender, row.received_at) if sender else None,
    }
