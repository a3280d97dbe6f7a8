"""serve's child processes, started before serve loads the rest of the program.

A spawned child imports the program again: about a second of CPU each for the processing
worker and the outbox sender. Started after serve's own imports, those seconds came one after
the other on every start; started first (launch.py), the three interpreters load at once on
both cores. This module stays light for that reason: a child's own code is imported in the
child, by :func:`start_child`, never here (workers.py for the processing worker, the lighter
sending_child.py for the outbox sender). It also holds what both children share: their
set-up and the errors they carry back to serve.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from zsupport_mail.db.session import TRANSIENT_DB_ERRORS, make_engine, make_session_factory
from zsupport_mail.runtime.logs import configure_logging
from zsupport_mail.runtime.parents import die_with_parent

if TYPE_CHECKING:
    from collections.abc import Callable

    from zsupport_mail.settings import Settings

T = TypeVar("T")

ROLES = ("worker", "sender")
Started = tuple[ProcessPoolExecutor, "Future[int]"]  # a child's pool and its start


class WorkerDatabaseError(Exception):
    """A transient database error raised in a child, carried to serve by its message only
    (a driver's exception does not always survive pickling)."""


class WorkerDiedError(Exception):
    """The child process ended under a call; a new one has been started."""


def spawn(role: str, settings: Settings) -> Started:
    """One child (a pool of one spawned process, no fork of a process holding database
    sockets), asked to start now rather than at its first call."""
    pool = ProcessPoolExecutor(
        max_workers=1,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=start_child,
        initargs=(role, settings, os.getpid(), not sys.stderr.isatty()),
    )
    return pool, pool.submit(int)


def spawn_all(settings: Settings) -> dict[str, Started]:
    """Both of serve's children, started together."""
    return {role: spawn(role, settings) for role in ROLES}


def start_child(role: str, settings: Settings, parent_pid: int, log_json: bool) -> None:
    """The child's initialiser: load the role's code there, then set the child up. The sender
    loads only the outbox (sending_child.py), not the pipeline the worker needs."""
    if role == "sender":
        from zsupport_mail.runtime import sending_child

        sending_child.start(settings, parent_pid, log_json)
    else:
        from zsupport_mail.runtime.workers import start_in_child

        start_in_child(role, settings, parent_pid, log_json)


def prepare_child(settings: Settings, parent_pid: int, log_json: bool) -> sessionmaker[Session]:
    """What every child does first: die with serve, leave the signals to serve, yield the CPU
    to the edges (processing.background_nice), log like serve; then its own engine."""
    die_with_parent(parent_pid)
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    os.nice(settings.processing.background_nice)
    configure_logging(settings.log_level, json=log_json)
    engine = make_engine(
        settings.database.url, busy_timeout_seconds=settings.database.busy_timeout_seconds
    )
    return make_session_factory(engine)


def database_errors_carried(func: Callable[[], T]) -> T:
    """Run a call in the child; a transient database error reaches serve as
    WorkerDatabaseError, so serve waits for the database instead of failing."""
    try:
        return func()
    except TRANSIENT_DB_ERRORS as exc:
        raise WorkerDatabaseError(str(getattr(exc, "orig", None) or exc).strip()) from None
