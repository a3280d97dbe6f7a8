"""The worker, sender and scheduler loops of ``serve``: what runs when, and waiting out a
database or relay that is away.

The work itself happens in the child processes (``workers``); these loops decide when to ask
for it: one message (or one batch, processing.batch_size) at a time, a reload between two,
backoff while the database is away.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

import structlog
from sqlalchemy.orm import Session, sessionmaker

from zsupport_mail.db.retention import purge_closed
from zsupport_mail.edges.oauth2 import refresh_all
from zsupport_mail.queues.inbox import (
    TRANSIENT_DB_ERRORS,
)
from zsupport_mail.queues.outbox import DeliveryReport
from zsupport_mail.runtime.children import WorkerDatabaseError, WorkerDiedError
from zsupport_mail.runtime.jobs import sla_tick
from zsupport_mail.runtime.metrics import Metrics
from zsupport_mail.runtime.pipeline import Outcome, Pipeline
from zsupport_mail.settings import Settings
from zsupport_mail.settings.clock import Clock

log = structlog.get_logger("zsupport_mail.runtime.loops")

RECHECK_SECONDS = 5.0
# The database away, locked or full: met in this process, or reported by a child process.
DATABASE_AWAY = (*TRANSIENT_DB_ERRORS, WorkerDatabaseError)
DB_RETRY_CAP_SECONDS = 30.0
PURGE_EVERY = timedelta(days=1)  # the retention policy is applied once a day


@dataclass
class Wakeups:
    """Events that tell the background tasks there is new work."""

    inbox: asyncio.Event = field(default_factory=asyncio.Event)
    outbox: asyncio.Event = field(default_factory=asyncio.Event)
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    reload: asyncio.Event = field(default_factory=asyncio.Event)

    def request_reload(self) -> None:
        """SIGHUP: the worker reloads before its next message (and wakes up to do so)."""
        self.reload.set()
        self.inbox.set()


async def _wait(event: asyncio.Event, stopping: asyncio.Event, timeout: float) -> None:
    """Until event or stopping is set, or timeout passes; then clear event."""
    waiters = [asyncio.ensure_future(event.wait()), asyncio.ensure_future(stopping.wait())]
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
    event.clear()


class DatabaseWait:
    """Backoff after a transient database error, so a task outlives a database outage.

    The database being away, locked by another process or full fails every message alike; the
    task logs it, waits 1, 2, 4 ... DB_RETRY_CAP_SECONDS (or until stopping) and tries again,
    instead of ending and taking serve down with it.
    """

    def __init__(self, task: str, stopping: asyncio.Event) -> None:
        self.task = task
        self.stopping = stopping
        self.failures = 0

    async def after(self, exc: Exception) -> None:
        """Log the failure and wait out the next, longer delay (cut short by stopping)."""
        self.failures += 1
        delay = min(DB_RETRY_CAP_SECONDS, 2.0 ** min(self.failures - 1, 10))
        # The driver's message only: SQLAlchemy's own text carries the statement's parameters.
        error = str(getattr(exc, "orig", None) or exc).strip()
        log.warning(
            "database_unavailable",
            task=self.task,
            error=error,
            failures=self.failures,
            retry_in=delay,
        )
        await _wait(asyncio.Event(), self.stopping, delay)

    def recovered(self) -> None:
        """The database answered: log that once and start the backoff from the beginning."""
        if self.failures:
            log.info("database_available", task=self.task, failures=self.failures)
            self.failures = 0


class WorkerCalls(Protocol):
    """What run_worker needs of the processing worker (workers.WorkerProcess)."""

    async def process_due(self) -> list[Outcome]:
        """Process the next due inbox message (or batch, processing.batch_size); [] when
        there is none."""

    async def release_claims(self) -> int:
        """Free the claims this worker holds, so its messages can be taken again."""


async def run_worker(
    worker: WorkerCalls,
    wake: Wakeups,
    *,
    metrics: Metrics | None = None,
    reload: Callable[[], Awaitable[object]] | None = None,
) -> None:
    """Process due inbox messages one at a time (or one batch at a time) until stopping;
    reload between two when asked.

    After a database failure the message in hand may still be claimed (recording the failure
    needs the database too): the claim is released first once the database answers again.
    A worker process that died is replaced (WorkerProcess) and the loop goes on.
    """
    database = DatabaseWait("worker", wake.stopping)
    while not wake.stopping.is_set():
        if wake.reload.is_set():
            wake.reload.clear()
            if reload is not None:
                await reload()
        try:
            if database.failures:
                await worker.release_claims()
            outcomes = await worker.process_due()
        except DATABASE_AWAY as exc:
            await database.after(exc)
            continue
        except WorkerDiedError:
            continue
        database.recovered()
        if not outcomes:
            await _wait(wake.inbox, wake.stopping, RECHECK_SECONDS)
            continue
        wake.outbox.set()
        if metrics is not None:
            for outcome in outcomes:
                metrics.count_outcome(outcome.action)


async def run_scheduler(
    pipeline: Pipeline,
    sessions: sessionmaker[Session],
    clock: Clock,
    wake: Wakeups,
    run: Callable[..., Awaitable[object]],
    metrics: Metrics | None = None,
) -> None:
    """The SLA tick (jobs.sla_tick) every sla.tick_seconds until stopping, OAuth2 tokens
    refreshed ahead of expiry, and the retention purge at the first tick and then once a day.

    Reads the pipeline's settings on every tick, so a SIGHUP reload of the clients (and their
    calendars) applies to the next tick. Breaches it records are counted in metrics.
    """
    never = asyncio.Event()
    database = DatabaseWait("scheduler", wake.stopping)
    purged_at: datetime | None = None
    while not wake.stopping.is_set():
        settings = pipeline.settings
        try:
            alerts = await run(sla_tick, sessions, settings, pipeline.renderer, clock())
            if settings.oauth2:
                await run(refresh_all, settings.oauth2)
            keep = settings.retention.keep_raw_after_close
            now = clock()
            if keep is not None and (purged_at is None or now - purged_at >= PURGE_EVERY):
                await run(purge_closed, sessions, keep, now)
                purged_at = now
        except TRANSIENT_DB_ERRORS as exc:
            await database.after(exc)
            continue
        database.recovered()
        if isinstance(alerts, list) and alerts:
            wake.outbox.set()
            if metrics is not None:
                metrics.count_alerts(alerts)
        await _wait(never, wake.stopping, settings.sla.tick_seconds)


class SenderCalls(Protocol):
    """What run_sender needs of the outbox sender (workers.WorkerProcess)."""

    async def deliver_due(self, now: datetime) -> DeliveryReport:
        """One delivery pass over the outbox mail due at now."""


async def run_sender(
    settings: Settings,
    sender: SenderCalls,
    clock: Clock,
    wake: Wakeups,
) -> None:
    """Deliver due outbox mail until stopping.

    While the relay is unreachable, new mail does not wake the sender: it waits out its own
    backoff (outbound.retry_base_seconds doubling up to retry_max_seconds) and then starts
    again from the oldest queued mail, so mail leaves in the order it was queued.
    """
    database = DatabaseWait("sender", wake.stopping)
    never = asyncio.Event()
    relay_failures = 0
    while not wake.stopping.is_set():
        try:
            report = await sender.deliver_due(clock())
        except DATABASE_AWAY as exc:
            await database.after(exc)
            continue
        except WorkerDiedError:
            continue
        database.recovered()
        if report.relay_unavailable:
            relay_failures += 1
            delay = settings.outbound.retry_base_seconds * 2 ** min(relay_failures - 1, 20)
            await _wait(never, wake.stopping, min(delay, settings.outbound.retry_max_seconds))
            continue
        relay_failures = 0
        await _wait(wake.outbox, wake.stopping, RECHECK_SECONDS)
