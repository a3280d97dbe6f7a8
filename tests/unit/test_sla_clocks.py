"""SLA clocks: the contract's response, restoration, auto-close and outage-notice definitions,
as worked examples (the same ones docs/SLA.md shows) and property tests.

Calendars are named in tests/unit/sla_cases.py ("denver" = America/Denver with US holidays,
"munich" = Europe/Berlin with DE-BY). Times read as the client reads them.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.sla_cases import CALENDARS, at, hours, oracle, oracle_between, show
from zsupport_mail.sla import (
    DEFAULT_POLICY,
    Measure,
    SlaPolicy,
    auto_close_schedule,
    counted_time,
    outage_notice_complies,
    outage_notice_deadline,
    response_deadline,
    restoration_deadline,
)

BUSINESS = replace(DEFAULT_POLICY, restoration_measure=Measure.BUSINESS)

# fmt: off
# calendar, proper notification (client local), response due (client local), why
RESPONSE = [
    ("denver", "Tue 2026-03-10 10:00", "Tue 2026-03-10 12:00 MDT",
     "inside: 2 business hours"),
    ("denver", "Fri 2026-03-06 16:00", "Mon 2026-03-09 09:00 MDT",
     "friday-afternoon: 1h Friday, 1h Monday, DST started on Sunday"),
    ("denver", "Tue 2026-03-10 07:59", "Wed 2026-03-11 11:00 MDT",
     "07:59-outside: 12 business hours from 08:00, 9h Tuesday and 3h Wednesday"),
    ("denver", "Tue 2026-03-10 08:00", "Tue 2026-03-10 10:00 MDT",
     "exactly-08:00-inside: 2 business hours"),
    ("denver", "Tue 2026-03-10 16:59", "Wed 2026-03-11 09:59 MDT",
     "16:59-inside: 1 minute Tuesday, 1h59 Wednesday"),
    ("denver", "Tue 2026-03-10 17:00", "Thu 2026-03-12 11:00 MDT",
     "exactly-17:00-outside: 9h Wednesday and 3h Thursday"),
    ("denver", "Sat 2026-03-07 23:00", "Tue 2026-03-10 11:00 MDT",
     "saturday-night-dst-starts: 9h Monday and 3h Tuesday"),
    ("denver", "Sun 2026-11-01 01:30 MDT", "Tue 2026-11-03 11:00 MST",
     "dst-ends-first-01:30: 9h Monday and 3h Tuesday"),
    ("denver", "Wed 2026-11-25 16:00", "Fri 2026-11-27 09:00 MST",
     "thanksgiving-eve-inside: 1h Wednesday, 1h Friday"),
    ("denver", "Wed 2026-11-25 17:30", "Mon 2026-11-30 11:00 MST",
     "thanksgiving-eve-outside: 9h Friday and 3h Monday"),
    ("denver", "Fri 2026-07-03 10:00", "Tue 2026-07-07 11:00 MDT",
     "independence-day-observed: a holiday is outside business hours"),
    ("denver", "Mon 2026-10-12 10:00", "Wed 2026-10-14 11:00 MDT",
     "columbus-day-under-US: outside, 12 business hours"),
    ("denver-works-columbus", "Mon 2026-10-12 10:00", "Mon 2026-10-12 12:00 MDT",
     "columbus-day-removed: a normal business day for this client"),
    ("denver-off-xmas-eve", "Thu 2026-12-24 10:00", "Tue 2026-12-29 11:00 MST",
     "added-holiday: client closed Dec 24, Christmas Dec 25"),
    ("munich", "Thu 2026-06-04 10:00", "Mon 2026-06-08 11:00 CEST",
     "munich-corpus-christi: 9h Friday and 3h Monday"),
]

# calendar, notification, pending intervals (client local), policy, restoration due, why
RESTORATION = [
    ("denver", "Tue 2026-03-10 10:00", [], DEFAULT_POLICY, "Tue 2026-03-10 14:00 MDT",
     "inside: 4 hours"),
    ("denver", "Fri 2026-03-06 15:00", [], DEFAULT_POLICY, "Fri 2026-03-06 19:00 MST",
     "inside-elapsed: runs past closing"),
    ("denver", "Fri 2026-03-06 15:00", [], BUSINESS, "Mon 2026-03-09 10:00 MDT",
     "inside-business-mode: 2h Friday, 2h Monday"),
    ("denver", "Sat 2026-03-07 22:00", [], DEFAULT_POLICY, "Sun 2026-03-08 11:00 MDT",
     "dst-starts-night: 12 real hours (wall clock would say 10:00)"),
    ("denver", "Sat 2026-10-31 20:00", [], DEFAULT_POLICY, "Sun 2026-11-01 07:00 MST",
     "dst-ends-night: 12 real hours (wall clock would say 08:00)"),
    ("denver", "Sat 2026-03-07 22:00", [], BUSINESS, "Tue 2026-03-10 11:00 MDT",
     "outside-business-mode: 9h Monday, 3h Tuesday"),
    ("munich", "Sat 2026-03-28 22:00", [], DEFAULT_POLICY, "Sun 2026-03-29 11:00 CEST",
     "munich-dst-starts-night: 12 real hours"),
    ("denver", "Tue 2026-03-10 10:00", [("Tue 2026-03-10 11:00", "Tue 2026-03-10 12:30")],
     DEFAULT_POLICY, "Tue 2026-03-10 15:30 MDT",
     "pending-added-back: 1h30 waiting on the client"),
    ("denver", "Tue 2026-03-10 10:00", [("Tue 2026-03-10 11:00", "Tue 2026-03-10 12:00"),
                                        ("Tue 2026-03-10 11:30", "Tue 2026-03-10 12:30")],
     DEFAULT_POLICY, "Tue 2026-03-10 15:30 MDT",
     "overlapping-pending: counted once"),
    ("denver", "Tue 2026-03-10 10:00", [("Tue 2026-03-10 15:00", "Tue 2026-03-10 16:00")],
     DEFAULT_POLICY, "Tue 2026-03-10 14:00 MDT",
     "pending-after-due: changes nothing"),
    ("denver", "Fri 2026-03-06 15:00", [("Fri 2026-03-06 16:00", "Sat 2026-03-07 10:00")],
     DEFAULT_POLICY, "Sat 2026-03-07 13:00 MST",
     "pending-elapsed: 1h Friday, clock resumes Saturday 10:00 for 3h"),
    ("denver", "Fri 2026-03-06 15:00", [("Fri 2026-03-06 16:00", "Mon 2026-03-09 09:00")],
     BUSINESS, "Mon 2026-03-09 12:00 MDT",
     "pending-business-mode: 1h Friday, 3h from Monday 09:00"),
]
# fmt: on


@pytest.mark.parametrize(
    ("calendar", "start", "due"), [pytest.param(*row[:3], id=row[3]) for row in RESPONSE]
)
def test_response_due(calendar, start, due):
    assert show(calendar, response_deadline(CALENDARS[calendar], at(calendar, start)).due) == due


@pytest.mark.parametrize(
    ("calendar", "start", "pending", "policy", "due"),
    [pytest.param(*row[:5], id=row[5]) for row in RESTORATION],
)
def test_restoration_due(calendar, start, pending, policy, due):
    paused = [(at(calendar, a), at(calendar, b)) for a, b in pending]
    result = restoration_deadline(CALENDARS[calendar], at(calendar, start), paused, policy)
    assert show(calendar, result.due) == due


def test_elapsed_restoration_is_real_hours_not_wall_clock_hours():
    start = at("denver", "Sat 2026-03-07 22:00")
    wall_clock = start.astimezone(CALENDARS["denver"].zone) + hours(12)
    due = restoration_deadline(CALENDARS["denver"], start).due
    assert due - start == hours(12)
    assert due != wall_clock  # Python's aware-local arithmetic is an hour off tonight


# fmt: off
# calendar, start, which target, 75% warning, 90% warning, due, why
WARNINGS = [
    ("denver", "Mon 2026-03-09 16:00", response_deadline,
     ("Tue 2026-03-10 08:30 MDT", "Tue 2026-03-10 08:48 MDT"), "Tue 2026-03-10 09:00 MDT",
     "response-overnight: 1h30 and 1h48 of business time"),
    ("denver", "Tue 2026-03-10 10:00", restoration_deadline,
     ("Tue 2026-03-10 13:00 MDT", "Tue 2026-03-10 13:36 MDT"), "Tue 2026-03-10 14:00 MDT",
     "restoration-inside: 3h and 3h36"),
    ("denver", "Sat 2026-03-07 20:00", restoration_deadline,
     ("Sun 2026-03-08 06:00 MDT", "Sun 2026-03-08 07:48 MDT"), "Sun 2026-03-08 09:00 MDT",
     "restoration-dst-night: 9h and 10h48 of real time"),
]
# fmt: on


@pytest.mark.parametrize(
    ("calendar", "start", "clock", "warnings", "due"),
    [pytest.param(*row[:5], id=row[5]) for row in WARNINGS],
)
def test_warnings_at_75_and_90_percent(calendar, start, clock, warnings, due):
    result = clock(CALENDARS[calendar], at(calendar, start))
    assert tuple(show(calendar, w) for w in result.warnings) == warnings
    assert show(calendar, result.due) == due


# fmt: off
AUTO_CLOSE = [
    ("denver", "Fri 2026-03-06 15:00", "Wed 2026-03-11 12:00 MDT", "Mon 2026-03-16 09:00 MDT",
     "friday-afternoon: 24 and 48 business hours"),
    ("denver", "Sat 2026-11-21 10:00", "Wed 2026-11-25 14:00 MST", "Tue 2026-12-01 11:00 MST",
     "thanksgiving-week: countdown starts Monday 08:00, Thursday skipped"),
]
# fmt: on


@pytest.mark.parametrize(
    ("calendar", "quiet_since", "reminder", "close"),
    [pytest.param(*row[:4], id=row[4]) for row in AUTO_CLOSE],
)
def test_auto_close(calendar, quiet_since, reminder, close):
    schedule = auto_close_schedule(CALENDARS[calendar], at(calendar, quiet_since))
    assert show(calendar, schedule.reminder_at) == reminder
    assert show(calendar, schedule.close_at) == close


def test_auto_close_reminder_is_configurable():
    policy = replace(DEFAULT_POLICY, reminder_after=hours(8))
    schedule = auto_close_schedule(
        CALENDARS["denver"], at("denver", "Tue 2026-03-10 08:00"), policy
    )
    assert show("denver", schedule.reminder_at) == "Tue 2026-03-10 16:00 MDT"


# fmt: off
OUTAGES = [
    ("denver", "Thu 2026-03-12 22:00", "Mon 2026-03-09 08:00 MDT",
     "thursday-night: Monday, Tuesday, Wednesday"),
    ("denver", "Mon 2026-11-30 02:00", "Tue 2026-11-24 08:00 MST",
     "after-thanksgiving: Tuesday, Wednesday, Friday"),
    ("denver", "Tue 2026-07-07 21:00", "Wed 2026-07-01 08:00 MDT",
     "local-date-tuesday: already Wednesday in UTC; observed July 3 skipped"),
    ("denver", "Sat 2026-03-14 01:00", "Wed 2026-03-11 08:00 MDT",
     "saturday-outage: Wednesday, Thursday, Friday"),
    ("munich", "Mon 2026-06-08 02:00", "Tue 2026-06-02 08:00 CEST",
     "munich: Corpus Christi skipped"),
]
# fmt: on


@pytest.mark.parametrize(
    ("calendar", "outage", "latest"), [pytest.param(*row[:3], id=row[3]) for row in OUTAGES]
)
def test_outage_notice_deadline(calendar, outage, latest):
    assert show(calendar, outage_notice_deadline(CALENDARS[calendar], at(calendar, outage))) == (
        latest
    )


@pytest.mark.parametrize(
    ("sent", "complies"),
    [
        pytest.param("Mon 2026-03-09 07:59", True, id="07:59-before-the-deadline"),
        pytest.param("Mon 2026-03-09 08:00", True, id="08:00-by-08:00-is-in-time"),
        pytest.param("Mon 2026-03-09 08:01", False, id="08:01-too-late"),
        pytest.param("Fri 2026-03-06 16:00", True, id="previous-friday"),
    ],
)
def test_outage_notice_complies(sent, complies):
    outage = at("denver", "Thu 2026-03-12 22:00")
    assert outage_notice_complies(CALENDARS["denver"], outage, at("denver", sent)) is complies


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"response_inside": timedelta(0)}, "positive"),
        ({"reminder_after": hours(48)}, "reminder must come before"),
        ({"warning_fractions": (0.9, 0.75)}, "ascend"),
        ({"warning_fractions": (0.75, 1.0)}, "ascend"),
        ({"outage_notice_days": 0}, "at least 1"),
    ],
)
def test_bad_policies_are_refused(changes, message):
    with pytest.raises(ValueError, match=message):
        SlaPolicy(**changes)


def test_measure_reads_from_configuration_strings():
    assert (
        SlaPolicy(restoration_measure=Measure("business")).restoration_measure is Measure.BUSINESS
    )


def test_pending_interval_must_not_end_before_it_begins():
    start = at("denver", "Tue 2026-03-10 10:00")
    with pytest.raises(ValueError, match="ends before it begins"):
        restoration_deadline(CALENDARS["denver"], start, [(start, start - hours(1))])


# Properties: the due time is the instant the counted time reaches the target, checked
# against businesstimedelta for business time.
ORACLE_CALENDARS = ["denver", "colorado", "munich"]
EPOCH = datetime(2025, 1, 1, tzinfo=UTC)
instants = st.integers(0, 3 * 365 * 86400).map(lambda s: EPOCH + timedelta(seconds=s))
spans = st.lists(st.tuples(st.integers(0, 30 * 86400), st.integers(0, 3 * 86400)), max_size=4)
PROPERTY = settings(max_examples=150, deadline=None, derandomize=True)


def _pending(start, offsets):
    return [(start + timedelta(seconds=a), start + timedelta(seconds=a + b)) for a, b in offsets]


@PROPERTY
@given(st.sampled_from(ORACLE_CALENDARS), instants, spans, st.booleans())
def test_counted_time_from_start_to_restoration_due_is_the_target(calendar, start, offsets, biz):
    pending = _pending(start, offsets)
    policy = BUSINESS if biz else DEFAULT_POLICY
    result = restoration_deadline(CALENDARS[calendar], start, pending, policy)
    counted = counted_time(CALENDARS[calendar], start, result.due, result.measure, pending)
    assert counted == result.target
    assert result.warnings[0] <= result.warnings[1] <= result.due


@PROPERTY
@given(st.sampled_from(ORACLE_CALENDARS), instants)
def test_response_due_is_the_target_in_business_time_by_the_oracle(calendar, start):
    result = response_deadline(CALENDARS[calendar], start)
    inside = CALENDARS[calendar].is_business_time(start)
    assert result.target == (hours(2) if inside else hours(12))
    assert oracle_between(oracle(calendar), start, result.due) == result.target


@PROPERTY
@given(st.sampled_from(ORACLE_CALENDARS), instants, spans)
def test_business_restoration_with_pending_by_the_oracle(calendar, start, offsets):
    pending = _pending(start, offsets)
    result = restoration_deadline(CALENDARS[calendar], start, pending, BUSINESS)
    rules = oracle(calendar)
    paused, last_end = timedelta(0), start
    for a, b in sorted(pending):  # the oracle's own merge: skip what is already counted
        a, b = max(a, last_end), min(b, result.due)
        if a < b:
            paused += oracle_between(rules, a, b)
            last_end = b
    assert oracle_between(rules, start, result.due) - paused == result.target
