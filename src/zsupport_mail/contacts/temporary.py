"""A contact change for a period: "while Dana is on leave until 15 March, Lee is our primary".

The change is two imports in one transaction, both through contacts/importer.py so the checks
and the history are an import's: the notice's set from the start, and the set in force before
the notice again from the end. Authorisation periods are half-open and dated, so the intake
(which judges a mail by the periods covering its received time) sees the temporary set during
the period and the old set after it, without anyone doing anything on the day.

The ``contact`` rows (role, active) describe who is authorised now; they are set from the
periods that cover ``now`` once both imports are written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zsupport_mail.contacts.history import load_periods
from zsupport_mail.contacts.importer import ClientChanges, ImportRow, apply_import
from zsupport_mail.db.models import Contact

RESTORED = "restored after the temporary change"


@dataclass(frozen=True)
class Bounds:
    """The instants a temporary change holds between: [start, end)."""

    start: datetime
    end: datetime

    def as_json(self) -> dict[str, Any]:
        """The period as ``contacts import --json`` reports it."""
        return {"from": self.start.isoformat(), "until": self.end.isoformat()}


def set_before(session: Session, clients: set[str], at: datetime) -> list[ImportRow]:
    """The authorised set of each client at the instant at, as import rows."""
    rows: list[ImportRow] = []
    for client in sorted(clients):
        rows += [
            ImportRow(0, p.client, p.name, p.email, p.role, p.phone)
            for p in load_periods(session, client=client)
            if p.covers(at)
        ]
    return rows


def apply_for_period(
    session: Session,
    rows: list[ImportRow],
    bounds: Bounds,
    *,
    now: datetime,
    source: str,
    note: str | None,
) -> tuple[list[ClientChanges], list[ClientChanges]]:
    """Make the listed clients' set the rows' from bounds.start, and the old set from bounds.end.

    Returns:
        (the changes at the start, the changes at the end), as an import reports them.
    """
    before = set_before(session, {row.client for row in rows}, bounds.start)
    changes = apply_import(session, rows, at=bounds.start, source=source, note=note)
    restored = apply_import(
        session, before, at=bounds.end, source=f"{source}, {RESTORED}"[:400], note=note
    )
    _contacts_as_of(session, {row.email for row in rows + before}, now)
    session.flush()
    return changes, restored


def _contacts_as_of(session: Session, emails: set[str], now: datetime) -> None:
    """Set the touched contacts' role and active flag to what the periods say at now."""
    for contact in session.scalars(select(Contact).where(Contact.email.in_(emails))):
        period = next(
            (p for p in load_periods(session, email=contact.email) if p.covers(now)), None
        )
        if period is None:
            contact.role, contact.active = "other", False
        else:
            contact.role, contact.active = period.role, True
