"""SQLite writers across processes (serve, its worker and sender children) queue on
``<db>.write-lock``; a claim commits without an fsync and the connection goes back to FULL."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest
from sqlalchemy import text

from zsupport_mail.db.session import ProcessWriteLock, make_engine, make_session_factory, relax_sync


def _hold(path: str, held, release) -> None:
    lock = ProcessWriteLock(Path(path), timeout=10)
    assert lock.acquire()
    held.set()
    release.wait(30)
    lock.release()


@pytest.fixture
def other_process_holding(tmp_path):
    """A second process that holds the write lock until told to release it."""
    context = multiprocessing.get_context("spawn")
    held, release = context.Event(), context.Event()
    path = tmp_path / "zsupport.db.write-lock"
    process = context.Process(target=_hold, args=(str(path), held, release))
    process.start()
    assert held.wait(30)
    yield path, release
    release.set()
    process.join(30)


def test_a_writer_waits_for_another_process_and_gets_the_lock_once_freed(
    other_process_holding,
):
    path, release = other_process_holding
    assert ProcessWriteLock(path, timeout=0).acquire() is False  # held elsewhere
    lock = ProcessWriteLock(path, timeout=30)
    release.set()
    assert lock.acquire()
    lock.release()


def test_a_writer_gives_up_waiting_after_its_timeout(other_process_holding):
    path, _ = other_process_holding
    lock = ProcessWriteLock(path, timeout=0.2)
    assert lock.acquire() is False  # goes on; SQLite's own busy timeout decides


def test_a_sqlite_engine_takes_the_lock_file_next_to_the_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'zsupport.db'}"
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
    engine.dispose()
    assert (tmp_path / "zsupport.db.write-lock").exists()


def test_relaxed_commit_returns_the_connection_to_full_sync(db_url):
    engine = make_engine(db_url)
    sessions = make_session_factory(engine)
    try:
        with sessions.begin() as session:
            relax_sync(session)
            if engine.dialect.name == "sqlite":
                assert session.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
        with sessions.begin() as session:
            if engine.dialect.name == "sqlite":
                assert session.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
            else:
                assert session.execute(text("SELECT 1")).scalar() == 1  # a no-op elsewhere
    finally:
        engine.dispose()
