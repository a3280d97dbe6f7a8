"""Where one processed message's time goes in ``serve``'s processing child, stage by stage.

``python bench/serve_profile.py [-n 500] [--backend sqlite|postgresql] [--cprofile N]`` stores
N corpus messages as the SMTP edge does (one committed inbox row each), then processes them
the way serve's processing child does with the defaults (``Pipeline.process_next``: claim,
then one transaction per message), in this one process, with a timer around each stage:

claim; the thread-order check; the contact directory; parse; the assessment (its thread and
notice reads included); scoring; each handler; reply rendering (Jinja2, inside queue_reply);
writing the pending rows; the journey's insert; the commit (flush and COMMIT, the fsync on
SQLite). Every stage's time is its own (a stage inside another is subtracted from it), and
the SQL statements each sent, with the time spent in the driver's ``execute``, are counted
against the stage that sent them, so the table adds up to the time per message.

``--cprofile N`` instead runs N messages under cProfile and prints the functions with the
most own time, grouped by package (how much is SQLAlchemy, Jinja2, mail-parser, ours).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import json
import pstats
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import benchlib
import postgres_db
from sqlalchemy import event
from sqlalchemy.orm import Session

import zsupport_mail.runtime.pipeline as pipeline_module
from zsupport_mail.db.migrate import upgrade
from zsupport_mail.db.repos import sync_directory
from zsupport_mail.db.session import make_engine, make_session_factory
from zsupport_mail.handlers import HANDLERS
from zsupport_mail.mail.replies import ReplyRenderer
from zsupport_mail.queues.inbox import Arrival, store_raw
from zsupport_mail.queues.journey import Journey
from zsupport_mail.runtime.logs import configure_logging
from zsupport_mail.runtime.pipeline import Pipeline
from zsupport_mail.settings import load_settings

_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


class StageClock:
    """Own time per stage (nested stages subtracted), and SQL statements per stage."""

    def __init__(self) -> None:
        self.own: dict[str, float] = defaultdict(float)
        self.sql_seconds: dict[str, float] = defaultdict(float)
        self.statements: dict[str, int] = defaultdict(int)
        # From a transaction's first write to its connection's return (SQLite's write lock,
        # which the SMTP edge's stores queue for), by the stage that wrote first.
        self.write_held: dict[str, float] = defaultdict(float)
        self._stack: list[list[Any]] = []  # [name, started, nested seconds]

    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[None]:
        self._stack.append([name, time.perf_counter(), 0.0])
        try:
            yield
        finally:
            _, started, nested = self._stack.pop()
            spent = time.perf_counter() - started
            self.own[name] += spent - nested
            if self._stack:
                self._stack[-1][2] += spent

    def current(self) -> str:
        return self._stack[-1][0] if self._stack else "(outside any stage)"

    def wrap(self, name: str, func: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            with self.stage(name):
                return func(*args, **kwargs)

        return timed


def instrument(clock: StageClock, pipeline: Pipeline) -> None:
    """Put the clock around every stage of the processing path (this process only)."""
    module = pipeline_module
    for attr, name in (
        ("claim", "claim (own transaction)"),
        ("earlier_in_thread", "thread-order check"),
        ("parse_message", "parse"),
        ("known_notices", "assess"),
        ("assess", "assess"),
        ("record_assessment", "assess"),
        ("decide", "assess"),
        ("score_before_writing", "score"),
        ("write_pending", "write pending rows (flush)"),
    ):
        setattr(module, attr, clock.wrap(name, getattr(module, attr)))
    Pipeline._directory_for = clock.wrap("contact directory", Pipeline._directory_for)  # type: ignore[method-assign]
    Journey.save = clock.wrap("journey insert", Journey.save)  # type: ignore[method-assign]
    ReplyRenderer.render = clock.wrap("reply rendering (Jinja2)", ReplyRenderer.render)  # type: ignore[method-assign]
    for handler in HANDLERS:
        object.__setattr__(handler, "run", clock.wrap(f"handler {handler.name}", handler.run))
    pending: dict[int, Any] = {}
    engine = pipeline.sessions.kw["bind"]
    committing: list[Any] = []

    @event.listens_for(Session, "before_commit")
    def _before_commit(session: Session) -> None:
        if not clock._stack or clock.current() != "claim (own transaction)":
            pending[id(session)] = clock.stage("flush at commit (ORM)")
            pending[id(session)].__enter__()

    @event.listens_for(engine, "commit")
    def _commit(_conn: Any) -> None:
        if clock._stack and clock.current() == "flush at commit (ORM)":
            committing.append(clock.stage("COMMIT (the database's, fsync on SQLite)"))
            committing[-1].__enter__()

    @event.listens_for(Session, "after_commit")
    def _after_commit(session: Session) -> None:
        if committing:
            committing.pop().__exit__(None, None, None)
        stage = pending.pop(id(session), None)
        if stage is not None:
            stage.__exit__(None, None, None)

    started: list[float] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _before(*_: Any) -> None:
        started.append(time.perf_counter())

    @event.listens_for(engine, "after_cursor_execute")
    def _after(*_: Any) -> None:
        name = clock.current()
        clock.sql_seconds[name] += time.perf_counter() - started.pop()
        clock.statements[name] += 1

    first_write: dict[int, tuple[str, float]] = {}

    @event.listens_for(engine, "before_cursor_execute")
    def _writes(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        key = id(conn.connection.dbapi_connection)
        if key not in first_write and statement.lstrip()[:7].upper().startswith(_WRITES):
            first_write[key] = (clock.current(), time.perf_counter())

    @event.listens_for(engine.pool, "checkin")
    def _checkin(dbapi_connection: Any, _record: Any) -> None:
        held = first_write.pop(id(dbapi_connection), None)
        if held is not None:
            clock.write_held[held[0]] += time.perf_counter() - held[1]


def prepare(corpus_dir: Path, count: int, work: Path, database: Path | str) -> Pipeline:
    """A migrated database holding ``count`` corpus messages as pending inbox rows."""
    manifest = benchlib.ensure_corpus(corpus_dir, 1000)
    entries = manifest["messages"][:count]
    config = benchlib.write_config(
        work / "config.toml",
        corpus_dir=corpus_dir,
        database=database,
        maildir=work / "outbox",
        level="warning",
    )
    settings = load_settings(config)
    upgrade(settings.database.url)
    sessions = make_session_factory(make_engine(settings.database.url))
    with sessions.begin() as session:
        sync_directory(session, settings)
    mailbox = settings.smtp.addresses[0]
    for entry in entries:  # as the SMTP edge stores them: the corpus' envelope sender
        arrival = Arrival("smtp", mailbox, datetime.now(UTC), entry["sender"], (mailbox,))
        store_raw(sessions, (corpus_dir / entry["file"]).read_bytes(), arrival)
    renderer = ReplyRenderer(settings)
    return Pipeline(settings, sessions, renderer, lambda: datetime.now(UTC), "bench:1")


def process_all(pipeline: Pipeline, clock: StageClock | None) -> tuple[int, float]:
    """``process_next`` until nothing is due; the count and the seconds it took."""
    started, done = time.perf_counter(), 0
    while True:
        if clock is None:
            outcome = pipeline.process_next()
        else:
            with clock.stage("other (transaction, row lock, finish, ORM)"):
                outcome = pipeline.process_next()
        if outcome is None:
            return done, time.perf_counter() - started
        done += 1


def run(corpus_dir: Path, count: int, backend: str, profile: int) -> dict[str, Any]:
    configure_logging("warning")
    cluster_context = (
        postgres_db.running_cluster() if backend == "postgresql" else contextlib.nullcontext()
    )
    with cluster_context as cluster, tempfile.TemporaryDirectory(prefix="zs-prof-") as tmp:
        work = Path(tmp)
        database = cluster.fresh(work).config_value if cluster else work / "zsupport.db"
        pipeline = prepare(corpus_dir, count, work, database)
        if profile:
            return cprofile(pipeline, profile)
        clock = StageClock()
        instrument(clock, pipeline)
        done, seconds = process_all(pipeline, clock)
    per = 1000 / done
    stages = sorted(clock.own, key=lambda n: -clock.own[n])
    return {
        "backend": backend,
        "messages": done,
        "seconds": round(seconds, 3),
        "ms_per_message": round(seconds * per, 2),
        "stages": [
            {
                "stage": name,
                "ms_per_message": round(clock.own[name] * per, 3),
                "sql_ms_per_message": round(clock.sql_seconds[name] * per, 3),
                "statements_per_message": round(clock.statements[name] / done, 2),
            }
            for name in stages
        ],
        "statements_per_message": round(sum(clock.statements.values()) / done, 2),
        "write_lock_ms_per_message": {
            name: round(held * per, 3) for name, held in clock.write_held.items()
        },
    }


def cprofile(pipeline: Pipeline, count: int) -> dict[str, Any]:
    """Own time by package over ``count`` messages, and the top functions."""
    profiler = cProfile.Profile()
    profiler.enable()
    done = 0
    while done < count and pipeline.process_next() is not None:
        done += 1
    profiler.disable()
    stats = pstats.Stats(profiler)
    by_package: dict[str, float] = defaultdict(float)
    rows = []
    for (path, line, func), (_, _, own, cumulative, _) in stats.stats.items():  # type: ignore[attr-defined]
        package = _package(path)
        by_package[package] += own
        rows.append((own, cumulative, f"{package}: {Path(path).name}:{line} {func}"))
    total = sum(by_package.values())
    rows.sort(reverse=True)
    return {
        "messages": done,
        "ms_per_message_profiled": round(1000 * total / done, 2),
        "own_ms_per_message_by_package": {
            k: round(1000 * v / done, 2) for k, v in sorted(by_package.items(), key=lambda x: -x[1])
        },
        "top_own": [f"{1000 * own / done:.3f} ms {name}" for own, _, name in rows[:30]],
    }


def _package(path: str) -> str:
    for marker in ("zsupport_mail", "sqlalchemy", "jinja2", "mailparser", "sqlite3", "psycopg"):
        if f"/{marker}/" in path:
            return marker
    if path.startswith("~") or "<built-in" in path or "{" in path:
        return "builtins (C)"
    return "stdlib and others"


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: prints the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=benchlib.DEFAULT_CORPUS)
    parser.add_argument("-n", "--count", type=int, default=500)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--cprofile", type=int, default=0, help="profile N messages instead")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    result = run(args.corpus.resolve(), args.count, args.backend, args.cprofile)
    benchlib.print_json(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
