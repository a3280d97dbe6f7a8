"""Time as a dependency: code that needs "now" takes a Clock, so tests can move time."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current instant, timezone-aware in UTC."""
    return datetime.now(UTC)


CLOCK_FILE_ENV = "ZSUPPORT_CLOCK_FILE"


def file_clock(path: Path) -> Clock:
    """A clock that reads the current instant (ISO-8601) from a file on every call.

    For acceptance tests of time-driven behaviour (SLA warnings, auto-close) on a running
    ``serve``: the test rewrites the file to move time. Never set it in production.
    """

    def now() -> datetime:
        return datetime.fromisoformat(path.read_text().strip()).astimezone(UTC)

    return now


def clock_from_env() -> Clock:
    """utc_now, or a file clock when $ZSUPPORT_CLOCK_FILE is set (tests only)."""
    path = os.environ.get(CLOCK_FILE_ENV)
    return file_clock(Path(path)) if path else utc_now
