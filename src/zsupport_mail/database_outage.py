"""Keep serve's background loops alive while the database is unreachable.

Without this, the first failed query of the worker, sender or scheduler ended its task and so
the whole process: a PostgreSQL restart became a daemon restart, and /healthz could never report
the outage or the recovery. Connection-level errors (SQLAlchemy's OperationalError and
InterfaceError: refused, reset, server shut down) now count as "no work this round": the loop
waits for its next recheck and tries again. Any other error still ends the task (a bug, not an
outage). The outage is logged once when it starts and once when it ends.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import structlog
from sqlalchemy.exc import InterfaceError, OperationalError

log = structlog.get_logger("zsupport_mail.database_outage")
Runner = Callable[..., Awaitable[object]]


@dataclass
class DatabaseOutage:
    """Shared by the loops of one serve, so an outage is logged once, not once per loop."""

    down_since: float | None = None

    def guard(self, run: Runner) -> Runner:
        """run (e.g. run_in_executor on the work pool), returning None during an outage."""

        async def guarded(func: Callable[..., object], *args: object) -> object:
            try:
                result = await run(func, *args)
            except (OperationalError, InterfaceError) as exc:
                if self.down_since is None:
                    self.down_since = time.monotonic()
                    log.error("database_unavailable", task=_name(func), error=str(exc.orig))
                return None
            if self.down_since is not None:
                seconds = round(time.monotonic() - self.down_since, 1)
                self.down_since = None
                log.info("database_recovered", task=_name(func), down_seconds=seconds)
            return result

        return guarded


def _name(func: Callable[..., object]) -> str:
    return getattr(func, "__name__", type(func).__name__)
