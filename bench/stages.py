"""Where `ingest`'s time goes: each stage of the pipeline over the same files, in one process.

The pipeline benchmark compares `ingest` with mail-parser's parse-only rate. This script
explains the gap by adding one stage at a time, all measured in the same run over the same
corpus files, each beside the parse-only limit:

1. mail-parser alone (the limit);
2. our parse_message (mail-parser plus the views the pipeline needs);
3. parse_message plus checklist scoring of every message as a first report;
4. the whole pipeline (Pipeline.ingest) on a fresh SQLite with ``synchronous=OFF``: no fsync,
   so what remains is CPU (ORM, rules, templates, MIME building);
5. the whole pipeline as shipped (``synchronous=FULL``, one transaction per message).

Run: ``.venv/bin/python bench/stages.py [-n 1000] [--json FILE]``; ``make bench`` runs it and
writes its section of docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import benchlib
import mailparser
from sqlalchemy import event

from zsupport_mail.db.migrate import upgrade
from zsupport_mail.db.repos import sync_directory
from zsupport_mail.db.session import make_engine, make_session_factory
from zsupport_mail.mail.message import parse_message
from zsupport_mail.mail.replies import ReplyRenderer
from zsupport_mail.runtime.logs import configure_logging
from zsupport_mail.runtime.pipeline import Pipeline
from zsupport_mail.scoring import score_input
from zsupport_mail.scoring.build import build_input
from zsupport_mail.scoring.types import ContactRecord
from zsupport_mail.settings import Settings, load_settings


def _timed(raws: list[bytes], step: Callable[[bytes], object]) -> float:
    started = time.perf_counter()
    for raw in raws:
        step(raw)
    return time.perf_counter() - started


def _parse_and_score(settings: Settings) -> Callable[[bytes], object]:
    client = settings.clients[0]
    record = ContactRecord(company=client.name, name=None, email=None, phone=None)
    received = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)

    def step(raw: bytes) -> object:
        msg = parse_message(raw)
        item = build_input(
            msg,
            received_at=received,
            timezone=client.timezone,
            holidays=client.holidays,
            record=record,
        )
        return score_input(item, settings.scoring.required)

    return step


def _pipeline(settings: Settings, *, fsync: bool) -> Pipeline:
    upgrade(settings.database.url)
    engine = make_engine(settings.database.url)
    if not fsync:

        @event.listens_for(engine, "connect")
        def _no_sync(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.execute("PRAGMA synchronous=OFF")

    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        sync_directory(session, settings)
    return Pipeline(settings, sessions, ReplyRenderer(settings), lambda: datetime.now(UTC))


def _ingest_step(pipeline: Pipeline) -> Callable[[bytes], object]:
    mailbox = pipeline.settings.smtp.addresses[0]
    return lambda raw: pipeline.ingest(raw, source="cli", mailbox=mailbox)


def run(corpus_dir: Path, count: int) -> dict[str, Any]:
    """Each stage over the same `count` corpus files; seconds and rate per stage."""
    manifest = benchlib.ensure_corpus(corpus_dir, max(count, 1000))
    raws = [p.read_bytes() for p in benchlib.corpus_files(corpus_dir, manifest)[:count]]
    configure_logging("warning")
    stages: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory(prefix="zs-bench-stages-") as tmp:
        work = Path(tmp)
        settings = {}
        for name in ("nosync", "full"):
            config = benchlib.write_config(
                work / f"{name}.toml",
                corpus_dir=corpus_dir,
                database=work / f"{name}.db",
                maildir=work / f"{name}-outbox",
                level="warning",
            )
            settings[name] = load_settings(config)
        stages.append(("mail-parser parse-only (limit)", _timed(raws, mailparser.parse_from_bytes)))
        stages.append(("parse_message", _timed(raws, parse_message)))
        stages.append(("parse_message + scoring", _timed(raws, _parse_and_score(settings["full"]))))
        nosync = _pipeline(settings["nosync"], fsync=False)
        stages.append(("Pipeline.ingest, synchronous=OFF", _timed(raws, _ingest_step(nosync))))
        full = _pipeline(settings["full"], fsync=True)
        stages.append(("Pipeline.ingest, synchronous=FULL", _timed(raws, _ingest_step(full))))
    limit = stages[0][1]
    return {
        "messages": len(raws),
        "stages": [
            {
                "stage": name,
                "seconds": round(seconds, 3),
                "ms_per_message": round(1000 * seconds / len(raws), 2),
                "messages_per_second": benchlib.rate(len(raws), seconds),
                "vs_parse_only": round(limit / seconds, 3),
            }
            for name, seconds in stages
        ],
    }


def render(result: dict[str, Any]) -> str:
    """The Markdown section for docs/BENCHMARKS.md."""
    rows = [
        f"| {s['stage']} | {s['messages_per_second']} | {s['ms_per_message']} "
        f"| {s['vs_parse_only']:.0%} |"
        for s in result["stages"]
    ]
    by_name = {s["stage"]: s for s in result["stages"]}
    parse_ms = by_name["parse_message"]["ms_per_message"]
    full_ms = by_name["Pipeline.ingest, synchronous=FULL"]["ms_per_message"]
    nosync_ms = by_name["Pipeline.ingest, synchronous=OFF"]["ms_per_message"]
    limit_ms = by_name["mail-parser parse-only (limit)"]["ms_per_message"]
    return "\n".join(
        [
            "## Where `ingest`'s time goes",
            "",
            f"`.venv/bin/python bench/stages.py -n {result['messages']}`: one process, the same "
            f"{result['messages']} corpus files through each stage in turn, every stage in the "
            "same run (logging at warning).",
            "",
            "| stage | messages/s | ms per message | against parse-only |",
            "| --- | ---: | ---: | ---: |",
            *rows,
            "",
            f"- The 60% target leaves {limit_ms / 0.6:.2f} ms per message for everything; "
            f"parse_message alone takes {parse_ms} ms of it.",
            f"- fsync costs {full_ms - nosync_ms:.2f} ms per message (FULL against OFF): one "
            "transaction per message is already the rule, so batching commits would win "
            "little. The rest is CPU in one interpreter: rules, scoring, ORM, templates and "
            "building the reply.",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=benchlib.DEFAULT_CORPUS)
    parser.add_argument("-n", "--count", type=int, default=1000)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    result = run(args.corpus, args.count)
    benchlib.print_json(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
