"""Staff confirm a client's written notice of a contact change, on its ticket: by the command
line (``contacts import [FILE] --ticket NUMBER``) or by mail (``#contacts`` in a reply).

Both ways go through the import (contacts/importer.py): the notice as read (contacts/notice.py)
is written as the CSV an import would be given and checked the same way, so the rules and the
history are the import's. The ticket gets an internal note of what changed and is closed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from zsupport_mail.contacts.history import load_periods
from zsupport_mail.contacts.importer import (
    ClientChanges,
    ImportInvalid,
    apply_import,
    known,
    parse_csv,
)
from zsupport_mail.contacts.notice import read_notice, rows_after_notice
from zsupport_mail.contacts.periods import IMPORT_PREFIX
from zsupport_mail.db.models import Contact, InboundMessage, Ticket, TicketMessage
from zsupport_mail.mail.message import parse_message

MARKS = (("added", "+"), ("changed", "~"), ("removed", "-"))


def not_a_contact_change(ticket: Ticket) -> str | None:
    """Why the ticket holds no notice to confirm, or None when it is a contact change."""
    if ticket.kind == "contact_change":
        return None
    return (
        f"{ticket.number} is a {ticket.kind}, not a contact_change "
        f"(staff can set it with #kind contact_change)"
    )


def notice_csv(session: Session, ticket: Ticket, now: datetime) -> tuple[str, list[str]]:
    """The client's new authorised set as CSV, read from the ticket's notice, and the lines read.

    Raises:
        ImportInvalid: the notice's mail is gone, or part of it cannot be read.
    """
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
    contacts = session.scalars(select(Contact).where(Contact.client_id == ticket.client_id))
    proposals = read_notice(parse_message(inbound.raw), {c.email: c.name for c in contacts})
    periods = [p for p in load_periods(session, client=ticket.client.name) if p.covers(now)]
    result = rows_after_notice(ticket.client.name, periods, proposals)
    if result.problems:
        raise ImportInvalid([f"{ticket.number}: {problem}" for problem in result.problems])
    return result.csv_text(), [p.line() for p in proposals]


def confirm_on_ticket(
    session: Session,
    ticket: Ticket,
    changes: list[ClientChanges],
    *,
    source: str,
    by: str,
    now: datetime,
) -> None:
    """Record on the ticket what its notice changed, as an internal note, and close it."""
    lines = [f"Contact change applied ({source}):"]
    for client in changes:
        for kind, mark in MARKS:
            lines += [
                f"  {mark} {e['name']} <{e['email']}> {e['role']}" for e in getattr(client, kind)
            ]
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
    text, _read = notice_csv(session, ticket, now)
    source = f"{IMPORT_PREFIX}notice on {ticket.number} by {by[:100]}"
    rows = parse_csv(text, known(session))
    note = f"written notice on ticket {ticket.number}"
    changes = apply_import(session, rows, at=now, source=source, note=note)
    confirm_on_ticket(session, ticket, changes, source=source, by=by, now=now)
    return changes
