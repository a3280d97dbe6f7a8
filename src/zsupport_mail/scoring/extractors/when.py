"""When a call example happened: the date and time a sentence names, in the client's zone.

Date/time candidates are found by pattern (spans.DATE and spans.TIME), never by running a date
search over the raw text (which turns phone numbers into years). The common all-numeric forms
are read directly; any other form is parsed with dateutil relative to the mail's received time
(or a forwarded report's own date): "yesterday at 3pm", "this morning around 9:15", "11 mars".
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from dateutil import parser as date_parser

from zsupport_mail.scoring.spans import DATE, TIME

RELATIVE_DAY = re.compile(
    r"\b(?:yesterday|today|this (?:morning|afternoon|evening)|last night|tonight|gestern|heute"
    r"|ayer|hoy|hier|aujourd'hui|(?:last |on )?(?:monday|tuesday|wednesday|thursday|friday"
    r"|saturday|sunday))\b",
    re.IGNORECASE,
)
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _relative_base(word: str, received: datetime) -> datetime:
    lowered = word.lower().replace("last ", "").replace("on ", "")
    if lowered in ("yesterday", "gestern", "ayer", "hier", "last night"):
        return received - timedelta(days=1)
    if lowered in _WEEKDAYS:
        back = (received.weekday() - _WEEKDAYS.index(lowered)) % 7 or 7
        return received - timedelta(days=back)
    return received


def parse_when(line: str, received: datetime) -> datetime | None:
    """The date and time a line names, in the received time's zone; None without a time."""
    times = list(TIME.finditer(line))
    if not times:
        return None
    base = received
    dates = [d for d in DATE.finditer(line) if d.start() < times[0].start()] or list(
        DATE.finditer(line)
    )
    date = dates[-1] if dates else None  # the date nearest before the time
    relative = RELATIVE_DAY.search(line)
    if relative:
        base = _relative_base(relative.group(0), received)
    default = base.replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
    text = f"{date.group(0).rstrip('.')} {times[0].group(0)}" if date else times[0].group(0)
    day = _NTH_DAY.search(line) if date is None else None
    if day and int(day.group(1)) <= 31:  # "on the 17th": this month, or the last one
        default = _nth_day(default, int(day.group(1)))
    text = re.sub(r"(?i)(?<=\d)([ap])$", r"\1m", text)  # 2:15p
    if _LATER_IN_DAY.search(line) and not re.search(r"(?i)[ap]\.?m", text):
        text = re.sub(r"^(\d{1,2})(?=:)", lambda m: str(int(m[1]) % 12 + 12), text)
    text = re.sub(r"(?i)\buhr\b|(?<=\d)h\b", "", text)
    text = re.sub(r"(?<=\d)h(?=\d{2})", ":", text)  # French 14h20
    text = _english_months(text)
    parsed = _numeric_when(text, default, _day_first(date))
    if parsed is None:
        try:
            parsed = date_parser.parse(text, default=default, dayfirst=_day_first(date))
        except (ValueError, OverflowError):
            return None
    return parsed.replace(tzinfo=received.tzinfo)


_NUMERIC_WHEN = re.compile(  # "03/17/2026 10:05 AM", "2026-03-17 14:15", "17.03 9:30", "10:05"
    r"(?:(?P<iso_y>\d{4})-(?P<iso_m>\d{1,2})-(?P<iso_d>\d{1,2})"
    r"|(?P<a>\d{1,2})[/.](?P<b>\d{1,2})(?:[/.](?P<year>\d{4}))?)?[ T]*"
    r"(?P<hour>\d{1,2})(?::(?P<minute>\d{2}))?(?::(?P<second>\d{2}))?"
    r"\s*(?:(?P<half>[ap])\.?m\.?)?",
    re.IGNORECASE,
)


def _numeric_when(text: str, default: datetime, day_first: bool) -> datetime | None:
    """The common all-numeric forms without dateutil (a tenth of its time); None for any other
    form, which dateutil then reads. Dotted dates without a year are read here too: dateutil
    takes "17.03 10:05" for the 17th of the received month, not for March 17."""
    match = _NUMERIC_WHEN.fullmatch(text.strip())
    if match is None:
        return None
    hour, half = int(match["hour"]), (match["half"] or "").lower()
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "p" else 0)
    year, month, day = default.year, default.month, default.day
    if match["iso_y"]:
        year, month, day = int(match["iso_y"]), int(match["iso_m"]), int(match["iso_d"])
    elif match["a"]:
        first, second = int(match["a"]), int(match["b"])
        month, day = (second, first) if day_first else (first, second)
        year = int(match["year"]) if match["year"] else year
        if month > 12:
            return None  # dateutil swaps an impossible month: leave it to dateutil
    try:
        return default.replace(
            year=year,
            month=month,
            day=day,
            hour=hour,
            minute=int(match["minute"] or 0),
            second=int(match["second"] or 0),
        )
    except ValueError:
        return None


_MONTH_NAMES = {
    "janvier": "jan", "enero": "jan", "januar": "jan", "février": "feb", "fevrier": "feb",
    "febrero": "feb", "februar": "feb", "mars": "mar", "marzo": "mar", "märz": "mar",
    "mär": "mar", "avril": "apr", "abril": "apr", "mai": "may", "mayo": "may", "juin": "jun",
    "junio": "jun", "juni": "jun", "juillet": "jul", "julio": "jul", "juli": "jul",
    "août": "aug", "aout": "aug", "agosto": "aug", "septembre": "sep", "septiembre": "sep",
    "octobre": "oct", "octubre": "oct", "oktober": "oct", "okt": "oct", "novembre": "nov",
    "noviembre": "nov", "décembre": "dec", "decembre": "dec", "diciembre": "dec",
    "dezember": "dec", "dez": "dec",
}  # fmt: skip
_MONTH_WORD = re.compile(
    r"\b(" + "|".join(sorted(_MONTH_NAMES, key=len, reverse=True)) + r")\b\.?", re.IGNORECASE
)


_NTH_DAY = re.compile(r"\bthe\s+(\d{1,2})(?:st|nd|rd|th)\b", re.IGNORECASE)
_LATER_IN_DAY = re.compile(  # "at 2:15 this afternoon" is 14:15
    r"\b(?:afternoon|evening|tonight|nachmittags?|abends?|tarde|apr(?:è|e)s-midi|soir)\b",
    re.IGNORECASE,
)


def _nth_day(default: datetime, day: int) -> datetime:
    """The last date before or on ``default`` that falls on that day of a month."""
    if day <= default.day:
        return default.replace(day=day)
    previous = default.replace(day=1) - timedelta(days=1)
    return previous.replace(day=min(day, previous.day))


def _english_months(text: str) -> str:
    """dateutil reads English month names only: "11 mars 2026" -> "11 mar 2026"."""
    text = re.sub(r"(?i)\bde\b\s+", "", text)  # "3 de marzo de 2026"
    return _MONTH_WORD.sub(lambda m: _MONTH_NAMES[m.group(1).lower()], text)


def _day_first(date: re.Match[str] | None) -> bool:
    """14.03.2026 is European; 03/14/2026 is American, unless it cannot be (16/03)."""
    if date is None or "-" in date.group(0):
        return False
    first = re.match(r"\d+", date.group(0))
    return "." in date.group(0) or bool(first and int(first.group(0)) > 12)
