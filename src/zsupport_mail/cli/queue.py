"""Working the queue from the command line: filters for tickets list, export, merge.

``tickets list`` narrows by client, assignee, text and activity date; ``tickets export`` writes
the same rows as JSON or CSV for a spreadsheet; ``tickets merge A B`` folds B (a client who
wrote twice about one problem) into A: B's messages, references and charges move to A, so later
replies to either thread land on A, and B is closed with a pointer to A.
"""

from __future__ import annotations

import argparse
import csv
import sys
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, or_, select, update

from zsupport_mail.cli.common import CommandError, open_db, print_json
from zsupport_mail.cli.views import ticket_summary
from zsupport_mail.db.models import Charge, Client, MessageReference, Ticket, TicketMessage
from zsupport_mail.db.repos import get_ticket
from zsupport_mail.settings import Settings

EXPORT_COLUMNS = (
    "number",
    "status",
    "client",
    "subject",
    "requester",
    "authorized",
    "assignee",
    "critical",
    "created_at",
    "updated_at",
)


def _since(value: str) -> datetime:
    try:
        instant = datetime.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--since: expected a date like 2026-11-24, got {value!r}") from exc
    return instant if instant.tzinfo else instant.replace(tzinfo=UTC)


def filtered(query: Select[Ticket], args: argparse.Namespace) -> Select[Ticket]:
    """Apply tickets list's filters (each optional) to a query over Ticket."""
    if getattr(args, "status", None):
        query = query.where(Ticket.status == args.status)
    if getattr(args, "client", None):
        query = query.join(Client, Client.id == Ticket.client_id).where(
            Client.name.ilike(args.client)
        )
    if getattr(args, "assignee", None):
        query = query.where(Ticket.assignee.ilike(args.assignee))
    if getattr(args, "since", None):
        query = query.where(Ticket.updated_at >= _since(args.since))
    if getattr(args, "search", None):
        pattern = f"%{args.search}%"
        in_thread = select(TicketMessage.ticket_id).where(TicketMessage.body_text.ilike(pattern))
        query = query.where(or_(Ticket.subject.ilike(pattern), Ticket.id.in_(in_thread)))
    return query


def ticket_rows(settings: Settings, args: argparse.Namespace) -> list[dict[str, Any]]:
    """tickets list's rows, filtered, in number order."""
    with open_db(settings).begin() as session:
        query = filtered(select(Ticket).order_by(Ticket.id), args)
        return [ticket_summary(t) for t in session.scalars(query)]


def cmd_tickets_export(settings: Settings, args: argparse.Namespace) -> int:
    """Every (filtered) ticket as a JSON array or CSV on stdout."""
    rows = ticket_rows(settings, args)
    if args.csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=EXPORT_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    else:
        print_json(rows)
    return 0


def cmd_tickets_merge(settings: Settings, args: argparse.Namespace) -> int:
    """Fold ticket B into ticket A (same client); B is closed and points to A."""
    with open_db(settings).begin() as session:
        keep, fold = get_ticket(session, args.into), get_ticket(session, args.other)
        if keep is None or fold is None:
            raise CommandError(f"no ticket {args.into if keep is None else args.other}")
        if keep.id == fold.id:
            raise CommandError("a ticket cannot be merged into itself")
        if keep.client_id != fold.client_id:
            raise CommandError(f"{fold.number} is another client's ticket than {keep.number}")
        moved = 0
        for model in (TicketMessage, MessageReference, Charge):
            result = session.execute(
                update(model).where(model.ticket_id == fold.id).values(ticket_id=keep.id)
            )
            moved += result.rowcount if model is TicketMessage else 0  # type: ignore[attr-defined]
        now = datetime.now(UTC)
        keep.critical = keep.critical or fold.critical
        fold.status, fold.closed_at, fold.linked_ticket_id = "closed", now, keep.id
        keep.updated_at = fold.updated_at = now
        summary = {"merged": fold.number, "into": keep.number, "messages_moved": moved}
    print_json(summary)
    return 0
