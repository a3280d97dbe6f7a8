"""The day a scheduling request asks for, read from the sender's words (EN, DE, ES, FR).

The contract asks for at least 7 calendar days' notice for meetings, calls, webinars, training
and network changes; to say politely that a request is shorter notice, the reply needs the day
asked for. Dates are resolved against the day the mail was written, in the sender's zone:
"next Tuesday" is the first Tuesday after it, "this Friday" the Friday of its week, "the 28th"
the 28th of its month; a weekday alone is the next such day. The first day named is the one
asked for (a fallback comes second). Only a week ("the week of 20 April") is no day: None.
Pure: the reference day is passed in.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

_ENGLISH = "january february march april may june july august september october november december"
_MONTHS = {
    **{m: i + 1 for i, m in enumerate(_ENGLISH.split())},
    **{m[:3]: i + 1 for i, m in enumerate(_ENGLISH.split())},
    "sept": 9,
    **{
        m: i + 1
        for i, m in enumerate(
            [
                "januar",
                "februar",
                "märz",
                "april",
                "mai",
                "juni",
                "juli",
                "august",
                "september",
                "oktober",
                "november",
                "dezember",
            ]
        )
    },
    **{
        m: i + 1
        for i, m in enumerate(
            [
                "enero",
                "febrero",
                "marzo",
                "abril",
                "mayo",
                "junio",
                "julio",
                "agosto",
                "septiembre",
                "octubre",
                "noviembre",
                "diciembre",
            ]
        )
    },
    **{
        m: i + 1
        for i, m in enumerate(
            [
                "janvier",
                "février",
                "mars",
                "avril",
                "mai",
                "juin",
                "juillet",
                "août",
                "septembre",
                "octobre",
                "novembre",
                "décembre",
            ]
        )
    },
}
_WEEKDAYS = {
    **{
        d: i
        for i, d in enumerate(
            ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
        )
    },
    **{
        d: i
        for i, d in enumerate(
            ["montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag"]
        )
    },
    **{
        d: i
        for i, d in enumerate(
            ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"]
        )
    },
    **{
        d: i
        for i, d in enumerate(
            ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
        )
    },
}
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DAY = "|".join(sorted(_WEEKDAYS, key=len, reverse=True))
_PATTERNS = (
    ("iso", re.compile(r"\b(20\d\d)-(\d\d)-(\d\d)\b")),
    ("dmy", re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(20\d\d)?(?!\d)")),
    (
        "day_month",
        re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th|\.|er)?\s+(?:de\s+)?({_MONTH})\b\.?", re.I),
    ),
    ("month_day", re.compile(rf"\b({_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b", re.I)),
    # "the 3rd floor" is a place, not a day
    (
        "the_nth",
        re.compile(
            r"\bthe\s+(\d{1,2})(?:st|nd|rd|th)\b(?!\s+(?:floor|level|stor(?:e)?y|building))", re.I
        ),
    ),
    # "Samstag, den 27.", "el 27", "le 27": a day of the mail's month
    ("day_alone", re.compile(r"\b(?:den|am|el|le)\s+(\d{1,2})(?:\.|er)?(?![\d.:/])", re.I)),
    ("mdy", re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})(?:/(20\d\d))?(?![\d/])")),
    (
        "relative",
        re.compile(
            rf"\b(next|this|coming|nächsten?|kommenden?|el\s+próximo|próximo)?\s*({_DAY})\b", re.I
        ),
    ),
    ("tomorrow", re.compile(r"\b(tomorrow|morgen|mañana|demain)\b", re.I)),
)
_WEEK_ONLY = re.compile(rf"\bweek\s+of\s+(?:the\s+)?\d{{1,2}}|\bweek\s+of\s+(?:{_MONTH})", re.I)


def _month_day(written: date, month: int, day: int, year: int | None = None) -> date | None:
    try:
        found = date(year or written.year, month, day)
    except ValueError:
        return None
    if year is None and found < written - timedelta(days=31):
        found = found.replace(year=found.year + 1)
    return found


def _relative(written: date, word: str | None, weekday: int) -> date:
    ahead = (weekday - written.weekday()) % 7
    word = (word or "").lower()
    if word == "this":  # the day of the mail's week
        return written + timedelta(days=weekday - written.weekday())
    if word.startswith(("next", "nächst", "kommend", "coming", "el próximo", "próximo")):
        return written + timedelta(days=ahead or 7)
    return written + timedelta(days=ahead or 7)


def _candidate(kind: str, match: re.Match[str], written: date) -> date | None:
    groups = match.groups()
    if kind == "iso":
        return _month_day(written, int(groups[1]), int(groups[2]), int(groups[0]))
    if kind == "dmy":
        return _month_day(
            written, int(groups[1]), int(groups[0]), int(groups[2]) if groups[2] else None
        )
    if kind == "day_month":
        return _month_day(written, _MONTHS[groups[1].lower()], int(groups[0]))
    if kind == "month_day":
        return _month_day(written, _MONTHS[groups[0].lower().rstrip(".")], int(groups[1]))
    if kind == "mdy":  # US style, as written by the clients in America
        return _month_day(
            written, int(groups[0]), int(groups[1]), int(groups[2]) if groups[2] else None
        )
    if kind in ("the_nth", "day_alone"):
        return _month_day(written, written.month, int(groups[0]))
    if kind == "relative":
        return _relative(written, groups[0], _WEEKDAYS[groups[1].lower()])
    return written + timedelta(days=1)


def requested_day(text: str, written: date) -> date | None:
    """The first day text asks for, resolved against the day it was written; None if none."""
    if _WEEK_ONLY.search(text):
        return None
    dated: list[tuple[int, date]] = []
    weekdays: list[tuple[int, int, date]] = []
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            day = _candidate(kind, match, written)
            if day is None or day < written:
                continue
            if kind == "relative":
                weekdays.append((match.start(), match.end(), day))
            else:
                dated.append((match.start(), day))
    # A weekday right before a date ("Saturday the 28th", "Dienstag, der 14. April") names
    # that date, not the next such weekday.
    for start, end, day in weekdays:
        if not any(end <= at <= end + 12 for at, _ in dated):
            dated.append((start, day))
    return min(dated)[1] if dated else None


_YESTERDAY = re.compile(r"\b(yesterday|gestern|ayer|hier)\b", re.I)
_ABSOLUTE = ("iso", "dmy", "day_month", "month_day", "the_nth", "mdy")


def _past(day: date, written: date, has_year: bool) -> date:
    if not has_year and day > written:
        try:
            return day.replace(year=day.year - 1)
        except ValueError:  # 29 February
            return day - timedelta(days=365)
    return day


def past_days(text: str, written: date) -> list[date]:
    """Every day text names on or before the day it was written (outages a credit is for).

    Dates without a year that would lie ahead are last year's; a weekday alone is the latest
    such day on or before the mail ("on Monday"), unless a date follows it at once.
    """
    dated: list[tuple[int, date]] = []
    for kind, pattern in _PATTERNS:
        if kind not in _ABSOLUTE:
            continue
        for match in pattern.finditer(text):
            day = _candidate(kind, match, written)
            if day is not None:
                has_year = kind == "iso" or (kind in ("dmy", "mdy") and bool(match.group(3)))
                dated.append((match.start(), _past(day, written, has_year)))
    weekday_pattern = dict(_PATTERNS)["relative"]
    for match in weekday_pattern.finditer(text):
        if match.group(1) or any(match.end() <= at <= match.end() + 12 for at, _ in dated):
            continue
        back = (written.weekday() - _WEEKDAYS[match.group(2).lower()]) % 7
        dated.append((match.start(), written - timedelta(days=back)))
    dated += [(m.start(), written - timedelta(days=1)) for m in _YESTERDAY.finditer(text)]
    return sorted({day for _, day in dated if day <= written})
