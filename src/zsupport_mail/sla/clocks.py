"""SLA clocks: the contract's target times turned into due instants on a client's calendar.

The contract promises a response within 2 business hours of proper notification received in
business hours (12 business hours otherwise), and for critical services a restoration within
4 hours (12 hours outside business hours). It writes "Business Hours" for the response and plain
"Hours" for the restoration, so restoration runs on elapsed time unless a client's policy says
``business``. Time spent waiting on the client does not count against us, tickets the client
leaves unanswered for 48 business hours may be closed, and planned outages need three business
days' notice. This module states each of those definitions once, as a pure function of a
``BusinessCalendar``, a small frozen ``SlaPolicy`` and instants passed in: no database, no wall
clock, so the daemon, the reports and the tests all compute the same due times.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from zsupport_mail.sla.calendar import BusinessCalendar, to_utc

Interval = tuple[datetime, datetime]
"""A half-open span ``[start, end)`` of aware instants, e.g. a period the ticket was pending."""

_Between = Callable[[datetime, datetime], timedelta]
_Add = Callable[[datetime, timedelta], datetime]


class Measure(StrEnum):
    """How a target's hours are counted."""

    BUSINESS = "business"
    """Only time inside the client's business windows counts."""
    ELAPSED = "elapsed"
    """Every hour counts, nights, weekends and holidays included."""


@dataclass(frozen=True)
class SlaPolicy:
    """The contract's numbers, overridable per client.

    Attributes:
        response_inside: Response target when notified inside business hours.
        response_outside: Response target when notified outside business hours.
        restoration_inside: Restoration target (critical only) when notified inside hours.
        restoration_outside: Restoration target (critical only) when notified outside hours.
        restoration_measure: ``ELAPSED`` (the contract's plain "Hours") or ``BUSINESS``.
        reminder_after: Business time waiting on the client before a reminder is sent.
        auto_close_after: Business time waiting on the client before the ticket is closed.
        warning_fractions: Fractions of a target at which staff are warned, ascending.
        outage_notice_days: Business days of notice a planned outage needs.
    """

    response_inside: timedelta = timedelta(hours=2)
    response_outside: timedelta = timedelta(hours=12)
    restoration_inside: timedelta = timedelta(hours=4)
    restoration_outside: timedelta = timedelta(hours=12)
    restoration_measure: Measure = Measure.ELAPSED
    reminder_after: timedelta = timedelta(hours=24)
    auto_close_after: timedelta = timedelta(hours=48)
    warning_fractions: tuple[float, ...] = (0.75, 0.90)
    outage_notice_days: int = 3

    def __post_init__(self) -> None:
        targets = (self.response_inside, self.response_outside, self.restoration_inside)
        if min((*targets, self.restoration_outside, self.reminder_after)) <= timedelta(0):
            raise ValueError("SLA targets must be positive durations")
        if self.reminder_after >= self.auto_close_after:
            raise ValueError("the auto-close reminder must come before the auto-close")
        fractions = self.warning_fractions
        if any(not 0 < f < 1 for f in fractions) or list(fractions) != sorted(set(fractions)):
            raise ValueError(f"warning fractions must ascend strictly within (0, 1): {fractions}")
        if self.outage_notice_days < 1:
            raise ValueError("planned-outage notice must be at least 1 business day")


DEFAULT_POLICY = SlaPolicy()


@dataclass(frozen=True)
class Deadline:
    """One target as instants: when it is due and when staff are warned on the way.

    Attributes:
        start: When the clock started (proper notification), UTC.
        target: The promised duration, counted with ``measure``.
        measure: Whether ``target`` is business or elapsed time.
        due: The instant the target is reached; still unmet at ``due`` is a breach.
        warnings: The instants ``policy.warning_fractions`` of the target are used up.
    """

    start: datetime
    target: timedelta
    measure: Measure
    due: datetime
    warnings: tuple[datetime, ...]


@dataclass(frozen=True)
class AutoCloseSchedule:
    """When a ticket waiting on the client gets its reminder and when it is closed (UTC)."""

    reminder_at: datetime
    close_at: datetime


def _operations(calendar: BusinessCalendar, measure: Measure) -> tuple[_Between, _Add]:
    if measure is Measure.BUSINESS:
        return calendar.business_time_between, calendar.add_business_time
    return (lambda a, b: b - a), (lambda a, d: a + d)


def _paused(pending: Iterable[Interval], start: datetime) -> list[Interval]:
    """Pending intervals in UTC, clipped to begin at ``start``, sorted and merged."""
    spans = []
    for begin, end in pending:
        begin, end = to_utc(begin), to_utc(end)
        if end < begin:
            raise ValueError(f"pending interval ends before it begins: {begin} .. {end}")
        if end > start:
            spans.append((max(begin, start), end))
    merged: list[Interval] = []
    for begin, end in sorted(spans):
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((begin, end))
    return merged


