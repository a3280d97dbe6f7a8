"""Monthly SLA figures and restoration credits, from plain ticket records (pure).

The contract: "Client shall receive a credit, upon written request, for the prorated amount of
the monthly fee, for the affected portion of the system, for the period of time the Managed
Services had not been restored." So a credit is monthly fee x affected portion x hours past due
/ hours in the month, counting only the hours past due that fall inside that month.
"""

from __future__ import annotations

import calendar as month_calendar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from statistics import median


@dataclass(frozen=True)
class TicketClock:
    """What the report needs of one ticket."""

    number: str
    client: str
    monthly_fee: Decimal
    created_at: datetime
    started_at: datetime | None
    response_due_at: datetime | None
    first_response_at: datetime | None
    critical: bool
    restoration_due_at: datetime | None
    restored_at: datetime | None
    affected_portion: Decimal
    credit_requested: bool


@dataclass(frozen=True)
class Credit:
    """One missed restoration's credit for a month: the hours past due inside it, prorated."""

    number: str
    client: str
    due_at: datetime
    restored_at: datetime | None
    hours_past_due: Decimal
    amount: Decimal
    requested: bool


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """``"2026-11"`` -> (first instant, first instant of the next month), in UTC."""
    year, number = (int(part) for part in month.split("-"))
    start = datetime(year, number, 1, tzinfo=UTC)
    days = month_calendar.monthrange(year, number)[1]
    return start, start + timedelta(days=days)


def _hours(delta: timedelta) -> Decimal:
    return (Decimal(delta.total_seconds()) / 3600).quantize(Decimal("0.01"), ROUND_HALF_UP)


def credits(tickets: list[TicketClock], month: str, now: datetime) -> list[Credit]:
    """Every restoration missed within the month, with its hours past due and its credit."""
    start, end = month_bounds(month)
    month_hours = Decimal((end - start).total_seconds()) / 3600
    found = []
    for ticket in tickets:
        due = ticket.restoration_due_at
        if not ticket.critical or due is None:
            continue
        restored = ticket.restored_at or now
        past_start, past_end = max(due, start), min(restored, end)
        if past_end <= past_start:
            continue
        hours = _hours(past_end - past_start)
        amount = (ticket.monthly_fee * ticket.affected_portion * hours / month_hours).quantize(
            Decimal("0.01"), ROUND_HALF_UP
        )
        found.append(
            Credit(
                ticket.number,
                ticket.client,
                due,
                ticket.restored_at,
                hours,
                amount,
                ticket.credit_requested,
            )
        )
    return found


def _median_hours(deltas: list[timedelta]) -> float | None:
    return round(median(d.total_seconds() for d in deltas) / 3600, 2) if deltas else None


def monthly_report(
    tickets: list[TicketClock], month: str, now: datetime
) -> list[dict[str, object]]:
    """Per client: tickets opened in the month, responses and restorations met or missed."""
    start, end = month_bounds(month)
    rows: dict[str, dict[str, object]] = {}
    responses: dict[str, list[timedelta]] = {}
    restorations: dict[str, list[timedelta]] = {}
    for ticket in tickets:
        if not start <= ticket.created_at < end:
            continue
        row = rows.setdefault(
            ticket.client,
            {
                "client": ticket.client,
                "tickets": 0,
                "responses_met": 0,
                "responses_missed": 0,
                "restorations_met": 0,
                "restorations_missed": 0,
            },
        )
        row["tickets"] = int(row["tickets"]) + 1  # type: ignore[call-overload]
        _count(row, "responses", ticket.response_due_at, ticket.first_response_at, now)
        _count(
            row,
            "restorations",
            ticket.restoration_due_at if ticket.critical else None,
            ticket.restored_at,
            now,
        )
        if ticket.started_at and ticket.first_response_at:
            responses.setdefault(ticket.client, []).append(
                ticket.first_response_at - ticket.started_at
            )
        if ticket.started_at and ticket.critical and ticket.restored_at:
            restorations.setdefault(ticket.client, []).append(
                ticket.restored_at - ticket.started_at
            )
    for client, row in rows.items():
        row["median_response_hours"] = _median_hours(responses.get(client, []))
        row["median_restoration_hours"] = _median_hours(restorations.get(client, []))
    return sorted(rows.values(), key=lambda r: str(r["client"]))


def _count(
    row: dict[str, object], kind: str, due: datetime | None, done: datetime | None, now: datetime
) -> None:
    """Met when done by the due time; missed when done late or still open past it."""
    if due is None:
        return
    if done is not None and done <= due:
        row[f"{kind}_met"] = int(row[f"{kind}_met"]) + 1  # type: ignore[call-overload]
    elif (done or now) > due:
        row[f"{kind}_missed"] = int(row[f"{kind}_missed"]) + 1  # type: ignore[call-overload]
