"""Repository functions: the queries the pipeline and the CLI share, in one place."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from zsupport_mail.config import Settings
from zsupport_mail.db.models import (
    Client,
    ClientDomain,
    Contact,
    MessageReference,
    Ticket,
    TicketMessage,
)
from zsupport_mail.intake.types import TicketRef


def ticket_ref(ticket: Ticket) -> TicketRef:
    return TicketRef(ticket.id, ticket.number, ticket.client_id, ticket.status, ticket.closed_at)


class SqlTicketLookup:
    """TicketLookup over the database, for the threading stage."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def by_message_ids(self, message_ids: tuple[str, ...]) -> TicketRef | None:
        """The ticket holding any of message_ids, preferring the earliest in the given order."""
        if not message_ids:
            return None
        rows = self._session.execute(
            select(TicketMessage.message_id, Ticket)
            .join(Ticket, Ticket.id == TicketMessage.ticket_id)
            .where(TicketMessage.message_id.in_(message_ids))
        ).all()
        by_id = dict(rows)
        for message_id in message_ids:
            if message_id in by_id:
                return ticket_ref(by_id[message_id])
        return None

    def referencing(self, message_id: str) -> TicketRef | None:
        """The ticket holding a message that answers message_id (it arrived before it)."""
        ticket = self._session.scalar(
            select(Ticket)
            .join(MessageReference, MessageReference.ticket_id == Ticket.id)
            .where(MessageReference.referenced_id == message_id)
            .order_by(MessageReference.id)
            .limit(1)
        )
        return ticket_ref(ticket) if ticket is not None else None

    def by_number(self, number: str) -> TicketRef | None:
        ticket = self._session.scalar(select(Ticket).where(Ticket.number == number))
        return ticket_ref(ticket) if ticket is not None else None


def get_ticket(session: Session, number: str) -> Ticket | None:
    return session.scalar(select(Ticket).where(Ticket.number == number.upper()))


def sync_directory(session: Session, settings: Settings) -> None:
    """Mirror the config's clients, domains and contacts into the database.

    Contacts no longer listed are deactivated, not deleted, so old tickets still name who
    opened them and whether that person was authorised then.
    """
    clients = {c.name: c for c in session.scalars(select(Client))}
    contacts = {c.email: c for c in session.scalars(select(Contact))}
    domains = {d.domain: d for d in session.scalars(select(ClientDomain))}
    listed_contacts: set[str] = set()
    listed_domains: set[str] = set()
    for config in settings.clients:
        client = clients.get(config.name) or Client(name=config.name)
        client.timezone, client.holidays = config.timezone, config.holidays
        client.monthly_fee, client.active = config.monthly_fee, True
        session.add(client)
        session.flush()
        for domain in config.domains:
            row = domains.get(domain) or ClientDomain(domain=domain)
            row.client_id = client.id
            session.add(row)
            listed_domains.add(domain)
        for person in config.contacts:
            contact = contacts.get(person.email) or Contact(email=person.email)
            contact.client_id, contact.name, contact.phone = client.id, person.name, person.phone
            contact.role, contact.active = person.role, True
            session.add(contact)
            listed_contacts.add(person.email)
    for email, contact in contacts.items():
        if email not in listed_contacts:
            contact.active = False
    for name, client in clients.items():
        if name not in {c.name for c in settings.clients}:
            client.active = False
    for domain, row in domains.items():
        if domain not in listed_domains:
            session.delete(row)
    session.flush()
