"""Shared vocabulary for the SLA tests: the client calendars, local-time helpers, the oracle.

Times in the tables are written the way a client reads them, "Fri 2026-03-06 16:00" in the
client's zone; `at` checks the weekday so a typo in a date cannot silently change an example.
The oracle is `businesstimedelta`, an independent implementation used only by the tests.
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, time, timedelta

import businesstimedelta
import holidays
import pytz

from zsupport_mail.sla import BusinessCalendar

CALENDARS = {
    "denver": BusinessCalendar.create("America/Denver", "US"),
    "colorado": BusinessCalendar.create("America/Denver", "US-CO"),
    "denver-works-columbus": BusinessCalendar.create(
        "America/Denver", "US", remove={date(2026, 10, 12)}
    ),
    "denver-off-xmas-eve": BusinessCalendar.create(
        "America/Denver", "US", add={date(2026, 12, 24)}
    ),
    "denver-saturdays": BusinessCalendar.create(
        "America/Denver", "US", hours={5: (time(9), time(12))}
    ),
    "munich": BusinessCalendar.create("Europe/Berlin", "DE-BY"),
}


def hours(value: float) -> timedelta:
    return timedelta(hours=value)


def at(calendar: str, text: str) -> datetime:
    """ "Fri 2026-03-06 16:00" (optionally "... MDT" to pick one side of a DST fall-back)."""
    weekday, day, clock, *abbreviation = text.split()
    zone = CALENDARS[calendar].zone
    naive = datetime.fromisoformat(f"{day} {clock}")
    candidates = [naive.replace(tzinfo=zone, fold=fold) for fold in (0, 1)]
    if abbreviation:
        candidates = [c for c in candidates if c.tzname() == abbreviation[0]]
    instant = candidates[0]
    assert instant.strftime("%a") == weekday, f"{day} is a {instant:%a}, not {weekday}"
    return instant.astimezone(UTC)


def show(calendar: str, instant: datetime) -> str:
    """An instant as the client reads it: "Mon 2026-03-09 09:00 MDT"."""
    assert instant.tzinfo is UTC, "the SLA functions return UTC instants"
    return instant.astimezone(CALENDARS[calendar].zone).strftime("%a %Y-%m-%d %H:%M %Z")


@functools.cache
def oracle(calendar: str) -> businesstimedelta.Rules:
    """The same calendar in businesstimedelta: pytz zone, holidays object with the edits."""
    cal = CALENDARS[calendar]
    zone = pytz.timezone(str(cal.zone))
    working = [day for day, window in enumerate(cal.hours) if window is not None]
    (opening, closing), *others = {window for window in cal.hours if window is not None}
    assert not others, "the oracle models one set of opening hours per calendar"
    country, _, subdiv = (cal.holiday_code or "").partition("-")
    days = holidays.country_holidays(country, subdiv=subdiv or None, years=range(2024, 2030))
    for removed in cal.removed:
        days.pop(removed)
    for added in cal.added:
        days[added] = "client holiday"
    return businesstimedelta.Rules(
        [
            businesstimedelta.WorkDayRule(opening, closing, working, tz=zone),
            businesstimedelta.HolidayRule(days, tz=zone),
        ]
    )


def oracle_between(rules: businesstimedelta.Rules, start: datetime, end: datetime) -> timedelta:
    result: timedelta = rules.difference(start, end).timedelta
    return result
