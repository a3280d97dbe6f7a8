"""IMAP intake: N corpus messages APPENDed to a throwaway Dovecot, time until all are processed.

``.venv/bin/python bench/imap.py [-n 300] [--latency 20] [--write-docs]`` runs ``zsupport-mail
serve`` (a subprocess, SQLite, replies into a maildir, ``logging.level = "info"``) with one
``[[imap.mailboxes]]`` pointing at a fresh Dovecot on loopback, and measures three things, each
on a fresh database and a fresh Dovecot:

- ``backlog``: N messages appended while the daemon is down; seconds from ``serve_started``
  until the N-th ``message_processed``: how fast one poller and the worker catch up;
- ``live``: N messages appended over one IMAP connection, as fast as Dovecot takes them, while
  the poller waits in IDLE; seconds from the first APPEND until the N-th ``message_processed``
  (and until the N-th ``imap_message_stored``: the edge alone);
- ``latency``: K single messages, each appended once the previous one is processed: seconds
  from APPEND to ``imap_message_stored`` and to ``message_processed`` (Dovecot reports new mail
  to IDLE about 0.5 s after the APPEND, a fixed delay of its own).

The messages are the benchmark corpus (bench/corpus.py, seed 1; cycled with fresh Message-IDs
past its end), so some are replies, unknown senders or quarantined, as in real traffic:
"processed" counts every outcome, and the outcomes are listed. ``--write-docs`` puts the
figures into docs/BENCHMARKS.md between ``<!-- bench:imap -->`` markers and leaves every other
section of that file alone. Everything runs on 127.0.0.1; nothing needs the network.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import benchlib

sys.path.insert(0, str(benchlib.ROOT))  # the test suite's throwaway Dovecot and daemon runner

from imapclient import IMAPClient
from tests.daemon import ServeProcess
from tests.servers.dovecot import DovecotServer
from tests.servers.fixtures import server_dir

DOC = benchlib.BENCHMARKS_DOC
SECTION = "imap"


def load_messages(count: int, seed: int) -> tuple[list[bytes], Path]:
    """`count` corpus messages in corpus order, with fresh Message-IDs past the corpus' end."""
    corpus_dir = benchlib.DEFAULT_CORPUS
    manifest = benchlib.ensure_corpus(corpus_dir, seed=seed)  # the other benchmarks' corpus
    files = benchlib.corpus_files(corpus_dir, manifest)
    messages = []
    for index in range(count):
        raw = files[index % len(files)].read_bytes()
        if index >= len(files):
            raw = re.sub(rb"(?mi)^(Message-ID:\s*<)", rb"\g<1>r%d." % index, raw, count=1)
        messages.append(raw)
    return messages, corpus_dir


@contextlib.contextmanager
def daemon_setup(corpus_dir: Path) -> Iterator[tuple[DovecotServer, Path]]:
    """A running Dovecot and a migrated daemon config watching its INBOX."""
    with server_dir("bench-imap-dovecot") as mail_dir, server_dir("bench-imap") as work:
        dovecot = DovecotServer(mail_dir)
        dovecot.start()
        try:
            config = benchlib.write_config(
                work / "config.toml",
                corpus_dir=corpus_dir,
                database=work / "zsupport.db",
                maildir=work / "outbox",
                level="info",
                smtp={"port": benchlib.free_port()},
            )
            with config.open("a", encoding="utf-8") as file:
                file.write(
                    f'\n[[imap.mailboxes]]\nhost = "{dovecot.host}"\nport = {dovecot.port}\n'
                    f'tls = "none"\nuser = "{dovecot.user}"\npassword = "{dovecot.password}"\n'
                )
            benchlib.migrate(config)
            yield dovecot, config
        finally:
            dovecot.stop()


def append_all(server: DovecotServer, messages: list[bytes]) -> float:
    """APPEND every message over one connection; returns the wall-clock start (epoch seconds)."""
    with IMAPClient(server.host, server.port, ssl=False, timeout=60) as client:
        client.login(server.user, server.password)
        started = time.time()
        for raw in messages:
            client.append("INBOX", raw)
    return started


def at(event: dict[str, Any]) -> float:
    """An event's own timestamp (structlog, UTC ISO) as epoch seconds."""
    return datetime.fromisoformat(event["timestamp"].replace("Z", "+00:00")).timestamp()


