"""Who is who: contacts, client domains, staff and our own addresses, looked up in memory.

Built once per processing transaction from the database rows that mirror the config, so every
lookup inside the pure rules is a dict access.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from zsupport_mail.addresses import domain_of, skeleton
from zsupport_mail.config import Settings
from zsupport_mail.db.models import Client, ClientDomain, Contact
from zsupport_mail.intake.types import ClientRef, ContactRef


@dataclass(frozen=True)
class Directory:
    contacts: dict[str, ContactRef]
    domains: dict[str, ClientRef]
    staff_addresses: frozenset[str]
    staff_domains: frozenset[str]
    own_addresses: frozenset[str]

    def contact(self, address: str) -> ContactRef | None:
        return self.contacts.get(address)

    def client_for(self, address: str) -> ClientRef | None:
        """The client by contact first, then by the address's domain."""
        contact = self.contacts.get(address)
        if contact is not None:
            return contact.client
        return self.domains.get(domain_of(address))

    def is_staff(self, address: str) -> bool:
        return address in self.staff_addresses or domain_of(address) in self.staff_domains

    def is_own(self, address: str) -> bool:
        return address in self.own_addresses

    @property
    def organisation_domains(self) -> frozenset[str]:
        """Domains we know as a client's or staff's: they may vouch for their subdomains."""
        return frozenset(self.domains) | self.staff_domains

    def resembling(self, address: str) -> str | None:
        """The contact, staff or own address that `address` looks like on screen, if any."""
        shape = skeleton(address)
        known = (*self.contacts, *self.staff_addresses, *self.own_addresses)
        return next((k for k in sorted(known) if k != address and skeleton(k) == shape), None)


def load_directory(session: Session, settings: Settings) -> Directory:
    """Read active clients and contacts from the database."""
    clients = {c.id: ClientRef(c.id, c.name) for c in session.scalars(select(Client))}
    contacts = {
        c.email: ContactRef(c.id, c.name, c.email, c.role, clients[c.client_id])
        for c in session.scalars(select(Contact).where(Contact.active.is_(True)))
    }
    domains = {d.domain: clients[d.client_id] for d in session.scalars(select(ClientDomain))}
    return Directory(
        contacts=contacts,
        domains=domains,
        staff_addresses=settings.staff.addresses,
        staff_domains=settings.staff.domains,
        own_addresses=settings.own_addresses,
    )