def due_at(
    calendar: BusinessCalendar,
    start: datetime,
    target: timedelta,
    measure: Measure,
    pending: Iterable[Interval] = (),
) -> datetime:
    """The instant ``target`` of running time has passed since ``start``.

    The clock stops while the ticket is pending (waiting on the client), so each pending
    interval after ``start`` pushes the due time out by the time it would have counted.
    A ticket still pending has no fixed due time: pass ``now`` as the open interval's end
    and recompute as time moves.

    Returns:
        An aware UTC instant.
    """
    start = to_utc(start)
    between, add = _operations(calendar, measure)
    cursor, remaining = start, target
    for paused_from, paused_until in _paused(pending, start):
        running = between(cursor, paused_from)
        if running >= remaining:
            break
        remaining -= running
        cursor = paused_until
    return add(cursor, remaining)


def counted_time(
    calendar: BusinessCalendar,
    start: datetime,
    end: datetime,
    measure: Measure,
    pending: Iterable[Interval] = (),
) -> timedelta:
    """The running time in ``[start, end)`` that counts against a target (pending excluded)."""
    start, end = to_utc(start), to_utc(end)
    between, _ = _operations(calendar, measure)
    paused = sum(
        (between(a, min(b, end)) for a, b in _paused(pending, start) if a < end),
        timedelta(0),
    )
    return between(start, end) - paused


def deadline(
    calendar: BusinessCalendar,
    start: datetime,
    target: timedelta,
    measure: Measure,
    pending: Iterable[Interval] = (),
    warning_fractions: tuple[float, ...] = DEFAULT_POLICY.warning_fractions,
) -> Deadline:
    """A target's due instant and its warning instants (e.g. at 75% and 90% of the target)."""
    pending = tuple(pending)
    due = due_at(calendar, start, target, measure, pending)
    warnings = tuple(
        due_at(calendar, start, target * fraction, measure, pending)
        for fraction in warning_fractions
    )
    return Deadline(to_utc(start), target, measure, due, warnings)


def response_deadline(
    calendar: BusinessCalendar, start: datetime, policy: SlaPolicy = DEFAULT_POLICY
) -> Deadline:
    """Response due: 2 business hours after a start inside business hours, else 12.

    Args:
        calendar: The client's business calendar.
        start: Proper notification: when the complete request from an authorised contact
            was received by our system.
        policy: The client's SLA numbers.
    """
    inside = calendar.is_business_time(start)
    target = policy.response_inside if inside else policy.response_outside
    return deadline(calendar, start, target, Measure.BUSINESS, (), policy.warning_fractions)


def restoration_deadline(
    calendar: BusinessCalendar,
    start: datetime,
    pending: Iterable[Interval] = (),
    policy: SlaPolicy = DEFAULT_POLICY,
) -> Deadline:
    """Restoration due (critical tickets only): 4 hours after a start inside business hours,
    else 12 hours, counted as ``policy.restoration_measure`` with pending time added back.

    Args:
        calendar: The client's business calendar.
        start: Proper notification, as for the response.
        pending: Intervals the ticket spent waiting on the client.
        policy: The client's SLA numbers.
    """
    inside = calendar.is_business_time(start)
    target = policy.restoration_inside if inside else policy.restoration_outside
    measure = policy.restoration_measure
    return deadline(calendar, start, target, measure, pending, policy.warning_fractions)


def auto_close_schedule(
    calendar: BusinessCalendar, quiet_since: datetime, policy: SlaPolicy = DEFAULT_POLICY
) -> AutoCloseSchedule:
    """Reminder and close instants for a ticket waiting on the client.

    Args:
        calendar: The client's business calendar.
        quiet_since: When the countdown began: the later of the moment staff set the ticket
            pending and the client's last mail (any client mail restarts it).
        policy: The client's SLA numbers.
    """
    return AutoCloseSchedule(
        reminder_at=calendar.add_business_time(quiet_since, policy.reminder_after),
        close_at=calendar.add_business_time(quiet_since, policy.auto_close_after),
    )


def outage_notice_deadline(
    calendar: BusinessCalendar, outage_start: datetime, policy: SlaPolicy = DEFAULT_POLICY
) -> datetime:
    """The latest instant a planned-outage notice may be sent.

    That is the opening (08:00 by default) of the third business day before the outage's
    local date, so the client has three full business days between notice and outage.
    """
    outage_day = calendar.local_date(outage_start)
    notice_day = calendar.business_days_before(outage_day, policy.outage_notice_days)
    window = calendar.window(notice_day)
    if window is None:  # pragma: no cover - business_days_before returns business days
        raise AssertionError(f"{notice_day} is not a business day")
    return window[0]


def outage_notice_complies(
    calendar: BusinessCalendar,
    outage_start: datetime,
    sent_at: datetime,
    policy: SlaPolicy = DEFAULT_POLICY,
) -> bool:
    """True when a notice sent at ``sent_at`` gives the outage enough notice ("by 08:00")."""
    return to_utc(sent_at) <= outage_notice_deadline(calendar, outage_start, policy)
