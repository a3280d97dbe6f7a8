"""sla due, sla report, credits: the contract's clocks as a client and billing read them."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from zsupport_mail.cli.common import CommandError, open_db, print_json
from zsupport_mail.db.models import Charge, Ticket
from zsupport_mail.handlers.clocks import calendar_for
from zsupport_mail.settings import ClientConfig, Settings
from zsupport_mail.settings.clock import utc_now
from zsupport_mail.sla import response_deadline, restoration_deadline
from zsupport_mail.sla.report import TicketClock, credits, monthly_report


def _client(settings: Settings, name: str) -> ClientConfig:
    client = next((c for c in settings.clients if c.name == name), None)
    if client is None:
        raise CommandError(f"no client {name!r} in {settings.source}")
    return client


def cmd_sla_due(settings: Settings, args: argparse.Namespace) -> int:
    """When a report received at ``--received`` must be answered (and restored, if critical)."""
    client = _client(settings, args.client)
    try:
        received = datetime.fromisoformat(args.received)
    except ValueError:
        raise CommandError(f"--received: expected ISO-8601, got {args.received!r}") from None
    zone = ZoneInfo(client.timezone)
    if received.tzinfo is None:
        received = received.replace(tzinfo=zone)  # a wall-clock time in the client's zone
    calendar = calendar_for(settings, client.name)
    policy = settings.sla.policy()
    response = response_deadline(calendar, received, policy)
    restoration = restoration_deadline(calendar, received, policy=policy) if args.critical else None
    print_json(
        {
            "client": client.name,
            "timezone": client.timezone,
            "received": received.astimezone(zone).isoformat(),
            "in_business_hours": calendar.is_business_time(received),
            "response_due": response.due.astimezone(zone).isoformat(),
            "restoration_due": restoration.due.astimezone(zone).isoformat()
            if restoration
            else None,
        }
    )
    return 0


def _clocks(session: Session, client: str | None) -> list[TicketClock]:
    requested = set(
        session.scalars(select(Charge.ticket_id).where(Charge.kind == "sla_credit_requested"))
    )
    query = select(Ticket).order_by(Ticket.id)
    rows = []
    for ticket in session.scalars(query):
        if client is not None and ticket.client.name != client:
            continue
        rows.append(
            TicketClock(
                number=ticket.number,
                client=ticket.client.name,
                monthly_fee=ticket.client.monthly_fee,
                created_at=ticket.created_at,
                started_at=ticket.sla_started_at,
                response_due_at=ticket.response_due_at,
                first_response_at=ticket.first_response_at,
                critical=ticket.critical,
                restoration_due_at=ticket.restoration_due_at,
                restored_at=ticket.restored_at,
                affected_portion=ticket.affected_portion or Decimal("1.0"),
                credit_requested=ticket.id in requested,
            )
        )
    return rows


def _month(value: str | None) -> str:
    month = value or utc_now().strftime("%Y-%m")
    try:
        datetime.strptime(month, "%Y-%m")
    except ValueError:
        raise CommandError(f"--month: expected YYYY-MM, got {month!r}") from None
    return month


def cmd_sla_report(settings: Settings, args: argparse.Namespace) -> int:
    """Per client for a month: responses and restorations met or missed, median response."""
    month = _month(args.month)
    with open_db(settings).begin() as session:
        rows = monthly_report(_clocks(session, None), month, utc_now())
    if args.json:
        print_json({"month": month, "clients": rows})
        return 0
    print(f"SLA {month}")
    for row in rows:
        print(
            f"  {row['client']}: {row['tickets']} tickets; responses "
            f"{row['responses_met']} met, {row['responses_missed']} missed; restorations "
            f"{row['restorations_met']} met, {row['restorations_missed']} missed; median "
            f"response {row['median_response_hours']} h"
        )
    return 0


def cmd_credits(settings: Settings, args: argparse.Namespace) -> int:
    """A client's restoration credits for a month: hours past due, amount, whether requested."""
    client = _client(settings, args.client)
    month = _month(args.month)
    with open_db(settings).begin() as session:
        found = credits(_clocks(session, client.name), month, utc_now())
    rows = [
        {
            **asdict(c),
            "due_at": c.due_at.isoformat(),
            "restored_at": c.restored_at.isoformat() if c.restored_at else None,
            "hours_past_due": f"{c.hours_past_due:.2f}",
            "amount": f"{c.amount:.2f}",
        }
        for c in found
    ]
    if args.json:
        print_json(
            {
                "client": client.name,
                "month": month,
                "credits": rows,
                "total": f"{sum((c.amount for c in found), Decimal(0)):.2f}",
            }
        )
        return 0
    for row in rows:
        mark = "requested" if row["requested"] else "not requested"
        print(
            f"{row['number']}: {row['hours_past_due']} h past due, credit {row['amount']} ({mark})"
        )
    return 0
