"""Business calendars: worked examples a client can check by hand, then a property test
against businesstimedelta as an independent oracle.

Every calendar is named in tests/unit/sla_cases.py: "denver" is America/Denver with US federal
holidays, "colorado" the same zone with Colorado's (US-CO), "munich" Europe/Berlin with
Bavaria's (DE-BY). 2026-03-08 and 2026-11-01 are the Sundays DST starts and ends in Denver;
2026-03-29 and 2026-10-25 in Munich.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.sla_cases import CALENDARS, at, hours, oracle, oracle_between, show
from zsupport_mail.sla import BusinessCalendar

# fmt: off
# calendar, start (client local), business time to add, due (client local), why
ADD_BUSINESS_TIME = [
    ("denver", "Fri 2026-03-06 16:00", hours(2), "Mon 2026-03-09 09:00 MDT",
     "friday-afternoon: 1h Friday, weekend and DST start skipped, 1h Monday"),
    ("denver", "Fri 2026-03-06 15:00", hours(2), "Fri 2026-03-06 17:00 MST",
     "friday-15:00: due exactly at closing, not Monday 08:00"),
    ("denver", "Fri 2026-03-06 17:00", hours(12), "Tue 2026-03-10 11:00 MDT",
     "friday-17:00-plus-12h: Monday's 9h then 3h Tuesday, DST in between"),
    ("denver", "Sat 2026-03-07 10:00", hours(12), "Tue 2026-03-10 11:00 MDT",
     "saturday: the clock waits for Monday 08:00"),
    ("denver", "Tue 2026-03-10 07:59", hours(2), "Tue 2026-03-10 10:00 MDT",
     "07:59-before-opening: counting starts at 08:00"),
    ("denver", "Tue 2026-03-10 08:00", hours(2), "Tue 2026-03-10 10:00 MDT",
     "exactly-08:00: inside, counting starts at once"),
    ("denver", "Tue 2026-03-10 17:00", hours(2), "Wed 2026-03-11 10:00 MDT",
     "exactly-17:00: outside, counting starts Wednesday 08:00"),
    ("denver", "Fri 2026-10-30 16:00", hours(2), "Mon 2026-11-02 09:00 MST",
     "dst-ends-weekend: Monday window is still 08:00-17:00 local"),
    ("denver", "Wed 2026-11-25 16:00", hours(2), "Fri 2026-11-27 09:00 MST",
     "thanksgiving-eve: Thursday is a holiday, the Friday after is not"),
    ("denver", "Thu 2026-07-02 16:00", hours(2), "Mon 2026-07-06 09:00 MDT",
     "independence-day-observed: Saturday July 4 is observed Friday July 3"),
    ("denver", "Fri 2026-10-09 16:00", hours(2), "Tue 2026-10-13 09:00 MDT",
     "columbus-day: a federal holiday under US"),
    ("denver-works-columbus", "Fri 2026-10-09 16:00", hours(2), "Mon 2026-10-12 09:00 MDT",
     "columbus-day-removed: this client works on Columbus Day"),
    ("colorado", "Fri 2026-10-02 16:00", hours(2), "Tue 2026-10-06 09:00 MDT",
     "colorado-cabrini-day: US-CO closes Monday October 5"),
    ("colorado", "Fri 2026-10-09 16:00", hours(2), "Mon 2026-10-12 09:00 MDT",
     "colorado-columbus-day: not a Colorado state holiday"),
    ("denver-off-xmas-eve", "Wed 2026-12-23 16:00", hours(2), "Mon 2026-12-28 09:00 MST",
     "added-holiday: client closed Dec 24, Dec 25 is Christmas"),
    ("munich", "Wed 2026-06-03 16:30", hours(2), "Fri 2026-06-05 09:30 CEST",
     "munich-corpus-christi: a Bavarian holiday on Thursday"),
    ("munich", "Fri 2026-03-27 16:00", hours(2), "Mon 2026-03-30 09:00 CEST",
     "munich-dst-starts: Europe changes a fortnight after the US"),
    ("denver-saturdays", "Fri 2026-03-06 16:00", hours(2), "Sat 2026-03-07 10:00 MST",
     "saturday-hours: this client is open 09:00-12:00 on Saturdays"),
    ("denver", "Mon 2026-03-09 20:30", hours(2), "Tue 2026-03-10 10:00 MDT",
     "evening: already Tuesday in UTC, still Monday in Denver"),
]
# fmt: on


@pytest.mark.parametrize(
    ("calendar", "start", "duration", "due"),
    [pytest.param(*row[:4], id=row[4]) for row in ADD_BUSINESS_TIME],
)
def test_add_business_time(calendar, start, duration, due):
    result = CALENDARS[calendar].add_business_time(at(calendar, start), duration)
    assert show(calendar, result) == due
    assert CALENDARS[calendar].business_time_between(at(calendar, start), result) == duration


IS_BUSINESS_TIME = [
    ("denver", "Tue 2026-03-10 07:59", False, "07:59-before-opening"),
    ("denver", "Tue 2026-03-10 08:00", True, "08:00-opening-is-inside"),
    ("denver", "Tue 2026-03-10 16:59", True, "16:59-last-minute"),
    ("denver", "Tue 2026-03-10 17:00", False, "17:00-closing-is-outside"),
    ("denver", "Sat 2026-03-07 12:00", False, "saturday-noon"),
    ("denver", "Thu 2026-11-26 12:00", False, "thanksgiving-noon"),
    ("denver", "Wed 2026-11-25 12:00", True, "thanksgiving-eve-noon"),
    ("denver", "Fri 2026-07-03 12:00", False, "independence-day-observed-friday"),
    ("denver", "Mon 2026-10-12 12:00", False, "columbus-day-under-US"),
    ("denver-works-columbus", "Mon 2026-10-12 12:00", True, "columbus-day-removed"),
    ("denver-off-xmas-eve", "Thu 2026-12-24 12:00", False, "added-holiday"),
    ("munich", "Thu 2026-06-04 12:00", False, "munich-corpus-christi"),
    ("munich", "Fri 2026-06-05 08:00", True, "munich-friday-after-opening"),
    ("denver", "Mon 2026-03-09 08:00", True, "first-opening-after-dst-starts"),
    ("denver", "Mon 2026-11-02 16:59", True, "first-day-after-dst-ends"),
]


@pytest.mark.parametrize(
    ("calendar", "instant", "inside"),
    [pytest.param(*row[:3], id=row[3]) for row in IS_BUSINESS_TIME],
)
def test_is_business_time(calendar, instant, inside):
    assert CALENDARS[calendar].is_business_time(at(calendar, instant)) is inside


# fmt: off
BETWEEN = [
    ("denver", "Fri 2026-03-06 00:00", "Fri 2026-03-13 00:00", hours(45),
     "dst-week: five 9h days, none stretched or shrunk by DST"),
    ("denver", "Mon 2026-11-23 00:00", "Mon 2026-11-30 00:00", hours(36),
     "thanksgiving-week: four business days"),
    ("denver", "Fri 2026-03-06 16:30", "Mon 2026-03-09 08:30", hours(1),
     "over-a-weekend: 30 min Friday, 30 min Monday"),
    ("munich", "Mon 2026-10-19 00:00", "Mon 2026-10-26 00:00", hours(45),
     "munich-dst-ends-week"),
    ("denver", "Sat 2026-03-07 09:00", "Sun 2026-03-08 17:00", hours(0),
     "weekend-only"),
]
# fmt: on


@pytest.mark.parametrize(
    ("calendar", "start", "end", "expected"),
    [pytest.param(*row[:4], id=row[4]) for row in BETWEEN],
)
def test_business_time_between(calendar, start, end, expected):
    assert CALENDARS[calendar].business_time_between(at(calendar, start), at(calendar, end)) == (
        expected
    )


NEXT_START = [
    ("denver", "Fri 2026-03-06 17:00", "Mon 2026-03-09 08:00 MDT", "friday-closing-to-monday"),
    ("denver", "Tue 2026-03-10 10:00", "Tue 2026-03-10 10:00 MDT", "inside-is-itself"),
    ("denver", "Wed 2026-11-25 17:00", "Fri 2026-11-27 08:00 MST", "over-thanksgiving"),
    ("denver", "Tue 2026-03-10 07:59", "Tue 2026-03-10 08:00 MDT", "before-opening"),
]


@pytest.mark.parametrize(
    ("calendar", "instant", "expected"),
    [pytest.param(*row[:3], id=row[3]) for row in NEXT_START],
)
def test_next_business_start(calendar, instant, expected):
    assert show(calendar, CALENDARS[calendar].next_business_start(at(calendar, instant))) == (
        expected
    )


DAYS_BEFORE = [
    ("denver", date(2026, 3, 12), 3, date(2026, 3, 9), "thursday-to-monday"),
    ("denver", date(2026, 11, 30), 3, date(2026, 11, 24), "skips-thanksgiving"),
    ("denver", date(2026, 7, 7), 3, date(2026, 7, 1), "skips-observed-july-3"),
    ("denver", date(2026, 3, 14), 3, date(2026, 3, 11), "saturday-outage"),
    ("munich", date(2026, 6, 8), 3, date(2026, 6, 2), "skips-corpus-christi"),
    ("denver", date(2026, 3, 10), 1, date(2026, 3, 9), "one-day"),
]


@pytest.mark.parametrize(
    ("calendar", "local_date", "count", "expected"),
    [pytest.param(*row[:4], id=row[4]) for row in DAYS_BEFORE],
)
def test_business_days_before(calendar, local_date, count, expected):
    assert CALENDARS[calendar].business_days_before(local_date, count) == expected


def test_windows_are_built_from_local_wall_clock_on_dst_days():
    denver = CALENDARS["denver"]
    # 08:00-17:00 MST is 15:00-00:00 UTC; after the change, 08:00-17:00 MDT is 14:00-23:00 UTC.
    assert denver.window(date(2026, 3, 6)) == (
        datetime(2026, 3, 6, 15, tzinfo=UTC),
        datetime(2026, 3, 7, 0, tzinfo=UTC),
    )
    assert denver.window(date(2026, 3, 9)) == (
        datetime(2026, 3, 9, 14, tzinfo=UTC),
        datetime(2026, 3, 9, 23, tzinfo=UTC),
    )
    assert denver.window(date(2026, 3, 8)) is None


def test_results_are_utc_whatever_zone_the_input_uses():
    denver = CALENDARS["denver"]
    start = at("denver", "Tue 2026-03-10 10:00").astimezone(CALENDARS["munich"].zone)
    assert denver.add_business_time(start, hours(1)).tzinfo is UTC
    assert denver.add_business_time(start, timedelta(0)) == start
    assert denver.next_business_start(start).tzinfo is UTC


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda c: c.is_business_time(datetime(2026, 3, 10, 10)), id="naive"),
        pytest.param(
            lambda c: c.add_business_time(at("denver", "Tue 2026-03-10 10:00"), hours(-1)),
            id="negative-duration",
        ),
        pytest.param(
            lambda c: c.business_time_between(
                at("denver", "Tue 2026-03-10 10:00"), at("denver", "Tue 2026-03-10 09:00")
            ),
            id="end-before-start",
        ),
        pytest.param(lambda c: c.business_days_before(date(2026, 3, 10), 0), id="zero-days"),
    ],
)
def test_bad_arguments_are_refused(call):
    with pytest.raises(ValueError, match=r"\S"):
        call(CALENDARS["denver"])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"holidays": "QQ"}, "unknown holiday calendar 'QQ'"),
        ({"holidays": "US-ZZ"}, "unknown holiday calendar 'US-ZZ'"),
        ({"hours": {0: (time(17), time(8))}}, "opening 17:00:00 must be before closing"),
        ({"hours": dict.fromkeys(range(5))}, "at least one weekday"),
    ],
)
def test_bad_calendars_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        BusinessCalendar.create("America/Denver", **kwargs)


# The oracle: random instants between 2025 and 2027, in whole seconds because
# businesstimedelta drops microseconds.
ORACLE_CALENDARS = ["denver", "colorado", "denver-works-columbus", "denver-off-xmas-eve", "munich"]
EPOCH = datetime(2025, 1, 1, tzinfo=UTC)
instants = st.integers(0, 3 * 365 * 86400).map(lambda s: EPOCH + timedelta(seconds=s))
durations = st.integers(1, 120 * 3600).map(lambda s: timedelta(seconds=s))
PROPERTY = settings(max_examples=150, deadline=None, derandomize=True)


@PROPERTY
@given(st.sampled_from(ORACLE_CALENDARS), instants, durations)
def test_business_time_from_start_to_due_equals_the_target(calendar, start, target):
    due = CALENDARS[calendar].add_business_time(start, target)
    assert oracle_between(oracle(calendar), start, due) == target
    assert CALENDARS[calendar].business_time_between(start, due) == target


@PROPERTY
@given(st.sampled_from(ORACLE_CALENDARS), instants, st.integers(0, 40 * 86400))
def test_business_time_between_agrees_with_the_oracle(calendar, start, seconds):
    end = start + timedelta(seconds=seconds)
    expected = oracle_between(oracle(calendar), start, end)
    assert CALENDARS[calendar].business_time_between(start, end) == expected


@PROPERTY
@given(st.sampled_from(ORACLE_CALENDARS), instants)
def test_next_business_start_agrees_with_the_oracle(calendar, instant):
    opening, _ = oracle(calendar).next(instant)
    assert CALENDARS[calendar].next_business_start(instant) == opening
    assert CALENDARS[calendar].is_business_time(instant) is (opening == instant)
