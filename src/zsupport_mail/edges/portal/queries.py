"""Every ticket the portal shows goes through here, filtered on the server by the viewer.

A client's authorised contacts see all of the client's tickets; anyone else at the client sees
only the tickets they wrote; another client's ticket is "not found", never "forbidden", so a
number cannot be probed. Staff see everything, with filters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, contains_eager

from zsupport_mail.db.models import Client, Ticket
from zsupport_mail.edges.portal.viewer import Viewer

OPEN_STATES = ("open", "awaiting_info", "pending", "restored")


def visible(viewer: Viewer) -> Select[Ticket]:
    """The tickets this viewer may see, as a query to narrow further."""
    query = select(Ticket)
    if viewer.staff:
        return query
    query = query.where(Ticket.client_id == viewer.client_id)
    if not viewer.authorized:
        query = query.where(Ticket.requester_email == viewer.email)
    return query


def client_tickets(session: Session, viewer: Viewer) -> list[Ticket]:
    """The viewer's tickets, newest activity first."""
    return list(session.scalars(visible(viewer).order_by(Ticket.updated_at.desc()).limit(500)))


def ticket_for(session: Session, viewer: Viewer, number: str) -> Ticket | None:
    """One ticket by number if this viewer may see it; None otherwise (answered as 404)."""
    return session.scalar(visible(viewer).where(Ticket.number == number.upper()))


def next_target(ticket: Ticket) -> datetime | None:
    """The next SLA target still running: response until answered, then restoration."""
    if ticket.status == "closed":
        return None
    if ticket.first_response_at is None and ticket.response_due_at is not None:
        return ticket.response_due_at
    if ticket.restored_at is None:
        return ticket.restoration_due_at
    return None


@dataclass(frozen=True)
class QueueFilter:
    """The staff queue's filters, from the query string; empty means all."""

    client: str = ""
    state: str = ""
    assignee: str = ""


def staff_queue(session: Session, where: QueueFilter, now: datetime) -> list[Ticket]:
    """Open tickets (or those in the chosen state) ordered by their next SLA target.

    Tickets with no running target come last, oldest first; critical ones first among equals.
    """
    query = select(Ticket).join(Client).options(contains_eager(Ticket.client))  # no N+1
    if where.state:
        query = query.where(Ticket.status == where.state)
    else:
        query = query.where(Ticket.status.in_(OPEN_STATES))
    if where.client:
        query = query.where(Client.name == where.client)
    if where.assignee:
        query = query.where(Ticket.assignee == where.assignee)
    tickets = list(session.scalars(query.limit(2000)))
    far = datetime.max.replace(tzinfo=now.tzinfo)
    return sorted(tickets, key=lambda t: (next_target(t) or far, not t.critical, t.created_at))


def client_names(session: Session) -> list[str]:
    """For the staff queue's client filter."""
    return list(session.scalars(select(Client.name).order_by(Client.name)))
