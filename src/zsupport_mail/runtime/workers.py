"""serve's background work (processing, delivery) in child processes of their own.

Parsing, scoring and the handlers are CPU work in Python. In the edges' interpreter they held
the GIL while the SMTP listener had a client waiting for its 250, and a burst of mail was
accepted at a quarter of what a write-and-fsync server manages (docs/BENCHMARKS.md). Here the
processing worker and the outbox sender each run in a child process, at
``processing.background_nice``, so the edges keep one interpreter to themselves and come
first on busy CPUs, as Postfix keeps smtpd apart from its queue manager and its delivery
agents.

Each child is a ``ProcessPoolExecutor`` of one spawned process that holds its own engine and
Pipeline. serve's tasks still decide what runs and when (one message or batch at a time, a
reload between two, backoff while the database or the relay is away); they only run each
call there.

- A child ignores SIGTERM, SIGINT and SIGHUP: serve stops it after the call in hand and
  forwards a reload as the new Settings.
- A child dies with serve (``PR_SET_PDEATHSIG``): after ``kill -9`` of serve no orphan goes
  on writing; its claim is released at the next start, like serve's own.
- A child that dies (a crash in a C extension, the OOM killer) is replaced, with
  ``worker_process_died``, and serve goes on. The message in hand had its attempt counted
  when it was claimed, so a message that kills the worker ends in quarantine after
  ``processing.max_attempts`` instead of taking serve down each time; a reply being sent was
  not marked sent, so it is sent again (at least once, as after any crash).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime
from typing import Any, TypeVar

import structlog
from sqlalchemy.orm import Session, sessionmaker

from zsupport_mail.mail.replies import ReplyRenderer
from zsupport_mail.queues.inbox import release_claims, release_dead_claims
from zsupport_mail.queues.outbox import DeliveryReport
from zsupport_mail.runtime import sending_child
from zsupport_mail.runtime.batch import process_batch
from zsupport_mail.runtime.children import (
    Started,
    WorkerDiedError,
    database_errors_carried,
    prepare_child,
    spawn,
)
from zsupport_mail.runtime.pipeline import Outcome, Pipeline
from zsupport_mail.runtime.prefetch import Prefetch
from zsupport_mail.settings import Settings
from zsupport_mail.settings.clock import clock_from_env

log = structlog.get_logger("zsupport_mail.runtime.workers")
STOP_PREFETCH_SECONDS = 30.0
T = TypeVar("T")


_pipeline: Pipeline | None = None
_prefetch: Prefetch | None = None  # the processing child's read-ahead workers, if any


def start_in_child(role: str, settings: Settings, parent_pid: int, log_json: bool) -> None:
    """The processing child's set-up (children.start_child runs it): its own Pipeline."""
    sessions = prepare_child(settings, parent_pid, log_json)
    global _pipeline
    _pipeline = Pipeline(
        settings=settings,
        sessions=sessions,
        renderer=ReplyRenderer(settings),
        clock=clock_from_env(),
        worker=f"{socket.gethostname()}:{os.getpid()}",
    )
    _start_prefetch(settings)
    log.info("worker_process_started", role=role, pid=os.getpid(), worker=_pipeline.worker)


def _start_prefetch(settings: Settings) -> None:
    """Read-ahead workers for the processing child, when processing.jobs asks for more than 1."""
    global _prefetch
    if _prefetch is not None:
        _prefetch.close()
        _prefetch = None
    jobs = settings.processing.job_count()
    if jobs > 1 and _pipeline is not None:
        _prefetch = Prefetch(_pipeline.sessions, settings, jobs)


def _in_child(func: Callable[[Pipeline], T]) -> T:
    pipeline = _pipeline
    assert pipeline is not None, "the child process was not initialised"
    return database_errors_carried(lambda: func(pipeline))


def _close_prefetch() -> None:
    global _prefetch
    if _prefetch is not None:
        _prefetch.close(wait=True)
        _prefetch = None


def _process_due() -> list[Outcome]:
    def run(pipeline: Pipeline) -> list[Outcome]:
        ahead = None
        if _prefetch is not None:
            _prefetch.top_up(pipeline.clock())
            ahead = _prefetch.take
        batch_size = pipeline.settings.processing.batch_size
        if batch_size > 1 and (batch := process_batch(pipeline, batch_size, ahead)):
            return batch
        outcome = pipeline.process_next(ahead=ahead)  # also a retry, claimed alone
        return [] if outcome is None else [outcome]

    return _in_child(run)


def _release_claims() -> int:
    return _in_child(lambda pipeline: release_claims(pipeline.sessions, pipeline.worker))


def _apply_settings(settings: Settings) -> None:
    """A reload's result: serve synced the database; the child only swaps its lists."""

    def apply(pipeline: Pipeline) -> None:
        pipeline.settings = settings
        pipeline.refresh_directory()
        if _prefetch is not None:  # its workers score with the settings they started with
            _start_prefetch(settings)

    _in_child(apply)


class WorkerProcess:
    """serve's handle on one child (role "worker" or "sender"): each call runs there, one at
    a time."""

    def __init__(
        self,
        role: str,
        settings: Settings,
        sessions: sessionmaker[Session],
        alive: Callable[[int], bool],
        started: Started | None = None,
    ) -> None:
        self.role = role
        self._settings = settings
        self._sessions = sessions  # serve's own, to release a dead child's claim
        self._alive = alive
        self._pool, self._started = started or spawn(role, settings)

    def wait_started(self) -> None:
        """Block until the child is up; a child that cannot start fails serve's start."""
        self._started.result()

    async def _call(self, func: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._pool, func, *args)
        except BrokenProcessPool as exc:
            log.error("worker_process_died", role=self.role, error=repr(exc))
            self._pool.shutdown(wait=False)
            self._pool, self._started = spawn(self.role, self._settings)
            await loop.run_in_executor(None, self.wait_started)
            released = await loop.run_in_executor(
                None, release_dead_claims, self._sessions, socket.gethostname(), self._alive
            )
            log.info("worker_process_restarted", role=self.role, released_claims=released)
            raise WorkerDiedError(str(exc)) from None

    async def process_due(self) -> list[Outcome]:
        """Process the next due inbox message (or batch) in the child; [] when none is due."""
        return await self._call(_process_due)

    async def release_claims(self) -> int:
        """Free the child's claims after a database failure, so the messages can be retried."""
        return await self._call(_release_claims)

    async def deliver_due(self, now: datetime) -> DeliveryReport:
        """One outbox delivery pass in the (sender) child."""
        return await self._call(sending_child.deliver, now)

    async def apply_settings(self, settings: Settings) -> None:
        """Hand a reload's clients, contacts and staff lists to the child."""
        self._settings = settings  # a replacement child starts with the reloaded lists
        apply = sending_child.apply_settings if self.role == "sender" else _apply_settings
        await self._call(apply, settings)

    def stop(self) -> None:
        """Wait for the call in hand, stop the child's read-ahead workers, then end the child.

        The read-ahead goes first: at the child's exit its pool would otherwise wait for
        every message handed out, in workers that may still be starting.
        """
        if self.role != "sender":  # the sender has no read-ahead (and never loads this module)
            with contextlib.suppress(Exception):  # a child that died has no workers left
                self._pool.submit(_close_prefetch).result(timeout=STOP_PREFETCH_SECONDS)
        self._pool.shutdown(wait=True)
