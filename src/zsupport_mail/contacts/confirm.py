"""Staff confirm a client's written notice of a contact change, on its ticket: by the command
line (``contacts import [FILE] --ticket NUMBER``) or by mail (``#contacts`` in a reply).

Both ways go through the import (contacts/importer.py): the notice as read (contacts/notice.py)
is written as the CSV an import would be given and checked the same way, so the rules and the
history are the import's. The ticket gets an internal note of what changed and is closed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from zsupport_mail.contacts.history import load_periods
from zsupport_mail.contacts.importer import (
    ClientChanges,
    ImportInvalid,
    ImportRow,
    apply_import,
    known,
    parse_csv,
)
from zsupport_mail.contacts.notice import read_notice, read_notice_period, rows_after_notice
from zsupport_mail.contacts.periods import IMPORT_PREFIX
from zsupport_mail.contacts.temporary import Bounds, apply_for_period
from zsupport_mail.db.models import Contact, InboundMessage, Ticket, TicketMessage
from zsupport_mail.mail.message import parse_message
from zsupport_mail.mail.replies import local_time

MARKS = (("added", "+"), ("changed", "~"), ("removed", "-"))


def not_a_contact_change(ticket: Ticket) -> str | None:
    """Why the ticket holds no notice to confirm, or None when it is a contact change."""
    if ticket.kind == "contact_change":
        return None
    return (
        f"{ticket.number} is a {ticket.kind}, not a contact_change "
        f"(staff can set it with #kind contact_change)"
    )


@dataclass(frozen=True)
class NoticeRead:
    """A ticket's notice as read: the client's new set as CSV, the lines staff saw, the period."""

    csv_text: str
    lines: list[str]
    bounds: Bounds | None  # None: a lasting change


def _notice_mail(session: Session, ticket: Ticket) -> InboundMessage:
    first = session.scalars(
        select(TicketMessage)
        .where(TicketMessage.ticket_id == ticket.id, TicketMessage.direction == "inbound")
        .where(TicketMessage.internal.is_(False))
        .order_by(TicketMessage.id)
        .limit(1)
    ).first()
    inbound = session.get(InboundMessage, first.inbound_id) if first and first.inbound_id else None
    if inbound is None or not inbound.raw:
        raise ImportInvalid([f"{ticket.number}: the notice's mail is not kept"])
    return inbound


def read_ticket_notice(session: Session, ticket: Ticket, now: datetime) -> NoticeRead:
    """The client's new authorised set, read from the ticket's notice, and its period if any.

    Raises:
        ImportInvalid: the notice's mail is gone, or part of it cannot be read.
    """
    inbound = _notice_mail(session, ticket)
    msg = parse_message(inbound.raw)
    contacts = session.scalars(select(Contact).where(Contact.client_id == ticket.client_id))
    proposals = read_notice(msg, {c.email: c.name for c in contacts})
    period = read_notice_period(msg, inbound.received_at, ticket.client.timezone)
    bounds = None
    if period is not None:
        start, end = period.bounds(ticket.client.timezone, now)
        bounds = Bounds(start, end) if start < end else None
    at = bounds.start if bounds else now
    periods = [p for p in load_periods(session, client=ticket.client.name) if p.covers(at)]
    result = rows_after_notice(ticket.client.name, periods, proposals)
    if result.problems:
        raise ImportInvalid([f"{ticket.number}: {problem}" for problem in result.problems])
    lines = [p.line() for p in proposals]
    if period is not None:
        lines.append(f"for a period: {period.describe()}, then the set before it again")
    return NoticeRead(result.csv_text(), lines, bounds)


def apply_rows(
    session: Session,
    rows: list[ImportRow],
    bounds: Bounds | None,
    *,
    now: datetime,
    source: str,
    note: str | None,
) -> tuple[list[ClientChanges], list[ClientChanges]]:
    """Apply an import at once and for good, or for a period (then the old set comes back)."""
    if bounds is None:
        return apply_import(session, rows, at=now, source=source, note=note), []
    return apply_for_period(session, rows, bounds, now=now, source=source, note=note)


def confirm_on_ticket(
    session: Session,
    ticket: Ticket,
    changes: list[ClientChanges],
    *,
    source: str,
    by: str,
    now: datetime,
    bounds: Bounds | None = None,
    restored: list[ClientChanges] | None = None,
) -> None:
    """Record on the ticket what its notice changed, as an internal note, and close it."""
    lines = [f"Contact change applied ({source}):"]
    zone = ticket.client.timezone
    if bounds is not None:
        lines[0] = f"Contact change applied from {local_time(bounds.start, zone)} ({source}):"
    lines += _marked(changes)
    if bounds is not None:
        lines.append(f"The set before the notice again from {local_time(bounds.end, zone)}:")
        lines += _marked(restored or [])
    session.add(
        TicketMessage(
            ticket_id=ticket.id,
            direction="inbound",
            internal=True,
            message_id=None,
            from_addr=by[:320],
            to_addrs=[],
            cc_addrs=[],
            subject=f"contacts confirmed: {ticket.number}",
            body_text="\n".join(lines),
            created_at=now,
        )
    )
    ticket.status, ticket.closed_at, ticket.updated_at = "closed", now, now


def _marked(changes: list[ClientChanges]) -> list[str]:
    lines: list[str] = []
    for client in changes:
        for kind, mark in MARKS:
            lines += [
                f"  {mark} {e['name']} <{e['email']}> {e['role']}" for e in getattr(client, kind)
            ]
    return lines


def apply_notice_as_read(
    session: Session, ticket: Ticket, *, by: str, now: datetime
) -> list[ClientChanges]:
    """Apply the ticket's notice as read, in the caller's transaction (``#contacts``).

    Raises:
        ImportInvalid: the ticket is no contact change, or its notice cannot be applied whole.
    """
    why = not_a_contact_change(ticket)
    if why is not None:
        raise ImportInvalid([why])
    read = read_ticket_notice(session, ticket, now)
    source = f"{IMPORT_PREFIX}notice on {ticket.number} by {by[:100]}"
    rows = parse_csv(read.csv_text, known(session))
    note = f"written notice on ticket {ticket.number}"
    changes, restored = apply_rows(session, rows, read.bounds, now=now, source=source, note=note)
    confirm_on_ticket(
        session,
        ticket,
        changes,
        source=source,
        by=by,
        now=now,
        bounds=read.bounds,
        restored=restored,
    )
    return changes
