"""``contacts import``: a client's written notice of its authorised contacts, as a CSV file.

Columns ``client, name, email, role`` (primary or backup) and optionally ``phone``. Every row is
validated before anything is written, and every problem is reported with its line number, so a
file is applied whole or not at all. For each client named in the file the file is the complete
authorised set: contacts no longer listed have their period ended, never deleted
(contacts/history.py).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zsupport_mail.contacts.history import cancel_later, periods_at, set_role
from zsupport_mail.db.models import Client, Contact
from zsupport_mail.mail.addresses import AddressError, normalize_address
from zsupport_mail.settings import AUTHORIZED_ROLES

REQUIRED_COLUMNS = ("client", "name", "email", "role")
OPTIONAL_COLUMNS = ("phone",)


class ImportInvalid(Exception):
    """The file cannot be applied; ``problems`` lists every reason with its line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class ImportRow:
    """One valid row of the file; ``line`` is kept so later problems can point at it."""

    line: int
    client: str
    name: str
    email: str
    role: str
    phone: str | None

    def as_json(self) -> dict[str, Any]:
        """The contact as the import report lists it (the client is the report's grouping)."""
        return {"name": self.name, "email": self.email, "role": self.role, "phone": self.phone}


@dataclass
class ClientChanges:
    """What an import does to one client's authorised set."""

    client: str
    added: list[dict[str, Any]] = field(default_factory=list)
    changed: list[dict[str, Any]] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)
    unchanged: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The client's part of ``contacts import --json``."""
        return {
            "client": self.client,
            "added": self.added,
            "changed": self.changed,
            "removed": self.removed,
            "unchanged": self.unchanged,
        }


def _check_header(fields: Sequence[str] | None) -> list[str]:
    if not fields:
        return ["line 1: empty file (expected a header: client,name,email,role[,phone])"]
    names = [f.strip().lower() for f in fields]
    problems = [f"line 1: missing column {c!r}" for c in REQUIRED_COLUMNS if c not in names]
    problems += [
        f"line 1: unknown column {name!r}"
        for name in names
        if name not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS
    ]
    return problems


def _read_row(
    line: int,
    raw: dict[str, str | None],
    known: Known,
    problems: list[str],
) -> ImportRow | None:
    values = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
    before = len(problems)
    for column in REQUIRED_COLUMNS:
        if not values.get(column):
            problems.append(f"line {line}: {column} is empty")
    client, role = values.get("client", ""), values.get("role", "").lower()
    if client and client not in known.clients:
        problems.append(f"line {line}: no client {client!r} (clients come from the config)")
    if role and role not in AUTHORIZED_ROLES:
        problems.append(f"line {line}: role {role!r}: expected primary or backup")
    email = ""
    if values.get("email"):
        try:
            email = normalize_address(values["email"])
        except AddressError as exc:
            problems.append(f"line {line}: {exc}")
    owner = known.owners.get(email)
    if owner and client and owner != client:
        problems.append(f"line {line}: {email} is a contact of {owner}, not {client}")
    if len(problems) > before:
        return None
    return ImportRow(line, client, values["name"], email, role, values.get("phone") or None)


def parse_csv(text: str, known: Known) -> list[ImportRow]:
    """Validate the whole file against the clients and contacts we know.

    Raises:
        ImportInvalid: with every problem found, each prefixed with its line number.
    """
    reader = csv.DictReader(io.StringIO(text))
    problems = _check_header(reader.fieldnames)
    if problems:
        raise ImportInvalid(problems)
    rows: list[ImportRow] = []
    first_line: dict[str, int] = {}
    try:
        for raw in reader:
            row = _read_row(reader.line_num, raw, known, problems)
            if row is None:
                continue
            if row.email in first_line:
                first = first_line[row.email]
                problems.append(f"line {row.line}: {row.email} is already listed on line {first}")
                continue
            first_line[row.email] = row.line
            rows.append(row)
    except csv.Error as exc:
        problems.append(f"line {reader.line_num}: not valid CSV: {exc}")
    if not rows and not problems:
        problems.append("no contacts in the file")
    if problems:
        raise ImportInvalid(problems)
    return rows


@dataclass(frozen=True)
class Known:
    """What rows are checked against: clients come from the config, and an address belongs
    to one client only."""

    clients: frozenset[str]
    owners: dict[str, str]  # contact address -> its client's name


def known(session: Session) -> Known:
    """The active clients and every contact address's owner, to check the file's rows against."""
    clients = session.scalars(select(Client.name).where(Client.active.is_(True)))
    owners = session.execute(select(Contact.email, Client.name).join(Client))
    return Known(frozenset(clients), {row.email: row.name for row in owners})


def apply_import(
    session: Session,
    rows: list[ImportRow],
    *,
    at: datetime,
    source: str,
    note: str | None,
) -> list[ClientChanges]:
    """Make each listed client's authorised set exactly the file's, from at on.

    The periods in force at ``at`` are the ones changed; a return to an earlier set that a
    temporary change scheduled after ``at`` is cancelled (contacts/temporary.py).

    The caller commits (or, for a dry run, rolls back): the diff is computed by doing it.
    """
    clients = {c.name: c for c in session.scalars(select(Client))}
    contacts = {c.email: c for c in session.scalars(select(Contact))}
    listed_ids = {clients[row.client].id for row in rows}
    cancel_later(session, listed_ids, at, source)
    current = periods_at(session, listed_ids, at)
    result: dict[str, ClientChanges] = {}
    for row in rows:
        client = clients[row.client]
        changes = result.setdefault(row.client, ClientChanges(row.client))
        contact = contacts.get(row.email) or Contact(email=row.email, bounces=0)
        period = current.get(contact.id) if contact.id is not None else None
        contact.client_id, contact.name, contact.phone = client.id, row.name, row.phone
        contact.role, contact.active = row.role, True
        session.add(contact)
        session.flush()
        done = set_role(
            session, contact, client.id, row.role, at=at, source=source, note=note, current=period
        )
        entry = row.as_json()
        if done == "changed" and period is not None:
            entry["from_role"] = period.role
        getattr(changes, done).append(entry)
    listed = {row.email for row in rows}
    by_id = {c.id: c for c in contacts.values()}
    names = {c.id: name for name, c in clients.items()}
    for contact_id, period in current.items():
        gone = by_id.get(contact_id)
        client_name = names.get(period.client_id, "")
        if gone is None or client_name not in result or gone.email in listed:
            continue
        set_role(session, gone, period.client_id, None, at=at, source=source, current=period)
        gone.role, gone.active = "other", False
        result[client_name].removed.append(
            {"name": gone.name, "email": gone.email, "role": period.role, "phone": gone.phone}
        )
    session.flush()
    return list(result.values())
