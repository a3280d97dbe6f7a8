"""A client's business calendar: when the contract's "Business Hours" coverage window is open.

Every promise in the support contract is measured against the client's calendar, not the
server's: Monday to Friday 08:00-17:00 in the client's time zone, excluding public holidays.
This module answers "is this instant business time?" and "which instant is N business hours
after that one?" so that every due time can be explained to a lawyer and a client alike.

Two rules keep the answers exact:

* Arithmetic happens on instants in UTC. Local wall-clock time is used only to build each day's
  window (08:00 and 17:00 on that local date, each converted to UTC on its own). Adding a
  ``timedelta`` to an aware local ``datetime`` is wall-clock arithmetic in Python and is an hour
  off across a daylight-saving change; here that never happens.
* Windows are half-open: 08:00 is inside, 17:00 is outside, so a day has exactly 9 business hours
  and the instant a window closes belongs to nobody's business time.

The module is pure: no database, no wall clock. Callers pass instants (aware datetimes) in.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays as holiday_data

Window = tuple[datetime, datetime]
"""A half-open business window ``[opening, closing)`` as aware UTC instants."""

DailyHours = tuple[time, time]
"""Opening and closing wall-clock times of one weekday, opening inclusive, closing exclusive."""

WeeklyHours = tuple[DailyHours | None, ...]
"""Seven entries, Monday first; ``None`` is a closed day."""

STANDARD_DAY: DailyHours = (time(8), time(17))
DEFAULT_HOURS: WeeklyHours = (STANDARD_DAY,) * 5 + (None, None)
_ONE_DAY = timedelta(days=1)


def to_utc(instant: datetime) -> datetime:
    """The same instant expressed in UTC.

    Raises:
        ValueError: ``instant`` is naive; a naive time names no instant, so it cannot be measured.
    """
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"expected a timezone-aware instant, got naive {instant.isoformat()}")
    return instant.astimezone(UTC)


def split_holiday_code(code: str) -> tuple[str, str | None]:
    """Split ``"US-CO"`` into ``("US", "CO")`` and ``"US"`` into ``("US", None)``."""
    country, _, subdivision = code.partition("-")
    return country, subdivision or None


@functools.lru_cache(maxsize=512)
def public_holidays(code: str, year: int) -> frozenset[date]:
    """The public holidays (observed dates included) of a country or subdivision in one year.

    Observed dates matter: in the US an Independence Day on a Saturday is observed, and
    offices are closed, on the Friday before. The ``holidays`` package lists both dates.
    """
    country, subdivision = split_holiday_code(code)
    found = holiday_data.country_holidays(country, subdiv=subdivision, years=year, observed=True)
    return frozenset(found)


def _check_holiday_code(code: str) -> None:
    country, subdivision = split_holiday_code(code)
    try:
        holiday_data.country_holidays(country, subdiv=subdivision, years=())
    except NotImplementedError as exc:
        raise ValueError(f"unknown holiday calendar {code!r}: {exc}") from exc


def _check_hours(hours: WeeklyHours) -> None:
    if len(hours) != 7:
        raise ValueError(f"expected business hours for 7 weekdays, got {len(hours)}")
    for weekday, day in enumerate(hours):
        if day is not None and not day[0] < day[1]:
            raise ValueError(f"weekday {weekday}: opening {day[0]} must be before closing {day[1]}")
    if all(day is None for day in hours):
        raise ValueError("business hours must open on at least one weekday")


@dataclass(frozen=True)
class BusinessCalendar:
    """One client's business hours, time zone and holidays.

    Attributes:
        zone: The client's IANA time zone (where most of its users and DIDs are).
        hours: Opening and closing times per weekday, Monday first; ``None`` is closed.
        holiday_code: ``holidays`` package code such as ``"US"``, ``"US-CO"`` or ``"DE-BY"``.
        added: Extra closed dates for this client (a firm's own day off).
        removed: Public holidays this client works (a firm open on Columbus Day).
    """

    zone: ZoneInfo
    hours: WeeklyHours = DEFAULT_HOURS
    holiday_code: str | None = None
    added: frozenset[date] = field(default_factory=frozenset)
    removed: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        _check_hours(self.hours)
        if self.holiday_code is not None:
            _check_holiday_code(self.holiday_code)

    @classmethod
    def create(
        cls,
        timezone: str,
        holidays: str | None = None,
        *,
        hours: Mapping[int, DailyHours | None] | None = None,
        add: Iterable[date] = (),
        remove: Iterable[date] = (),
    ) -> BusinessCalendar:
        """Build a calendar from configuration values.

        Args:
            timezone: IANA zone name, e.g. ``"America/Denver"``.
            holidays: Holiday code (``"US"``, ``"US-CO"``, ``"DE-BY"``) or ``None`` for none.
            hours: Changes to the default Monday-Friday 08:00-17:00, by weekday number
                (0 = Monday): ``{5: (time(9), time(12))}`` opens Saturday mornings and
                ``{4: None}`` closes Fridays.
            add: Dates closed for this client on top of the public holidays.
            remove: Public holidays this client works.

        Raises:
            ValueError: Unknown holiday code or impossible business hours.
            zoneinfo.ZoneInfoNotFoundError: Unknown time zone.
        """
        week = list(DEFAULT_HOURS)
        for weekday, day in (hours or {}).items():
            week[weekday] = day
        return cls(ZoneInfo(timezone), tuple(week), holidays, frozenset(add), frozenset(remove))

    def local_date(self, instant: datetime) -> date:
        """The client's calendar date at ``instant``."""
        return to_utc(instant).astimezone(self.zone).date()

    def is_holiday(self, local_date: date) -> bool:
        """True when ``local_date`` is a public or client holiday that the client observes."""
        if local_date in self.removed:
            return False
        if local_date in self.added:
            return True
        return self.holiday_code is not None and local_date in public_holidays(
            self.holiday_code, local_date.year
        )

    def is_business_day(self, local_date: date) -> bool:
        """True when the desk is open at some time on ``local_date``."""
        return self.hours[local_date.weekday()] is not None and not self.is_holiday(local_date)

    def window(self, local_date: date) -> Window | None:
        """The business window of ``local_date`` as UTC instants, or ``None`` when closed.

        Opening and closing are each converted from local wall-clock time on their own, so the
        window is correct on the day a daylight-saving change happens. A wall-clock time that
        occurs twice (a DST fall-back) is read as its first occurrence (``fold=0``).
        """
        day = self.hours[local_date.weekday()]
        if day is None or self.is_holiday(local_date):
            return None
        opening, closing = (datetime.combine(local_date, t, tzinfo=self.zone) for t in day)
        return opening.astimezone(UTC), closing.astimezone(UTC)

    def windows(self, since: datetime) -> Iterator[Window]:
        """Business windows from ``since`` on, in order, the first clipped to begin at ``since``.

        The iterator is endless; callers stop when they have what they need. It always
        progresses because at least one weekday is open and holidays are finite.
        """
        since = to_utc(since)
        day = self.local_date(since)
        while True:
            window = self.window(day)
            day += _ONE_DAY
            if window is not None and window[1] > since:
                yield max(window[0], since), window[1]

    def is_business_time(self, instant: datetime) -> bool:
        """True when ``instant`` falls inside a business window (08:00 in, 17:00 out)."""
        window = self.window(self.local_date(instant))
        return window is not None and window[0] <= to_utc(instant) < window[1]

    def next_business_start(self, instant: datetime) -> datetime:
        """The first business instant at or after ``instant`` (``instant`` itself if inside)."""
        return next(self.windows(instant))[0]

    def add_business_time(self, start: datetime, duration: timedelta) -> datetime:
        """The instant at which ``duration`` of business time has passed since ``start``.

        A target that runs out exactly at closing is due at closing (17:00), not at the next
        opening. A zero duration returns ``start`` unchanged (in UTC).

        Returns:
            An aware UTC instant.

        Raises:
            ValueError: ``duration`` is negative or ``start`` is naive.
        """
        if duration < timedelta(0):
            raise ValueError(f"expected a non-negative duration, got {duration}")
        remaining = duration
        if not remaining:
            return to_utc(start)
        for opening, closing in self.windows(start):
            if remaining <= closing - opening:
                return opening + remaining
            remaining -= closing - opening
        raise AssertionError("windows() is endless")  # pragma: no cover

    def business_time_between(self, start: datetime, end: datetime) -> timedelta:
        """The business time in ``[start, end)``.

        Raises:
            ValueError: ``end`` is before ``start``, or either is naive.
        """
        start, end = to_utc(start), to_utc(end)
        if end < start:
            raise ValueError(f"end {end.isoformat()} is before start {start.isoformat()}")
        total = timedelta(0)
        for opening, closing in self.windows(start):
            if opening >= end:
                break
            total += min(closing, end) - opening
        return total

    def business_days_before(self, local_date: date, count: int) -> date:
        """The ``count``-th business day before ``local_date`` (``local_date`` itself excluded).

        With ``count=3`` and an outage on Thursday this is Monday: a notice sent by Monday's
        opening leaves Monday, Tuesday and Wednesday, three full business days.

        Raises:
            ValueError: ``count`` is below 1.
        """
        if count < 1:
            raise ValueError(f"expected at least 1 business day, got {count}")
        day, found = local_date, 0
        while found < count:
            day -= _ONE_DAY
            if self.is_business_day(day):
                found += 1
        return day
