"""One ``serve`` per SQLite database: an exclusive ``flock`` on ``<db>.serve.lock``.

SQLite is the embedded, single-instance setup: serve releases every claim it finds at start
(a claim left behind belongs to a dead process) and runs one worker. A second serve on the
same file would break both assumptions, so it is refused at once. The lock is held through
an open file for the process's life; the kernel drops it when the process dies however it
dies (even ``kill -9``), so there is no stale pidfile to clean up. The pid in the file only
names the holder in the error; the lock itself is the flock, not the file's content.
PostgreSQL needs none of this: several instances share it (see db/advisory.py).
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO

SUFFIX = ".serve.lock"


class InstanceLockedError(Exception):
    """Another process holds the database's serve lock."""

    def __init__(self, path: Path, holder_pid: int | None) -> None:
        self.path, self.holder_pid = path, holder_pid
        holder = f"pid {holder_pid}" if holder_pid else "another process (pid not yet written)"
        super().__init__(
            f"another `serve` ({holder}) already runs on this SQLite database (lock {path}); "
            "SQLite allows one instance: stop it first, or share PostgreSQL between instances"
        )


class InstanceLock:
    """The held lock; keep the object alive for as long as the process serves."""

    def __init__(self, path: Path, handle: IO[str]) -> None:
        self.path, self._handle = path, handle

    @classmethod
    def acquire(cls, path: Path) -> InstanceLock:
        """Take the lock without waiting and write our pid into the file.

        Raises:
            InstanceLockedError: another process holds it.
        """
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = path.open("a+", encoding="ascii")  # a+: never truncate the holder's pid
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_pid(handle)
            handle.close()
            raise InstanceLockedError(path, holder) from None
        handle.truncate(0)
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        return cls(path, handle)

    def release(self) -> None:
        """Unlock (the file stays: removing it would race with a starting instance)."""
        if not self._handle.closed:
            self._handle.close()


def _read_pid(handle: IO[str]) -> int | None:
    handle.seek(0)
    text = handle.read().strip()
    return int(text) if text.isdigit() else None
