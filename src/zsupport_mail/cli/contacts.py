"""``contacts import FILE.csv`` and ``contacts list``: the authorised contacts and their history.

An import is checked whole first (exit 2 and every problem with its line number, nothing
changed), then applied in one transaction; ``--dry-run`` computes the same diff and rolls it
back. A running serve sees the change at its next message (it re-reads the history when it
changed), so no reload is needed.

``--ticket NUMBER`` confirms a client's written notice that the intake read as a
``contact_change``: the import is applied with the same rules and history, its note names the
ticket, and the ticket gets an internal note of what changed and is closed. Without FILE the
notice itself is read (contacts/notice.py: who becomes primary or backup, who is removed, as the
staff copy showed it) and turned into the client's new set, checked as a CSV would be; what
cannot be read (a new person without an address) stops it with exit 2, and staff write FILE.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zsupport_mail.cli.common import CommandError, open_db, print_json
from zsupport_mail.contacts.confirm import (
    MARKS,
    apply_rows,
    confirm_on_ticket,
    not_a_contact_change,
    read_ticket_notice,
)
from zsupport_mail.contacts.history import load_periods
from zsupport_mail.contacts.importer import (
    ClientChanges,
    ImportInvalid,
    ImportRow,
    known,
    parse_csv,
)
from zsupport_mail.contacts.periods import IMPORT_PREFIX
from zsupport_mail.contacts.temporary import Bounds
from zsupport_mail.db.models import Client, Ticket
from zsupport_mail.db.repos import get_ticket, sync_directory
from zsupport_mail.intake.notice_period import NoticePeriod
from zsupport_mail.settings import Settings
from zsupport_mail.settings.clock import utc_now

EXIT_INVALID = 2


def _operator() -> str:
    """Who ran the import: the sudo caller if any, else the login name."""
    return os.environ.get("SUDO_USER") or getpass.getuser()


def _print_changes(changes: list[ClientChanges]) -> None:
    for client in changes:
        print(f"{client.client}:")
        for kind, mark in MARKS:
            for entry in getattr(client, kind):
                was = f" (was {entry['from_role']})" if "from_role" in entry else ""
                print(f"  {mark} {entry['name']} <{entry['email']}> {entry['role']}{was}")
        if client.unchanged:
            print(f"  = {len(client.unchanged)} unchanged")


def _file_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")  # Excel writes a BOM
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"cannot read {path}: {exc}") from None


def cmd_contacts_import(settings: Settings, args: argparse.Namespace) -> int:
    """Replace the authorised contacts from a CSV (or a ticket's notice): all rows valid or
    nothing changes (exit 2)."""
    if args.file is None and not args.ticket:
        raise CommandError("give FILE.csv, or --ticket NUMBER to apply that ticket's notice")
    path = Path(args.file) if args.file else None
    text = _file_text(path) if path else ""
    sessions = open_db(settings)
    now = utc_now()
    name = path.name if path else f"notice on {args.ticket.upper()}"
    source = f"{IMPORT_PREFIX}{name[:200]} by {_operator()[:100]}"  # fits the column
    session = sessions()
    read: list[str] = []
    bounds: Bounds | None = None
    try:
        sync_directory(session, settings, now)  # the config's clients exist before we look
        ticket = _notice_ticket(session, args.ticket) if args.ticket else None
        if ticket is not None and path is None:
            notice = read_ticket_notice(session, ticket, now)
            text, read, bounds = notice.csv_text, notice.lines, notice.bounds
        rows = parse_csv(text, known(session))
        if args.from_day or args.until:
            bounds = _bounds(session, args, rows, ticket, now)
        note = args.note or (f"written notice on ticket {ticket.number}" if ticket else None)
        changes, restored = apply_rows(session, rows, bounds, now=now, source=source, note=note)
        if ticket is not None:
            confirm_on_ticket(
                session,
                ticket,
                changes,
                source=source,
                by=_operator(),
                now=now,
                bounds=bounds,
                restored=restored,
            )
        if args.dry_run:
            session.rollback()
        else:
            session.commit()
    except ImportInvalid as exc:
        session.rollback()
        for problem in exc.problems:
            print(f"{path or 'notice'}: {problem}", file=sys.stderr)
        print("nothing was changed" + ("" if path else "; write FILE.csv instead"), file=sys.stderr)
        return EXIT_INVALID
    finally:
        session.close()
    report = {
        "file": str(path) if path else None,
        "source": source,
        "at": now.isoformat(),
        "dry_run": args.dry_run,
        "ticket": args.ticket.upper() if args.ticket else None,
        "read_from_notice": read,
        "clients": [c.as_json() for c in changes],
        "period": bounds.as_json() if bounds else None,
        "restored": [c.as_json() for c in restored],
    }
    if args.json:
        print_json(report)
    else:
        for line in read:
            print(f"read from the notice: {line}")
        if bounds is not None:
            print(f"from {bounds.start.isoformat()}:")
        _print_changes(changes)
        if bounds is not None:
            print(f"the set before it again from {bounds.end.isoformat()}:")
            _print_changes(restored)
        print("dry run: nothing changed" if args.dry_run else f"applied as {source}")
    return 0


def _day(value: str, flag: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{flag}: expected a date YYYY-MM-DD, got {value!r}") from None


def _bounds(
    session: Session,
    args: argparse.Namespace,
    rows: list[ImportRow],
    ticket: Ticket | None,
    now: datetime,
) -> Bounds:
    """``--from``/``--until`` as instants in the client's zone (the ticket's, else the file's).

    Raises:
        CommandError: no --until, a bad date, an end before the start, or clients in two zones.
    """
    if not args.until:
        raise CommandError(
            "--from needs --until (a change from a day on for good is a plain import)"
        )
    clients = {row.client for row in rows}
    zones = {c.timezone for c in session.scalars(select(Client).where(Client.name.in_(clients)))}
    if ticket is not None:
        zones = {ticket.client.timezone}
    if len(zones) != 1:
        raise CommandError("--from/--until: the file's clients are in different time zones")
    start = _day(args.from_day, "--from") if args.from_day else None
    period = NoticePeriod(start, _day(args.until, "--until"), "")
    begin, end = period.bounds(zones.pop(), now)
    if end <= begin:
        raise CommandError(f"--until {args.until}: the period would already be over")
    return Bounds(begin, end)


def _notice_ticket(session: Session, number: str) -> Ticket:
    """The ticket holding the client's written notice; refused unless it is a contact change."""
    ticket = get_ticket(session, number)
    if ticket is None:
        raise CommandError(f"no ticket {number}")
    why = not_a_contact_change(ticket)
    if why is not None:
        raise CommandError(why)
    return ticket


def _instant(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--at: expected ISO-8601, got {value!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def cmd_contacts_list(settings: Settings, args: argparse.Namespace) -> int:
    """Who is an authorised contact now, at ``--at``, or ever (``--history``), and why."""
    at = _instant(args.at) if args.at else utc_now()
    with open_db(settings).begin() as session:
        sync_directory(session, settings)  # the config's contacts, as every command sees them
        periods = load_periods(session, client=args.client)
    if not args.history:
        periods = [p for p in periods if p.covers(at)]
    rows: list[dict[str, Any]] = [{**p.as_json(), "explanation": p.explain()} for p in periods]
    if args.json:
        print_json(rows)
        return 0
    for row, period in zip(rows, periods, strict=True):
        until = f" until {row['valid_until']}" if row["valid_until"] else ""
        print(
            f"{period.client[:20]:<20} {period.role:<7} {period.name} <{period.email}>"
            f"  since {row['valid_from'] or 'the start of the record'}{until}  [{period.source}]"
        )
    if not rows:
        print("no authorised contacts" + ("" if args.history else f" at {at.isoformat()}"))
    return 0
