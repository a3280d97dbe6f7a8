"""Signs of life for systemd and Prometheus: watchdog pings and the periodic queue read.

Both loops run on serve's event loop, so they stop when it hangs: that is the point of the
watchdog (systemd restarts a service whose pings stop) and it keeps STATUS honest.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from zsupport_mail.queues.status import QueueStatus
from zsupport_mail.runtime.metrics import Metrics
from zsupport_mail.runtime.notify import Notifier

STATUS_SECONDS = 10.0


async def run_watchdog(notifier: Notifier, stopping: asyncio.Event) -> None:
    """WATCHDOG=1 from the event loop itself: if the loop hangs, the pings stop."""
    interval = notifier.watchdog_interval
    if interval is None:
        return
    while not stopping.is_set():
        notifier.send(WATCHDOG=1)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), interval)


def _status_line(queues: QueueStatus) -> str:
    return (
        f"inbox pending {queues.inbox_pending}, outbox queued {queues.outbox_queued}, "
        f"outbox failed {queues.outbox.get('failed', 0)}, quarantined {queues.quarantined}"
    )


async def run_status(
    notifier: Notifier,
    metrics: Metrics,
    read_queues: Callable[[], Awaitable[QueueStatus]],
    stopping: asyncio.Event,
) -> None:
    """Refresh the queue gauges and systemd's STATUS= line every STATUS_SECONDS."""
    while not stopping.is_set():
        try:
            queues = await read_queues()
        except Exception as exc:  # the database may be briefly away; /healthz reports it
            notifier.send(STATUS=f"database unreachable: {exc.__class__.__name__}")
        else:
            metrics.set_queues(queues)
            notifier.send(STATUS=_status_line(queues))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), STATUS_SECONDS)
