"""Who was authorised when: the history of authorised contacts (table ``contact_authorization``).

The contract changes the authorised-contact list by written notice, and an old ticket must
still be explainable ("primary contact of Acme since 2026-03-01, import:contacts.csv by ops").
So authorisation is a set of periods: a change ends the open period and opens a new one, and
nothing is ever deleted.

Two writers keep the periods, and neither undoes the other:

- the config (``[[clients.contacts]]``, applied by ``sync_directory`` at start and on SIGHUP)
  owns the authorised set of every client that was never imported (source ``config``);
- ``contacts import`` (source ``import:FILE by USER``) takes a client over: from its first
  import on, only another import changes that client's primary and backup contacts. The
  config's primary/backup entries for such a client are ignored (``config_contacts_superseded``
  in the log), so a reload can never silently undo an import.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zsupport_mail.config import AUTHORIZED_ROLES
from zsupport_mail.db.models import Client, Contact, ContactAuthorization

__all__ = ["AUTHORIZED_ROLES", "Period", "authorization_at", "load_periods", "set_role"]
CONFIG_SOURCE = "config"
IMPORT_PREFIX = "import:"
# Config files carry no dates: a contact the config lists when we first see it was authorised
# before our record began. Later changes are dated when they are applied.
RECORD_START = datetime(1970, 1, 1, tzinfo=UTC)


def when(at: datetime) -> str:
    """An instant for people: ``2026-03-01 09:00 UTC``, or the start of the record."""
    if at <= RECORD_START:
        return "the start of the record"
    return f"{at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


@dataclass(frozen=True)
class Period:
    """One authorisation period, read-only, with the names it refers to."""

    contact_id: int
    name: str
    email: str
    phone: str | None
    client_id: int
    client: str
    role: str
    valid_from: datetime
    valid_until: datetime | None
    source: str
    ended_by: str | None
    note: str | None

    def covers(self, at: datetime) -> bool:
        """Whether the period includes the instant at (half-open: [from, until))."""
        return self.valid_from <= at and (self.valid_until is None or at < self.valid_until)

    def explain(self) -> str:
        """One line that says why someone was (or was not any more) authorised."""
        text = f"{self.role} contact of {self.client} since {when(self.valid_from)}, {self.source}"
        if self.note:
            text += f" ({self.note})"
        if self.valid_until is not None:
            text += f"; until {when(self.valid_until)}, {self.ended_by or 'ended'}"
        return text

    def as_json(self) -> dict[str, Any]:
        return {
            "client": self.client,
            "name": self.name,
            "email": self.email,
            "phone": self.phone,
            "role": self.role,
            "valid_from": None if self.valid_from <= RECORD_START else self.valid_from.isoformat(),
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "source": self.source,
            "ended_by": self.ended_by,
            "note": self.note,
        }


def load_periods(
    session: Session, *, client: str | None = None, email: str | None = None
) -> list[Period]:
    """Every period (optionally of one client or address), oldest first."""
    query = (
        select(ContactAuthorization, Contact, Client.name)
        .join(Contact, Contact.id == ContactAuthorization.contact_id)
        .join(Client, Client.id == ContactAuthorization.client_id)
        .order_by(Client.name, ContactAuthorization.valid_from, ContactAuthorization.id)
    )
    if client is not None:
        query = query.where(Client.name == client)
    if email is not None:
        query = query.where(Contact.email == email)
    return [
        Period(
            contact_id=contact.id,
            name=contact.name,
            email=contact.email,
            phone=contact.phone,
            client_id=row.client_id,
            client=client_name,
            role=row.role,
            valid_from=row.valid_from,
            valid_until=row.valid_until,
            source=row.source,
            ended_by=row.ended_by,
            note=row.note,
        )
        for row, contact, client_name in session.execute(query)
    ]


def history_version(session: Session) -> tuple[int, int]:
    """Changes whenever a period is opened or ended (rows are only ever added or ended).

    Cheap enough to read before every message, so a running serve sees an import at once.
    """
    total, ended = session.execute(
        select(func.count(), func.count(ContactAuthorization.valid_until))
    ).one()
    return int(total), int(ended)


def open_periods(session: Session) -> dict[int, ContactAuthorization]:
    """The open period of each contact that is authorised now, by contact id."""
    rows = session.scalars(
        select(ContactAuthorization).where(ContactAuthorization.valid_until.is_(None))
    )
    return {row.contact_id: row for row in rows}


def imported_client_ids(session: Session) -> set[int]:
    """Clients whose authorised set an import took over (the config no longer sets it)."""
    rows = session.scalars(
        select(ContactAuthorization.client_id)
        .where(ContactAuthorization.source.startswith(IMPORT_PREFIX))
        .distinct()
    )
    return set(rows)


def ever_authorized(session: Session) -> set[int]:
    """Contact ids that have any period at all."""
    return set(session.scalars(select(ContactAuthorization.contact_id).distinct()))


def set_role(
    session: Session,
    contact: Contact,
    client_id: int,
    role: str | None,
    *,
    at: datetime,
    source: str,
    note: str | None = None,
    current: ContactAuthorization | None = None,
    valid_from: datetime | None = None,
) -> str:
    """Make contact's authorisation role (None: not authorised) from at on.

    Returns:
        "unchanged", "added", "changed" or "removed".
    """
    if current is not None and current.role == role and current.client_id == client_id:
        return "unchanged"
    if current is not None:
        current.valid_until, current.ended_by = at, source
    if role is None:
        return "removed" if current is not None else "unchanged"
    session.add(
        ContactAuthorization(
            contact_id=contact.id,
            client_id=client_id,
            role=role,
            valid_from=valid_from or at,
            source=source,
            note=note,
        )
    )
    return "changed" if current is not None else "added"


def authorization_at(session: Session, email: str, at: datetime) -> dict[str, Any]:
    """Why email was or was not an authorised contact at the instant at (a JSON shape)."""
    periods = load_periods(session, email=email)
    covering = next((p for p in periods if p.covers(at)), None)
    view: dict[str, Any] = {"address": email, "at": at.isoformat(), "authorized": False}
    if covering is not None:
        return {**view, **covering.as_json(), "authorized": True, "explanation": covering.explain()}
    text = f"{email} was not an authorised contact at {when(at)}"
    if periods:
        nearest = min(periods, key=lambda p: abs((p.valid_from - at).total_seconds()))
        text += f"; {nearest.explain()}"
    return {**view, "explanation": text}
