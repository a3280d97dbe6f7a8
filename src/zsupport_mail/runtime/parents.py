"""A child process that must not outlive its parent (serve's children, their workers).

After ``kill -9`` of serve no orphan may go on writing to the database or holding a claim:
Linux delivers SIGKILL to a process whose parent died when asked with ``PR_SET_PDEATHSIG``.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int) -> None:
    """Ask Linux to kill us when our parent dies; exit at once if it already has."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:  # serve died before the request took effect
        os._exit(1)


def quiet_child(parent_pid: int) -> None:
    """A worker of one of serve's children: dies with it, and leaves SIGTERM, SIGINT and
    SIGHUP (which systemd and a terminal send to the whole group) to serve, which stops its
    children in order."""
    die_with_parent(parent_pid)
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
