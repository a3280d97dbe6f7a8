"""Engine and session factory, with the settings that make each backend durable.

SQLite runs in WAL mode with ``synchronous=FULL`` so a committed inbox row survives power loss
(the SMTP ``250`` depends on it), with foreign keys on and a busy timeout so the SMTP edge and the
worker can write from different threads.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 30_000


def _ensure_sqlite_dir(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for a SQLAlchemy URL (sqlite:///path or postgresql+psycopg://...)."""
    if make_url(url).get_backend_name() == "sqlite":
        _ensure_sqlite_dir(url)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded attributes after commit (for JSON output) and flush only when
    told to or at commit: the pipeline flushes where it needs an id, and implicit autoflush
    before every query made each message several round trips slower."""
    return sessionmaker(engine, expire_on_commit=False, autoflush=False)
