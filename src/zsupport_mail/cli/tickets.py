"""Commands on tickets and the ledger: tickets list/show, charges list/export/waive/confirm."""

from __future__ import annotations

import argparse
import csv
import sys
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zsupport_mail.cli.common import CommandError, open_db, print_columns, print_json
from zsupport_mail.cli.queue import ticket_rows
from zsupport_mail.cli.views import (
    charge_view,
    ticket_detail,
)
from zsupport_mail.db.models import Charge
from zsupport_mail.db.repos import get_ticket
from zsupport_mail.settings import Settings


def cmd_tickets_list(settings: Settings, args: argparse.Namespace) -> int:
    """Every ticket in number order, filtered by status, client, assignee, text or date."""
    rows = ticket_rows(settings, args)
    if args.json:
        print_json(rows)
    else:
        print_columns(
            ("TICKET", "STATUS", "CLIENT", "SUBJECT"),
            ((r["number"], r["status"], r["client"], r["subject"]) for r in rows),
        )
    return 0


def cmd_tickets_show(settings: Settings, args: argparse.Namespace) -> int:
    """One ticket with its thread, charges and why its requester was (not) authorised."""
    with open_db(settings).begin() as session:
        ticket = get_ticket(session, args.number)
        if ticket is None:
            raise CommandError(f"no ticket {args.number}")
        detail = ticket_detail(ticket)
    if args.json:
        print_json(detail)
        return 0
    print(
        f"{detail['number']}  {detail['subject']}\n  client: {detail['client']}  "
        f"status: {detail['status']}  authorized: {detail['authorized']}"
    )
    if detail["authorization"]:
        print(f"  authorisation: {detail['authorization']['explanation']}")
    for message in detail["messages"]:
        mark = " [internal]" if message["internal"] else ""
        print(f"\n--- {message['created_at']} {message['direction']}{mark} from {message['from']}")
        print(f"    {message['subject']}\n")
        print("    " + message["text"].strip().replace("\n", "\n    "))
    for charge in detail["charges"]:
        amount = charge["amount"] or "hourly"
        print(f"\n  charge: {charge['kind']} {amount} ({charge['state']}): {charge['reason']}")
    return 0


def _charges(session: Session, state: str | None) -> list[dict[str, Any]]:
    query = select(Charge).order_by(Charge.id)
    if state:
        query = query.where(Charge.state == state)
    return [charge_view(c) for c in session.scalars(query)]


def cmd_charges_list(settings: Settings, args: argparse.Namespace) -> int:
    """The ledger, optionally only pending, waived or billed entries."""
    with open_db(settings).begin() as session:
        rows = _charges(session, args.state)
    if args.json:
        print_json(rows)
    else:
        print_columns(
            ("ID", "TICKET", "STATE", "AMOUNT", "CHARGE"),
            (
                (
                    r["id"],
                    r["ticket"],
                    r["state"],
                    r["amount"] or "hourly",
                    f"{r['kind']}: {r['reason']}",
                )
                for r in rows
            ),
        )
    return 0


def cmd_charges_export(settings: Settings, args: argparse.Namespace) -> int:
    """The ledger as CSV on stdout, for billing to import."""
    with open_db(settings).begin() as session:
        rows = _charges(session, args.state)
    columns = ["id", "ticket", "client", "kind", "amount", "state", "reason", "created_at"]
    writer = csv.DictWriter(sys.stdout, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return 0


def _change_state(
    settings: Settings, charge_id: int, allowed: tuple[str, ...], new: str, note: str
) -> int:
    """Move one charge from an allowed state to new, keeping why in the ledger."""
    with open_db(settings).begin() as session:
        charge = session.get(Charge, charge_id)
        if charge is None:
            raise CommandError(f"no charge {charge_id}")
        if charge.state not in allowed:
            raise CommandError(f"charge {charge_id} is {charge.state}, not {' or '.join(allowed)}")
        charge.state = new
        charge.reason += f" | {note}"
        view = charge_view(charge)
    print_json(view)
    return 0


def cmd_charges_waive(settings: Settings, args: argparse.Namespace) -> int:
    """Waive a pending or unconfirmed charge, keeping the reason; any other state is refused."""
    return _change_state(
        settings, args.id, ("pending", "unconfirmed"), "waived", f"waived: {args.reason}"
    )


def cmd_charges_confirm(settings: Settings, args: argparse.Namespace) -> int:
    """Confirm a charge held because its sender was not proven: it becomes pending."""
    return _change_state(
        settings, args.id, ("unconfirmed",), "pending", f"confirmed: {args.reason}"
    )
