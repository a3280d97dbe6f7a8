"""Loads the contact ``Directory`` from the database, so the intake rules never touch storage."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from zsupport_mail.contacts.history import load_periods
from zsupport_mail.contacts.periods import Period
from zsupport_mail.db.models import Client, ClientDomain, Contact
from zsupport_mail.intake.directory import Directory
from zsupport_mail.intake.types import ClientRef, ContactRef
from zsupport_mail.settings import Settings


def load_directory(session: Session, settings: Settings) -> Directory:
    """Read clients, contacts and authorisation periods; ``contacts`` is as of now, and
    ``as_of(instant)`` gives any other instant."""
    clients = {c.id: ClientRef(c.id, c.name) for c in session.scalars(select(Client))}
    people = {
        c.email: ContactRef(c.id, c.name, c.email, c.role, clients[c.client_id], phone=c.phone)
        for c in session.scalars(select(Contact).where(Contact.active.is_(True)))
    }
    periods: dict[str, list[Period]] = {}
    for period in load_periods(session):
        periods.setdefault(period.email, []).append(period)
    domains = {d.domain: clients[d.client_id] for d in session.scalars(select(ClientDomain))}
    return Directory(
        contacts=people,  # now: a contact's role and active flag follow its open period
        domains=domains,
        staff_addresses=settings.staff.addresses,
        staff_domains=settings.staff.domains,
        own_addresses=settings.own_addresses,
        people=people,
        periods={email: tuple(found) for email, found in periods.items()},
    )
