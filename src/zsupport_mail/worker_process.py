"""The processing worker in a process of its own, beside serve's edges.

Parsing, scoring and the handlers are CPU work in Python. In the edges' interpreter they held
the GIL while the SMTP listener had a client waiting for its 250, and a burst of mail was
accepted at a quarter of what a write-and-fsync server manages (docs/BENCHMARKS.md). Here they
run in a child process, so the edges keep one interpreter to themselves, as Postfix keeps
smtpd apart from its queue manager.

The child is a ``ProcessPoolExecutor`` of one spawned process that holds its own engine and
Pipeline. serve's worker task still decides what to do and when (one message at a time, a
reload between two, backoff while the database is away); it only runs each call in the child.

- The child ignores SIGTERM, SIGINT and SIGHUP: serve decides when it stops (after the
  message in hand) and forwards a reload as the new Settings.
- The child dies with serve (``PR_SET_PDEATHSIG``): after ``kill -9`` of serve no orphan
  goes on writing; its claim is released at the next start, like serve's own.
- If the child dies (a crash in a C extension, the OOM killer), serve logs
  ``worker_process_died``, starts a new one and goes on; the message in hand had its attempt
  counted when it was claimed, so a message that kills the worker ends in quarantine after
  ``processing.max_attempts`` instead of taking serve down each time.
"""

from __future__ import annotations

import asyncio
import ctypes
import multiprocessing
import os
import signal
import socket
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

import structlog
from sqlalchemy.orm import Session, sessionmaker

from zsupport_mail.clock import clock_from_env
from zsupport_mail.config import Settings
from zsupport_mail.db.session import make_engine, make_session_factory
from zsupport_mail.inbox import TRANSIENT_DB_ERRORS, release_claims, release_dead_claims
from zsupport_mail.logs import configure_logging
from zsupport_mail.pipeline import Outcome, Pipeline
from zsupport_mail.replies import ReplyRenderer

log = structlog.get_logger("zsupport_mail.worker_process")
_PR_SET_PDEATHSIG = 1
T = TypeVar("T")


class WorkerDatabaseError(Exception):
    """A transient database error raised in the child, carried to serve by its message only
    (a driver's exception does not always survive pickling)."""


class WorkerDiedError(Exception):
    """The worker process ended under a call; a new one has been started."""


_pipeline: Pipeline | None = None


def _die_with_parent(parent_pid: int) -> None:
    """Ask Linux to kill us when serve dies; exit at once if it already has."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:  # serve died before the request took effect
        os._exit(1)


def _start(settings: Settings, parent_pid: int, log_json: bool) -> None:
    """The child's initialiser: signals, logging, its own engine and Pipeline."""
    _die_with_parent(parent_pid)
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    configure_logging(settings.log_level, json=log_json)
    engine = make_engine(
        settings.database.url, busy_timeout_seconds=settings.database.busy_timeout_seconds
    )
    global _pipeline
    _pipeline = Pipeline(
        settings=settings,
        sessions=make_session_factory(engine),
        renderer=ReplyRenderer(settings),
        clock=clock_from_env(),
        worker=f"{socket.gethostname()}:{os.getpid()}",
    )
    log.info("worker_process_started", pid=os.getpid(), worker=_pipeline.worker)


def _in_child(func: Callable[[Pipeline], T]) -> T:
    assert _pipeline is not None, "the worker process was not initialised"
    try:
        return func(_pipeline)
    except TRANSIENT_DB_ERRORS as exc:
        raise WorkerDatabaseError(str(getattr(exc, "orig", None) or exc).strip()) from None


def _process_next() -> Outcome | None:
    return _in_child(lambda pipeline: pipeline.process_next())


def _release_claims() -> int:
    return _in_child(lambda pipeline: release_claims(pipeline.sessions, pipeline.worker))


def _apply_settings(settings: Settings) -> None:
    """A reload's result: serve synced the database; the child only swaps its lists."""

    def apply(pipeline: Pipeline) -> None:
        pipeline.settings = settings
        pipeline.refresh_directory()

    _in_child(apply)


class WorkerProcess:
    """serve's handle on the child: each call runs there, one at a time."""

    def __init__(
        self, settings: Settings, sessions: sessionmaker[Session], alive: Callable[[int], bool]
    ) -> None:
        self._settings = settings
        self._sessions = sessions  # serve's own, to release a dead child's claim
        self._alive = alive
        self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        pool = ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start,
            initargs=(self._settings, os.getpid(), not sys.stderr.isatty()),
        )
        pool.submit(int).result()  # start it now: a child that cannot start fails serve's start
        return pool

    async def _call(self, func: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._pool, func, *args)
        except BrokenProcessPool as exc:
            log.error("worker_process_died", error=repr(exc))
            self._pool.shutdown(wait=False)
            self._pool = await loop.run_in_executor(None, self._new_pool)
            released = await loop.run_in_executor(
                None, release_dead_claims, self._sessions, socket.gethostname(), self._alive
            )
            log.info("worker_process_restarted", released_claims=released)
            raise WorkerDiedError(str(exc)) from None

    async def process_next(self) -> Outcome | None:
        return await self._call(_process_next)

    async def release_claims(self) -> int:
        return await self._call(_release_claims)

    async def apply_settings(self, settings: Settings) -> None:
        self._settings = settings  # a restarted child starts with the reloaded lists
        await self._call(_apply_settings, settings)

    def stop(self) -> None:
        """Wait for the call in hand, then end the child."""
        self._pool.shutdown(wait=True)
