"""PostgreSQL advisory locks: which instance polls a mailbox, which one runs the SLA tick.

Several ``serve`` processes may share one PostgreSQL. Two kinds of lock keep them apart:

- a *session* lock (``pg_try_advisory_lock``) on a dedicated connection, held for as long as
  an instance polls one IMAP mailbox. PostgreSQL frees it when that connection ends, so when
  the holder dies another instance takes over. A killed process's socket is closed by its
  kernel and the server notices at once; a host that vanishes without closing anything is
  noticed by the server-side TCP keepalives and ``tcp_user_timeout`` set on the connection
  (about half a minute), after which the lock is free.
- a *transaction* lock (``pg_try_advisory_xact_lock``), taken at the start of a transaction
  and freed by its end: one SLA tick at a time across instances; and its waiting form
  (``pg_advisory_xact_lock``), so that two processes starting on one database do not both
  create the configured clients.

Neither is needed for correctness (the inbox dedupes every message and ticket rows are locked
while alerts are recorded); they keep instances from doing the same work twice. On SQLite
there is one instance (instance_lock.py), so every lock here is granted without asking.
No schema is involved: advisory locks live in the server's memory.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, Protocol

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

# Server side: probe an idle connection after 10 s, every 5 s, give up after 3 probes; and
# drop it when sent data stays unacknowledged for 30 s. Client side: the same, so the holder
# notices a vanished server and stops believing it holds the lock.
_SERVER_OPTIONS = (
    "-c tcp_keepalives_idle=10 -c tcp_keepalives_interval=5 -c tcp_keepalives_count=3 "
    "-c tcp_user_timeout=30000"
)
_CLIENT_KEEPALIVES: dict[str, Any] = {
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
    "tcp_user_timeout": 30000,
    "connect_timeout": 10,
}


class LockError(Exception):
    """The lock could not be asked for (the database is unreachable); try again later."""


def advisory_key(name: str) -> int:
    """A stable signed 64-bit key for a name (the same in every process and release)."""
    digest = hashlib.sha256(f"zsupport-mail:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def is_postgres(url: str) -> bool:
    """Whether url names PostgreSQL, the only backend with advisory locks to ask for."""
    return make_url(url).get_backend_name() == "postgresql"


class SessionLock(Protocol):
    """A lock held across transactions (for as long as an instance does one job)."""

    name: str

    def try_acquire(self) -> bool:
        """Take the lock if free; True when we hold it. Raises LockError."""

    def still_held(self) -> bool:
        """False when the lock's connection broke (someone else may hold it now)."""

    def release(self) -> None:
        """Give the lock up (safe to call when not held)."""


class GrantedLock:
    """SQLite: the one instance always holds every lock."""

    def __init__(self, name: str) -> None:
        self.name = name

    def try_acquire(self) -> bool:
        """Always granted: no other instance can want it."""
        return True

    def still_held(self) -> bool:
        """Always held: there is no connection to lose."""
        return True

    def release(self) -> None:
        """Nothing to give up."""


class PgSessionLock:
    """``pg_try_advisory_lock`` on a connection of its own (never from the pool: the lock
    lives and dies with the connection, and a pooled one would be reused by other work)."""

    def __init__(self, url: str, name: str) -> None:
        self.name = name
        self.key = advisory_key(name)
        url_ = make_url(url).set(drivername="postgresql")
        self._conninfo = url_.render_as_string(hide_password=False)
        self._conn: Any = None

    def try_acquire(self) -> bool:
        """Take the lock on our own connection if free; raises LockError if unreachable."""
        import psycopg  # only on PostgreSQL

        try:
            if self._conn is None or self._conn.closed:
                self._conn = psycopg.connect(
                    self._conninfo,
                    autocommit=True,
                    application_name=f"zsupport-mail lock {self.name}"[:63],
                    options=_SERVER_OPTIONS,
                    **_CLIENT_KEEPALIVES,
                )
            row = self._conn.execute("SELECT pg_try_advisory_lock(%s)", (self.key,)).fetchone()
        except psycopg.Error as exc:
            self._drop()
            raise LockError(f"advisory lock {self.name!r}: {exc}") from exc
        if not row[0]:
            self._drop()  # a standby holds no connection between tries
            return False
        return True

    def still_held(self) -> bool:
        """Probe the lock's connection: if it broke, the server has freed the lock."""
        import psycopg

        if self._conn is None or self._conn.closed:
            return False
        try:
            self._conn.execute("SELECT 1")
        except psycopg.Error:
            self._drop()
            return False
        return True

    def release(self) -> None:
        """Give the lock up by closing its connection (safe when not held)."""
        self._drop()  # closing the session frees its locks

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()


LockFactory = Callable[[str], SessionLock]


def session_locks(url: str) -> LockFactory:
    """A factory of named session locks for the database at url."""
    if is_postgres(url):
        return lambda name: PgSessionLock(url, name)
    return GrantedLock


def try_xact_lock(session: Session, name: str) -> bool:
    """Take a transaction-scoped lock in the session's transaction if free; True on SQLite."""
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        return True
    granted = session.scalar(
        text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": advisory_key(name)}
    )
    return bool(granted)


def xact_lock(session: Session, name: str) -> None:
    """Wait for a transaction-scoped lock in the session's transaction; nothing on SQLite.

    For work that two processes must not do at once, such as creating the configured clients
    in an empty database: the second waits, then sees the first one's rows.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": advisory_key(name)})
