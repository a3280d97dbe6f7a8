"""Repository functions: the queries the pipeline and the CLI share, in one place."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import structlog
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zsupport_mail.contacts.history import (
    ever_authorized,
    imported_client_ids,
    open_periods,
    set_role,
)
from zsupport_mail.contacts.periods import CONFIG_SOURCE, IMPORT_PREFIX, RECORD_START
from zsupport_mail.db.advisory import xact_lock
from zsupport_mail.db.models import (
    Client,
    ClientDomain,
    Contact,
    ContactAuthorization,
    MessageReference,
    OutboundMessage,
    Ticket,
    TicketMessage,
)
from zsupport_mail.intake.types import TicketRef
from zsupport_mail.settings import ClientConfig, Settings
from zsupport_mail.settings.clock import utc_now

log = structlog.get_logger("zsupport_mail.directory")


def ticket_ref(ticket: Ticket) -> TicketRef:
    """The plain view of a ticket row that the intake rules and threading work with."""
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

    def open_rma(self, client_id: int) -> TicketRef | None:
        """The client's latest ticket with a return (RMA) under way and not closed."""
        ticket = self._session.scalar(
            select(Ticket)
            .where(
                Ticket.client_id == client_id,
                Ticket.rma_state.is_not(None),
                Ticket.status != "closed",
            )
            .order_by(Ticket.id.desc())
            .limit(1)
        )
        return ticket_ref(ticket) if ticket is not None else None

    def relayed(self, client_id: int, address: str, foreign: str) -> TicketRef | None:
        """The client's latest open ticket opened by ``address`` whose subject names the
        client's own ticket ``foreign``: where its helpdesk's later notifications go."""
        ticket = self._session.scalar(
            select(Ticket)
            .where(
                Ticket.client_id == client_id,
                Ticket.requester_email == address,
                Ticket.status != "closed",
                func.lower(Ticket.subject).contains(foreign.lower(), autoescape=True),
            )
            .order_by(Ticket.id.desc())
            .limit(1)
        )
        return ticket_ref(ticket) if ticket is not None else None

    def by_number(self, number: str) -> TicketRef | None:
        """The ticket with exactly this number (from a signed Message-ID or a subject tag)."""
        ticket = self._session.scalar(select(Ticket).where(Ticket.number == number))
        return ticket_ref(ticket) if ticket is not None else None


def get_ticket(session: Session, number: str) -> Ticket | None:
    """The ticket an operator typed, in any case (numbers are stored upper case)."""
    return session.scalar(select(Ticket).where(Ticket.number == number.upper()))


def sync_directory(session: Session, settings: Settings, now: datetime | None = None) -> None:
    """Mirror the config's clients, domains and contacts into the database.

    Contacts no longer listed are deactivated, not deleted, and their authorisation period is
    ended, so old tickets still name who opened them and whether that person was authorised
    then. Clients taken over by ``contacts import`` keep their imported authorised set: the
    config's primary/backup entries for them are logged and ignored (see contacts/history.py).
    """
    # Two processes starting at once on an empty PostgreSQL both created the configured
    # clients, and the second failed on their unique name: the second now waits and updates.
    xact_lock(session, "directory")
    state = _DirectoryState.read(session, now or utc_now())
    clients = {c.name: c for c in session.scalars(select(Client))}
    domains = {d.domain: d for d in session.scalars(select(ClientDomain))}
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
        _sync_contacts(session, client, config, state)
    _deactivate_unlisted(session, state)
    for name, client in clients.items():
        if name not in {c.name for c in settings.clients}:
            client.active = False
    for domain, row in domains.items():
        if domain not in listed_domains:
            session.delete(row)
    session.flush()


@dataclass
class _DirectoryState:
    """What sync_directory reads once and updates as it goes."""

    now: datetime
    contacts: dict[str, Contact]
    current: dict[int, ContactAuthorization]  # open periods by contact id
    imported: set[int]  # client ids an import took over
    seen_before: set[int]  # contact ids with any period
    listed: set[str] = field(default_factory=set)

    @classmethod
    def read(cls, session: Session, now: datetime) -> _DirectoryState:
        contacts = {c.email: c for c in session.scalars(select(Contact))}
        return cls(
            now,
            contacts,
            open_periods(session),
            imported_client_ids(session),
            ever_authorized(session),
        )


def _sync_contacts(
    session: Session, client: Client, config: ClientConfig, state: _DirectoryState
) -> None:
    """One client's config contacts: rows, and periods unless an import owns the client."""
    superseded = []
    for person in config.contacts:
        existing = state.contacts.get(person.email)
        period = state.current.get(existing.id) if existing is not None else None
        if client.id in state.imported and (person.authorized or _by_import(period)):
            superseded.append(person.email)
            continue
        contact = existing or Contact(email=person.email)
        contact.client_id, contact.name, contact.phone = client.id, person.name, person.phone
        contact.role, contact.active = person.role, True
        session.add(contact)
        session.flush()
        state.listed.add(person.email)
        set_role(
            session,
            contact,
            client.id,
            person.role if person.authorized else None,
            at=state.now,
            source=CONFIG_SOURCE,
            current=period,
            valid_from=state.now if contact.id in state.seen_before else RECORD_START,
        )
    if superseded:
        log.warning("config_contacts_superseded", client=config.name, contacts=superseded)


def _deactivate_unlisted(session: Session, state: _DirectoryState) -> None:
    """Contacts the config no longer lists, unless an import authorised them."""
    for email, contact in state.contacts.items():
        period = state.current.get(contact.id)
        if email in state.listed or _by_import(period):
            continue  # an import's authorised contacts are the import's to end
        contact.active = False
        if period is not None:
            set_role(
                session,
                contact,
                period.client_id,
                None,
                at=state.now,
                source=CONFIG_SOURCE,
                current=period,
            )


def _by_import(period: ContactAuthorization | None) -> bool:
    return period is not None and period.source.startswith(IMPORT_PREFIX)


# Our outgoing mail whose answers are answers to a notice, not new reports (outbox kinds).
NOTICE_KINDS = {
    "outage_planned": "outage",
    "outage_emergency": "outage",
    "upgrade_notice": "upgrade",
    "upgrade_reminder": "upgrade",
    "pending_reminder": "reminder",
    "awaiting_info_reminder": "reminder",
}


def known_notices(session: Session, message_ids: tuple[str, ...]) -> dict[str, str]:
    """Which of message_ids are our notices, each with its kind (outage, upgrade, reminder)."""
    if not message_ids:
        return {}
    rows = session.execute(
        select(OutboundMessage.message_id, OutboundMessage.kind).where(
            OutboundMessage.message_id.in_(message_ids),
            OutboundMessage.kind.in_(NOTICE_KINDS),
        )
    ).all()
    return {message_id: NOTICE_KINDS[kind] for message_id, kind in rows}
