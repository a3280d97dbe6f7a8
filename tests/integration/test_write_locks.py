"""SQLite writers across processes (serve, its worker and sender children) queue on
``<db>.write-lock``; a claim commits without an fsync and the connection goes back to FULL.

PostgreSQL has no write-lock file: the server locks rows. Two workers claiming at the same
moment skip each other's rows instead of queueing or taking the same message, and the relaxed
claim commit changes nothing there (the configured ``synchronous_commit`` holds).
"""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.engine import make_url

from tests.helpers import SUPPORT, make_mail
from zsupport_mail.db.models import InboundMessage
from zsupport_mail.db.session import (
    WRITE_LOCK_SUFFIX,
    ProcessWriteLock,
    lock_path,
    make_engine,
    make_session_factory,
    relax_sync,
)
from zsupport_mail.queues.inbox import Arrival, claim, store_raw
from zsupport_mail.settings.clock import utc_now


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


@pytest.mark.parametrize("backend", ["sqlite"])
def test_relaxed_commit_returns_the_connection_to_full_sync(db_url):
    engine = make_engine(db_url)
    sessions = make_session_factory(engine)
    try:
        with sessions.begin() as session:
            relax_sync(session)
            assert session.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
        with sessions.begin() as session:
            assert session.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", ["postgresql"])
def test_relax_sync_leaves_postgresql_commits_as_durable_as_configured(db_url):
    """The test cluster runs with synchronous_commit off; the connections here ask for on,
    so a relax_sync that turned it off (for the transaction or the session) would show."""
    url = make_url(db_url).update_query_dict({"options": "-c synchronous_commit=on"})
    engine = make_engine(url.render_as_string(hide_password=False))
    sessions = make_session_factory(engine)
    show = text("SHOW synchronous_commit")
    try:
        with sessions.begin() as session:
            relax_sync(session)
            assert session.execute(show).scalar() == "on"
        with sessions.begin() as session:
            assert session.execute(show).scalar() == "on"
    finally:
        engine.dispose()
    assert lock_path(db_url, WRITE_LOCK_SUFFIX) is None  # no write-lock file to queue on


def _paused_after_select_for_update(engine: Any) -> tuple[threading.Event, threading.Event]:
    """(paused, resume): the engine's first SELECT ... FOR UPDATE waits, holding its row
    locks, until resume is set; paused is set once it is there."""
    paused, resume = threading.Event(), threading.Event()

    def after_execute(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "FOR UPDATE" in statement and not paused.is_set():
            paused.set()
            resume.wait(30)

    event.listen(engine, "after_cursor_execute", after_execute)
    return paused, resume


@pytest.mark.parametrize("backend", ["postgresql"])
def test_two_workers_claiming_at_once_take_different_messages_without_waiting(db_url):
    """Worker a is stopped inside its claim, its row locked; worker b (another engine, as
    another process) must neither wait for a nor take a's message."""
    engine_a, engine_b = make_engine(db_url), make_engine(db_url)
    sessions_a, sessions_b = make_session_factory(engine_a), make_session_factory(engine_b)
    now = utc_now()
    first, second = (
        store_raw(sessions_a, make_mail(message_id=f"<claim-{n}@x>"), Arrival("smtp", SUPPORT, now))
        for n in range(2)
    )
    paused, resume = _paused_after_select_for_update(engine_a)
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            try:
                claimed_by_a = pool.submit(claim, sessions_a, "host-a:1", now)
                assert paused.wait(30)
                claimed_by_b = pool.submit(claim, sessions_b, "host-b:2", now)
                assert claimed_by_b.result(timeout=10) == second.inbound_id  # a holds first
            finally:
                resume.set()
            assert claimed_by_a.result(timeout=30) == first.inbound_id
        with sessions_a.begin() as session:
            rows = session.execute(
                select(
                    InboundMessage.id,
                    InboundMessage.status,
                    InboundMessage.claimed_by,
                    InboundMessage.attempts,
                ).order_by(InboundMessage.id)
            ).all()
        assert [tuple(row) for row in rows] == [
            (first.inbound_id, "processing", "host-a:1", 1),
            (second.inbound_id, "processing", "host-b:2", 1),
        ]
    finally:
        engine_a.dispose()
        engine_b.dispose()
