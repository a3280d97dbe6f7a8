"""Who is who: contacts, client domains, staff and our own addresses, looked up in memory.

Built by ``contacts.repository`` from the database rows that mirror the config and the
contact-authorisation history and handed in, so every lookup inside the pure rules is a
dict access. ``as_of(received_at)`` gives the view the intake uses: who was authorised when
the message arrived, not now.
"""

from __future__ import annotations

import bisect
import dataclasses
from dataclasses import dataclass, field
from datetime import datetime

from zsupport_mail.contacts.periods import Period
from zsupport_mail.intake.types import ClientRef, ContactRef
from zsupport_mail.mail.addresses import domain_of, skeleton
from zsupport_mail.settings import AUTHORIZED_ROLES


@dataclass(frozen=True)
class Directory:
    """Everyone the intake knows by address, as plain dicts; ``as_of`` dates the roles."""

    contacts: dict[str, ContactRef]
    domains: dict[str, ClientRef]
    staff_addresses: frozenset[str]
    staff_domains: frozenset[str]
    own_addresses: frozenset[str]
    # Active contacts with their current role, and every authorisation period by address.
    people: dict[str, ContactRef] = field(default_factory=dict)
    periods: dict[str, tuple[Period, ...]] = field(default_factory=dict)
    # as_of's views by span between two period boundaries, and the sorted boundaries
    _views: dict[int, Directory] = field(default_factory=dict, init=False, compare=False)
    _bounds: list[datetime] = field(default_factory=list, init=False, compare=False)

    def as_of(self, at: datetime) -> Directory:
        """The directory as it was at the instant at: roles from the periods covering it.

        Someone known now but not authorised at that instant counts as an ``other`` contact
        (billable); someone whose authorisation ended and who is no longer listed is known
        only by domain, as before the history was kept. Periods are half-open, so the view is
        the same for every instant between two consecutive boundaries: it is built once per
        span, not once per message.
        """
        if not self._bounds:
            edges = {p.valid_from for ps in self.periods.values() for p in ps}
            edges |= {p.valid_until for ps in self.periods.values() for p in ps if p.valid_until}
            self._bounds.extend(sorted(edges))
        span = bisect.bisect_right(self._bounds, at)
        view = self._views.get(span)
        if view is None:
            view = self._views[span] = self._view_at(at)
        return view

    def _view_at(self, at: datetime) -> Directory:
        contacts = {
            email: dataclasses.replace(ref, role=_unauthorized(ref.role))
            for email, ref in self.people.items()
        }
        for email, periods in self.periods.items():
            period = next((p for p in periods if p.covers(at)), None)
            if period is not None:
                contacts[email] = ContactRef(
                    period.contact_id,
                    period.name,
                    email,
                    period.role,
                    ClientRef(period.client_id, period.client),
                    authorization=period.explain(),
                    phone=period.phone,
                )
        return dataclasses.replace(self, contacts=contacts)

    def contact(self, address: str) -> ContactRef | None:
        """The listed contact with exactly this address, with its role in this view."""
        return self.contacts.get(address)

    def client_for(self, address: str) -> ClientRef | None:
        """The client by contact first, then by the address's domain."""
        contact = self.contacts.get(address)
        if contact is not None:
            return contact.client
        return self.domains.get(domain_of(address))

    def is_staff(self, address: str) -> bool:
        """Whether the address is a listed staff address or in a staff domain."""
        return address in self.staff_addresses or domain_of(address) in self.staff_domains

    def is_own(self, address: str) -> bool:
        """Whether we send from this address, so mail from it is one of ours come back."""
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


def _unauthorized(role: str) -> str:
    return "other" if role in AUTHORIZED_ROLES else role
