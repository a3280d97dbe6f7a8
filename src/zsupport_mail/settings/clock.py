"""Time as a dependency: code that needs "now" takes a Clock, so tests can move time.

A running ``serve`` can be put on a clock that a file holds, for acceptance tests of SLA
warnings and auto-close. That moves every due time and deadline, so it is honoured only when
the test run also sets ``ZSUPPORT_TESTING=1``, and logged as a warning when active; set alone
(a stray variable in a production unit file), it is ignored and the log says so.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import structlog

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current instant, timezone-aware in UTC."""
    return datetime.now(UTC)


CLOCK_FILE_ENV = "ZSUPPORT_CLOCK_FILE"
TESTING_ENV = "ZSUPPORT_TESTING"
log = structlog.get_logger("zsupport_mail.settings.clock")


def file_clock(path: Path) -> Clock:
    """A clock that reads the current instant (ISO-8601) from a file on every call.

    For acceptance tests of time-driven behaviour (SLA warnings, auto-close) on a running
    ``serve``: the test rewrites the file to move time. Never set it in production.
    """

    def now() -> datetime:
        return datetime.fromisoformat(path.read_text().strip()).astimezone(UTC)

    return now


def clock_from_env() -> Clock:
    """utc_now, or a file clock when $ZSUPPORT_CLOCK_FILE is set in a test run.

    A test run says so with ``ZSUPPORT_TESTING=1``; without it the file is ignored, so no
    stray variable can move a production daemon's clock.
    """
    path = os.environ.get(CLOCK_FILE_ENV)
    if not path:
        return utc_now
    if os.environ.get(TESTING_ENV) != "1":
        log.error("test_clock_ignored", reason=f"{CLOCK_FILE_ENV} is set without {TESTING_ENV}=1")
        return utc_now
    log.warning("test_clock_active", path=path, reason="every due time follows this file")
    return file_clock(Path(path))
