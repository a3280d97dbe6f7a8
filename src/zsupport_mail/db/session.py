"""Engine and session factory, with the settings that make each backend durable.

SQLite runs in WAL mode with ``synchronous=FULL`` so a committed inbox row survives power loss
(the SMTP ``250`` depends on it), with foreign keys on and a busy timeout so the SMTP edge and the
worker can write from different threads. The busy timeout (``database.busy_timeout_seconds``)
also bounds how long a write waits while another process holds the database locked; after it
the write fails, and the SMTP edge answers 451 instead of keeping the client waiting.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
import weakref
from collections import deque
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_SECONDS = 30
# The database is away, locked or full: every message would fail alike, so callers wait and
# retry instead of blaming (or acknowledging) the message in hand.
TRANSIENT_DB_ERRORS = (OperationalError, InterfaceError)


def _ensure_sqlite_dir(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(busy_timeout_ms: int) -> Any:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        # busy_timeout first: switching to WAL needs the lock another process may hold.
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return on_connect


class FairLock:
    """A first-come, first-served lock (threading.Lock promises no order at all)."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._queue: deque[object] = deque()
        self._held = False

    def acquire(self) -> None:
        """Block until every thread that asked before us has had the lock and released it."""
        me = object()
        with self._condition:
            self._queue.append(me)
            self._condition.notify_all()  # wakes wait_for_waiters
            while self._held or self._queue[0] is not me:
                self._condition.wait()
            self._queue.popleft()
            self._held = True

    def release(self) -> None:
        """Hand the lock to the longest-waiting thread."""
        with self._condition:
            self._held = False
            self._condition.notify_all()

    def wait_for_waiters(self, count: int, timeout: float) -> bool:
        """Block until `count` threads are queued (for tests and diagnostics)."""
        with self._condition:
            return self._condition.wait_for(lambda: len(self._queue) >= count, timeout)


class ProcessWriteLock:
    """An exclusive ``flock`` on ``<db>.write-lock``, taken before SQLite's own write lock.

    serve's worker and sender are processes of their own (runtime/workers.py). Between
    processes SQLite's busy handler sleeps 1, 2, 5 ... 100 ms before it looks again, so the
    SMTP edge waited out those sleeps for a lock freed long before. This lock is polled in
    steps of 0.1 to 2 ms instead. After ``timeout`` the writer goes on without it, and
    SQLite's busy timeout decides (a process that is not ours may hold the database).
    """

    def __init__(self, path: Path, timeout: float) -> None:
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        self._timeout = timeout
        # Closed with the lock, i.e. with its engine: a process that makes many engines (the
        # CLI, the tests) would otherwise run out of file descriptors.
        weakref.finalize(self, os.close, self._fd)

    def acquire(self) -> bool:
        """Whether the lock was taken (False: timed out, go on without it)."""
        deadline = time.monotonic() + self._timeout
        pause = 0.0001
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return False
                time.sleep(pause)
                pause = min(pause * 2, 0.002)

    def release(self) -> None:
        """Let the next process's writer in."""
        fcntl.flock(self._fd, fcntl.LOCK_UN)


WRITE_LOCK_SUFFIX = ".write-lock"
_WRITE = ("INSERT", "UPDATE", "DELETE", "REPLACE")
_HOLDS = "zsupport_holds_write_lock"
_HOLDS_FILE = "zsupport_holds_write_lock_file"
_RELAXED = "zsupport_relaxed_sync"


def relax_sync(session: Session) -> None:
    """Commit this session's transaction without an fsync (SQLite; elsewhere a no-op).

    For writes whose loss in a power failure costs nothing but a repeat (a claim's attempt
    count): WAL with ``synchronous=NORMAL`` still survives a crash of the process, and the
    next ``FULL`` commit's fsync makes these frames durable too. The connection goes back to
    ``FULL`` when it is returned to the pool.
    """
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    connection.exec_driver_sql("PRAGMA synchronous=NORMAL")
    connection.connection._connection_record.info[_RELAXED] = True


def _serialise_writes(engine: Engine, between_processes: ProcessWriteLock | None) -> None:
    """Queue this process's SQLite writers in arrival order, from first write to check-in.

    SQLite has one write lock per database. Left to itself, a writer that finds it taken
    sleeps in growing steps (up to 100 ms) instead of waking when it is freed, which made the
    SMTP edge's p99 time to 250 several times the longest transaction. Within one process we
    hand the lock over directly, in arrival order; other processes still meet SQLite's busy
    timeout. (Giving the SMTP edge's writers priority over processing was measured too: it
    starved the worker and did not lower the p99.) Between processes, the holder of this
    process's turn then takes the ProcessWriteLock.
    """
    lock = FairLock()

    def before_execute(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if not conn.info.get(_HOLDS) and statement.lstrip()[:7].upper().startswith(_WRITE):
            lock.acquire()
            conn.info[_HOLDS] = True
            if between_processes is not None:
                conn.info[_HOLDS_FILE] = between_processes.acquire()

    def checkin(dbapi_connection: Any, record: Any) -> None:
        if record.info.pop(_RELAXED, False) and dbapi_connection is not None:
            dbapi_connection.execute("PRAGMA synchronous=FULL")
        if record.info.pop(_HOLDS_FILE, False) and between_processes is not None:
            between_processes.release()
        if record.info.pop(_HOLDS, False):
            lock.release()

    event.listen(engine, "before_cursor_execute", before_execute)
    event.listen(engine.pool, "checkin", checkin)


def make_engine(url: str, *, busy_timeout_seconds: float = SQLITE_BUSY_TIMEOUT_SECONDS) -> Engine:
    """An engine for a SQLAlchemy URL (sqlite:///path or postgresql+psycopg://...).

    Args:
        url: the database URL.
        busy_timeout_seconds: SQLite only: how long a statement waits for a lock held by
            another process before it fails with "database is locked".
    """
    if make_url(url).get_backend_name() == "sqlite":
        _ensure_sqlite_dir(url)
        engine = create_engine(
            url,
            # sqlite3's own timeout also waits at BEGIN; keep it equal to the pragma's.
            connect_args={"check_same_thread": False, "timeout": busy_timeout_seconds},
        )
        event.listen(engine, "connect", _sqlite_pragmas(int(busy_timeout_seconds * 1000)))
        path = lock_path(url, WRITE_LOCK_SUFFIX)
        _serialise_writes(
            engine, ProcessWriteLock(path, busy_timeout_seconds) if path is not None else None
        )
        return engine
    return create_engine(url, pool_pre_ping=True)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded attributes after commit (for JSON output) and flush only when
    told to or at commit: the pipeline flushes where it needs an id, and implicit autoflush
    before every query made each message several round trips slower."""
    return sessionmaker(engine, expire_on_commit=False, autoflush=False)


def lock_path(database_url: str, suffix: str = ".serve.lock") -> Path | None:
    """``<db file><suffix>`` (``.serve.lock``) for a SQLite file database; None for PostgreSQL
    or memory. ``runtime.instance_lock`` names ``.serve.lock`` with it."""
    url = make_url(database_url)
    database = url.database
    if url.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    if database.startswith("file:"):
        return None  # a URI filename (tests, shared memory): not a file we can name reliably
    return Path(database).resolve().with_name(Path(database).name + suffix)
