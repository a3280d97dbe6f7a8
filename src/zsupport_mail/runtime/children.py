"""serve's child processes, started before serve loads the rest of the program.

A spawned child imports the program again: about a second of CPU each for the processing
worker and the outbox sender. Started after serve's own imports, those seconds came one after
the other on every start; started first (launch.py), the three interpreters load at once on
both cores. This module stays light for that reason: the child's own code (workers.py) is
imported in the child, by :func:`start_child`, never here.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zsupport_mail.settings import Settings

ROLES = ("worker", "sender")
Started = tuple[ProcessPoolExecutor, "Future[int]"]  # a child's pool and its start


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
    """The child's initialiser: load the child's code there, then set the child up."""
    from zsupport_mail.runtime.workers import start_in_child

    start_in_child(role, settings, parent_pid, log_json)
