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

from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from zsupport_mail.db.models import Client, Contact, ContactAuthorization
from zsupport_mail.settings import AUTHORIZED_ROLES

__all__ = ["AUTHORIZED_ROLES", "Period", "authorization_at", "load_periods", "set_role"]
from zsupport_mail.contacts.periods import IMPORT_PREFIX, Period, when


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


def periods_at(
    session: Session, client_ids: set[int], at: datetime
) -> dict[int, ContactAuthorization]:
    """The period covering the instant at (or open then) of each contact of these clients.

    An import at a later instant than now (the start or end of a temporary change) changes
    the periods in force then, not the ones open now.
    """
    rows = session.scalars(
        select(ContactAuthorization)
        .where(ContactAuthorization.client_id.in_(client_ids))
        .where(ContactAuthorization.valid_from <= at)
        .where(
            or_(ContactAuthorization.valid_until.is_(None), ContactAuthorization.valid_until > at)
        )
    )
    return {row.contact_id: row for row in rows}


def cancel_later(session: Session, client_ids: set[int], at: datetime, source: str) -> None:
    """End, before they begin, these clients' periods that start after at.

    A temporary change writes the set that comes back at its end ahead of time; an import that
    changes the set before then replaces it, so that return is cancelled (never deleted: the
    period is left empty, ``valid_until`` = ``valid_from``, with ``ended_by`` the import).
    """
    rows = session.scalars(
        select(ContactAuthorization)
        .where(ContactAuthorization.client_id.in_(client_ids))
        .where(ContactAuthorization.valid_from > at)
    )
    for row in rows:
        if row.valid_until is None or row.valid_until > row.valid_from:
            row.valid_until, row.ended_by = row.valid_from, source


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