def run_backlog(corpus_dir: Path, messages: list[bytes]) -> dict[str, Any]:
    with daemon_setup(corpus_dir) as (dovecot, config):
        started = append_all(dovecot, messages)
        appended = time.time() - started
        serve = ServeProcess(config).start()
        try:
            [ready] = serve.wait_for("serve_started")
            done = serve.wait_for("message_processed", count=len(messages), timeout=1800)
        finally:
            serve.stop()
    seconds = at(done[-1]) - at(ready)
    return {
        "messages": len(messages),
        "seconds": round(seconds, 2),
        "per_second": benchlib.rate(len(messages), seconds),
        "append_seconds": round(appended, 2),
        "outcomes": dict(Counter(e["action"] for e in done)),
    }


def run_live(corpus_dir: Path, messages: list[bytes]) -> dict[str, Any]:
    with daemon_setup(corpus_dir) as (dovecot, config):
        serve = ServeProcess(config).start()
        try:
            serve.wait_for("imap_connected")
            started = append_all(dovecot, messages)
            appended = time.time() - started
            count = len(messages)
            stored = serve.wait_for("imap_message_stored", count=count, timeout=1800)
            done = serve.wait_for("message_processed", count=count, timeout=1800)
        finally:
            serve.stop()
    seconds = at(done[-1]) - started
    return {
        "messages": count,
        "seconds": round(seconds, 2),
        "per_second": benchlib.rate(count, seconds),
        "stored_seconds": round(at(stored[-1]) - started, 2),
        "append_seconds": round(appended, 2),
        "outcomes": dict(Counter(e["action"] for e in done)),
    }


def run_latency(corpus_dir: Path, messages: list[bytes]) -> dict[str, Any]:
    stored_after: list[float] = []
    processed_after: list[float] = []
    with daemon_setup(corpus_dir) as (dovecot, config):
        serve = ServeProcess(config).start()
        try:
            serve.wait_for("imap_connected")
            for number, raw in enumerate(messages, start=1):
                started = append_all(dovecot, [raw])
                stored = serve.wait_for("imap_message_stored", count=number)[-1]
                done = serve.wait_for("message_processed", count=number)[-1]
                stored_after.append(at(stored) - started)
                processed_after.append(at(done) - started)
        finally:
            serve.stop()
    return {
        "messages": len(messages),
        "stored_p50": round(benchlib.median(stored_after), 3),
        "stored_max": round(max(stored_after), 3),
        "processed_p50": round(benchlib.median(processed_after), 3),
        "processed_max": round(max(processed_after), 3),
    }


def _row(label: str, run: dict[str, Any]) -> str:
    return f"| {label} | {run['messages']} | {run['seconds']} s | {run['per_second']} |"


def render(result: dict[str, Any]) -> str:
    backlog, live, latency = result["backlog"], result["live"], result["latency"]
    outcomes = ", ".join(f"{k} {v}" for k, v in sorted(live["outcomes"].items()))
    rows = "\n".join(
        (
            _row("backlog: appended while `serve` was down, from `serve_started`", backlog),
            _row("live: appended during IDLE, from the first APPEND", live),
        )
    )
    return f"""## IMAP

`.venv/bin/python bench/imap.py -n {result["n"]} --latency {latency["messages"]} --write-docs`
on {result["when"]}: {result["machine"]}. One poller, `serve` on SQLite, a throwaway Dovecot
on loopback, corpus seed {result["seed"]} (mixed sizes, attachments, replies, strangers).

| run | messages | until all processed | messages/s |
| --- | ---: | ---: | ---: |
{rows}

- live, edge alone: all {live["messages"]} stored in the inbox {live["stored_seconds"]} s after
  the first APPEND (Dovecot took {live["append_seconds"]} s to accept them over one connection).
- one message at a time ({latency["messages"]} runs): APPEND to stored p50
  {latency["stored_p50"]} s (max {latency["stored_max"]}), APPEND to processed p50
  {latency["processed_p50"]} s (max {latency["processed_max"]}); about 0.5 s of it is
  Dovecot's own delay before it tells an IDLE client about new mail.
- outcomes of the live run: {outcomes}.
"""


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: prints the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=300, help="messages per throughput run")
    parser.add_argument("--latency", type=int, default=20, help="single-message runs")
    parser.add_argument("--seed", type=int, default=1, help="corpus seed")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--write-docs", action="store_true", help=f"update {DOC.name}")
    args = parser.parse_args(argv)
    messages, corpus_dir = load_messages(args.n, args.seed)
    result = {
        "n": args.n,
        "seed": args.seed,
        "when": datetime.now(UTC).strftime("%Y-%m-%d"),
        "machine": f"{os.cpu_count()} CPUs, Python {platform.python_version()}",
        "backlog": run_backlog(corpus_dir, messages),
        "live": run_live(corpus_dir, messages),
        "latency": run_latency(corpus_dir, messages[: args.latency]),
    }
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    if args.write_docs:
        benchlib.write_section(SECTION, render(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
