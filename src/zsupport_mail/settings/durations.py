"""Durations as operators write them: ``36h``, ``90d``, ``12w``, ``1y`` (365 days).

Shared by the [retention] policy and ``messages purge --older-than``, so the file and the
command line accept the same spellings.
"""

from __future__ import annotations

import re
from datetime import timedelta

_DURATION = re.compile(r"^\s*(\d{1,6})\s*([hdwy])\s*$", re.IGNORECASE)
_UNIT_HOURS = {"h": 1, "d": 24, "w": 24 * 7, "y": 24 * 365}


def parse_duration(text: str) -> timedelta:
    """A positive number of hours, days, weeks or years.

    Raises:
        ValueError: not of the form NUMBER UNIT, or zero.
    """
    match = _DURATION.match(text)
    if match is None:
        raise ValueError(f"expected a duration like 36h, 90d, 12w or 1y, got {text!r}")
    number, unit = int(match[1]), match[2].lower()
    if number == 0:
        raise ValueError(f"expected a duration above zero, got {text!r}")
    return timedelta(hours=number * _UNIT_HOURS[unit])
