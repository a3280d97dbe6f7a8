"""The period a temporary contact-change notice names: "while Dana is on leave until 15 March",
"Carl covers as backup from Monday 2 Feb to Friday 13 Feb", "Bis 31.03. ist Herr Bauer unser
Ansprechpartner", "hasta el 20 de abril", "jusqu'au 15 mars".

A notice that names an end is applied for that period only: the set in force before it holds
again after the end, without anyone having to remember to change it back. The start is the
date after "from"/"ab"/"desde"/"à partir du" when one is given, else at once. Dates are read
with intake/dates.py (EN, DE, ES, FR; with or without a year; "until Friday") against the day
the mail was written, in the client's zone. The end date is the last day of the change
(inclusive). Pure: the day written is passed in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from zsupport_mail.intake.dates import requested_day

# Words that end a period wherever they stand.
_UNTIL = re.compile(
    r"\b(?:until|till|til|through|thru|up\s+to\s+and\s+including|bis(?:\s+(?:zum|einschlie(?:ß|ss)lich))?"
    r"|hasta(?:\s+el)?|jusqu'?\s*(?:au|à|a)|jusqu\u2019(?:au|à))(?=[\s\d])",
    re.IGNORECASE,
)
# Words that end a period only after a start ("from 2 Feb to 13 Feb", "del 2 al 13").
_TO = re.compile(r"(?:\bto\b|\bal\b|\bau\b|\s[-\u2013]\s?)", re.IGNORECASE)
_FROM = re.compile(
    r"\b(?:from|starting(?:\s+on)?|beginning|as\s+of|effective|ab|vom|von|desde(?:\s+el)?|del"
    r"|à\s+partir\s+du|a\s+partir\s+(?:del|du)|du)(?=[\s\d])",
    re.IGNORECASE,
)
# A return named with its first day: "Dana goes back to primary on June 8", "ab 1. Juli
# übernehme ich wieder", "when Dana is back on 16 March": the change ends the day before.
_RETURN = re.compile(
    r"\b(?:go(?:es)?\s+back|switch(?:es)?\s+back|return(?:s|ing)?|(?:is|comes|am)\s+back"
    r"|zur[üu]ck|wieder|vuelve|regresa|de\s+retour|revient)\b",
    re.IGNORECASE,
)
# Words that make a notice sound temporary; without an end date staff are asked for one.
_TEMPORARY = re.compile(
    r"\b(?:while|temporar\w*|in\s+the\s+meantime|on\s+(?:medical\s+|parental\s+|sick\s+)?leave"
    r"|covers?\s+for|vor[üu]bergehend|w[äa]hrend|solange|vertretungsweise|elternzeit|urlaub"
    r"|mientras|temporalmente|de\s+baja|de\s+vacaciones|pendant|temporairement|en\s+cong[ée])\b",
    re.IGNORECASE,
)
_CLAUSE_END = re.compile(r"(?<=[^\d\s])[.!?]\s|[;\n]")  # not the dot of "1. Juli"
_WINDOW = 45  # characters after a keyword where its date is read


@dataclass(frozen=True)
class NoticePeriod:
    """A temporary change's days: ``start`` (None: at once) to ``end``, inclusive."""

    start: date | None
    end: date
    evidence: str  # the words it was read from, for staff to check

    def bounds(self, zone: str, received: datetime) -> tuple[datetime, datetime]:
        """The instants the change holds between: [start, end + 1 day) in the client's zone.

        A start that is not later than the day the notice arrived means at once (received).
        """
        tz = ZoneInfo(zone)
        start = received
        if self.start is not None:
            start = max(received, datetime.combine(self.start, time(), tz))
        return start, datetime.combine(self.end + timedelta(days=1), time(), tz)

    def describe(self) -> str:
        """``from Monday 2 February 2027 until Friday 13 February 2027 inclusive``."""
        start = f"from {long_day(self.start)} " if self.start else ""
        return f"{start}until {long_day(self.end)} inclusive"


def long_day(day: date) -> str:
    """A day as people write it in English: ``Monday 2 February 2027``."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def _day_after(text: str, at: int, written: date) -> date | None:
    return requested_day(text[at : at + _WINDOW], written)


def read_period(text: str, written: date) -> NoticePeriod | None:
    """The period the notice's text names, or None when it names no end (a lasting change).

    Args:
        text: the notice's own text (no quoted history).
        written: the day it was written, in the client's zone: the reference for "Friday".
    """
    for until in _UNTIL.finditer(text):
        end = _day_after(text, until.end(), written)
        if end is None:
            continue
        start = _start_before(text, until.start(), written)
        if start is None or start <= end:
            return NoticePeriod(start, end, _evidence(text, until.start(), until.end()))
    for start_word in _FROM.finditer(text):
        start = _day_after(text, start_word.end(), written)
        if start is None:
            continue
        window = text[start_word.end() : start_word.end() + _WINDOW]
        for to in _TO.finditer(window, 4):
            end = _day_after(window, to.end(), start)
            if end is not None and end >= start:
                at = start_word.end() + to.end()
                return NoticePeriod(start, end, _evidence(text, start_word.start(), at))
    for back in _RETURN.finditer(text):
        ends = list(_CLAUSE_END.finditer(text, 0, back.start()))
        clause_start = ends[-1].end() if ends else 0
        first_day_back = _day_after(text, back.end(), written) or requested_day(
            text[clause_start : back.start()], written
        )  # "Ab 1. Juli übernehme ich wieder"
        if first_day_back is not None and first_day_back > written:
            end = first_day_back - timedelta(days=1)
            return NoticePeriod(None, end, _evidence(text, back.start(), back.end()))
    return None


def sounds_temporary(text: str) -> str | None:
    """The words that make a notice without an end date sound temporary ("while", "mientras")."""
    found = _TEMPORARY.search(text)
    return found.group(0) if found else None


def _start_before(text: str, at: int, written: date) -> date | None:
    """The start named just before an "until" ("from Monday 2 Feb until ..."), if any."""
    found = None
    for start_word in _FROM.finditer(text, max(0, at - _WINDOW), at):
        found = requested_day(text[start_word.end() : at], written) or found
    return found


def _evidence(text: str, start: int, end: int) -> str:
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    return " ".join(text[line_start : line_end if line_end >= 0 else None].split())[:200]
