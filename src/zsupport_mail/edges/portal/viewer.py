"""Who a signed-in address is: staff, an authorised contact, or someone else at a client.

Looked up from the database on every request, so a contact removed by a reload or an import
loses access at once; every ticket query is then filtered by the viewer's client (queries.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from zsupport_mail.contacts.history import periods_at
from zsupport_mail.db.models import ClientDomain, Contact
from zsupport_mail.mail.addresses import AddressError, domain_of, normalize_address
from zsupport_mail.settings import StaffSettings
from zsupport_mail.settings.clock import utc_now


@dataclass(frozen=True)
class Viewer:
    """The person behind a portal session and what they may see."""

    email: str
    name: str
    staff: bool
    client_id: int | None = None
    client_name: str | None = None
    authorized: bool = False  # a primary or backup contact: sees all of the client's tickets
    phone: str | None = None
    timezone: str = "UTC"  # the client's zone: every time shown to this viewer is in it


def normalized(address: str) -> str | None:
    """The address as the directory stores it, or None when it is not one."""
    try:
        return normalize_address(address.strip())
    except AddressError:
        return None


def is_staff(staff: StaffSettings, address: str) -> bool:
    """Listed staff address or an address in a staff domain."""
    return address in staff.addresses or domain_of(address) in staff.domains


def find_viewer(
    session: Session, staff: StaffSettings, address: str, now: datetime | None = None
) -> Viewer | None:
    """The viewer for an address, or None when it belongs to no client and is not staff.

    Whether a contact is authorised is read from the authorisation periods at ``now``, as
    the intake judges a sender: a temporary change starts and ends on its own dates, while
    the contact rows say only what was true when it was confirmed.
    """
    if is_staff(staff, address):
        return Viewer(email=address, name=address.partition("@")[0], staff=True)
    contact = session.scalar(select(Contact).where(Contact.email == address))
    if contact is not None and contact.client.active:
        at = now or utc_now()
        authorized = contact.id in periods_at(session, {contact.client_id}, at)
        if contact.active or authorized:
            return Viewer(
                email=address,
                name=contact.name,
                staff=False,
                client_id=contact.client_id,
                client_name=contact.client.name,
                authorized=authorized,
                phone=contact.phone,
                timezone=contact.client.timezone,
            )
    domain = session.scalar(select(ClientDomain).where(ClientDomain.domain == domain_of(address)))
    if domain is None or not domain.client.active:
        return None
    return Viewer(
        email=address,
        name=address.partition("@")[0],
        staff=False,
        client_id=domain.client_id,
        client_name=domain.client.name,
        timezone=domain.client.timezone,
    )
