"""Billable time: ``#time``, ``#ntf`` and ``#third-party`` hours, with when and what they cost.

The contract bills overtime "at 1 1/2 times the normal hourly labor rates", and the time spent
on "No Trouble Found" or on a third party's fault. Overtime is judged by when the work was
done (``#time 2h 2026-11-26 19:00``, the client's local time), not by when the staff mail
arrived; without a time, the mail's arrival stands for it. The amount is hours x the client's
``hourly_rate`` (or ``billing.hourly_rate``) x 1.5 for overtime; without a rate, the hours are
recorded and the amount left for billing.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from zsupport_mail.db.models import Ticket
from zsupport_mail.handlers.charges import add_charge
from zsupport_mail.handlers.clocks import calendar_for
from zsupport_mail.handlers.commands import labour
from zsupport_mail.handlers.types import HandlerContext

OVERTIME_RATE = "1.5x"


def _when(ctx: HandlerContext, ticket: Ticket, given: str | None) -> datetime:
    """When the work was done: the given local time, or the staff mail's arrival."""
    if given is None:
        return ctx.inbound.received_at
    zone = ZoneInfo(ticket.client.timezone)
    if len(given) <= 5:  # HH:MM on the day the mail arrived, in the client's zone
        day = ctx.inbound.received_at.astimezone(zone).date().isoformat()
        given = f"{day} {given}"
    if len(given) == 10:  # a day without a time: noon, inside a business day if it is one
        given = f"{given} 12:00"
    return datetime.fromisoformat(given.replace("T", " ")).replace(tzinfo=zone)


def _rate(ctx: HandlerContext, ticket: Ticket) -> Decimal | None:
    client = next((c for c in ctx.settings.clients if c.name == ticket.client.name), None)
    if client is not None and client.hourly_rate is not None:
        return client.hourly_rate
    return ctx.settings.billing.hourly_rate


def record_time(ctx: HandlerContext, ticket: Ticket, kind: str, argument: str, staff: str) -> None:
    """A billable-time ledger entry: hours, overtime by when it was done, and its amount."""
    parsed = labour(argument) if argument else None
    hours, given = parsed if parsed is not None else (None, None)
    when = _when(ctx, ticket, given)
    calendar = calendar_for(ctx.settings, ticket.client.name)
    overtime = not calendar.is_business_time(when)
    rate = _rate(ctx, ticket)
    factor = ctx.settings.billing.overtime_factor if overtime else Decimal(1)
    amount = (hours * rate * factor).quantize(Decimal("0.01")) if hours and rate else None
    local = when.astimezone(ZoneInfo(ticket.client.timezone))
    reason = f"{argument or 'time'} by {staff}, done {local:%Y-%m-%d %H:%M %Z}"
    if overtime:
        kind = "labour_overtime" if kind == "labour" else kind
        reason += f", outside business hours: billed at {OVERTIME_RATE}"
    if rate is not None:
        reason += f" (rate {rate}/h)"
    add_charge(ctx, ticket, kind, reason, amount=amount, hours=hours)
