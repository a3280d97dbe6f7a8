"""Issue 20's SMTP figures: 1,000 mails over 4 connections end to end, and p99 at 100 mails/s.

``python bench/throughput.py`` (in ``make bench``) reuses bench/smtp.py's client, servers and
backlog sampler for the two shapes issue 20 sets targets on, each beside its baseline from the
same run:

- **closed loop, 4 connections**: N corpus messages (default 1,000, in send-time order, each
  connection taking the next one from a shared queue) to the fsync-only sink and to ``serve``
  (fresh SQLite, replies into a maildir). ``serve``'s end-to-end rate runs from the first MAIL
  until every message is processed and every queued reply delivered; target: at least 0.5 of
  the sink's accepted rate.
- **open loop at 100 mails/s** for 10 s over 8 persistent connections (smtp.py's scheduler):
  p99 time from the end of DATA to the ``250`` under 50 ms while processing keeps up (no
  growing inbox backlog, drained within 2 s of the offer).

``--rounds R`` repeats both shapes and keeps the round with the median ratio (and median p99).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import queue
import smtplib
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import benchlib
import pipeline
import postgres_db
import smtp

Database = Callable[[Path], smtp.Database]

# serve's [processing] keys for every run (--batch-size), else the example config's
PROCESSING: dict[str, object] = {}
E2E_TARGET = 0.5
P99_TARGET_MS = 50.0


def send_connections(
    port: int | list[int], mails: list[smtp.Mail], connections: int
) -> smtp.ClosedLoop:
    """Closed loop over ``connections`` sessions at once: each takes the next message as soon
    as its previous one was answered (connect and EHLO not timed). With a list of ports (two
    instances) the sessions go to them in turn."""
    todo: queue.Queue[int] = queue.Queue()
    for index in range(len(mails)):
        todo.put(index)
    latencies: list[float | None] = [None] * len(mails)
    errors: list[str] = []
    ports = port if isinstance(port, list) else [port]
    clients = [smtp.connect(ports[n % len(ports)]) for n in range(connections)]

    def run(client: smtplib.SMTP) -> None:
        while True:
            try:
                index = todo.get_nowait()
            except queue.Empty:
                return
            try:
                latencies[index] = smtp.transact(client, mails[index])
            except (smtplib.SMTPException, OSError, smtp.SmtpRefusedError) as exc:
                errors.append(repr(exc))

    threads = [threading.Thread(target=run, args=(c,), daemon=True) for c in clients]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=smtp.TIMEOUT * len(mails))
    ended = time.perf_counter()
    for client in clients:
        client.quit()
    if errors:
        raise RuntimeError(f"{len(errors)} SMTP errors, first: {errors[0]}")
    done = [(lat, len(m.wire)) for lat, m in zip(latencies, mails, strict=True) if lat is not None]
    return smtp.ClosedLoop(started, ended, [d[0] for d in done], [d[1] for d in done])


def setup_name(instances: int) -> str:
    """``serve`` for one instance (the key run_all.py reads), ``serve_2`` for two."""
    return "serve" if instances == 1 else f"serve_{instances}"


def closed_round(
    corpus_dir: Path, mails: list[smtp.Mail], connections: int, db: Database, instances: list[int]
) -> dict[str, Any]:
    """fsync-only then serve (one, then two instances), seconds apart, so their ratios share
    the machine's state."""

    def send(port: int | list[int], batch: list[smtp.Mail]) -> smtp.ClosedLoop:
        return send_connections(port, batch, connections)

    fsync = smtp.closed_loop_sink("fsync", mails, send)
    result: dict[str, Any] = {"fsync": fsync}
    for count in instances:
        serve = smtp.closed_loop_serve(corpus_dir, mails, send, db, count, PROCESSING)
        sink = fsync["accepted_per_second"]
        serve["e2e_ratio"] = round(serve["end_to_end_per_second"] / sink, 3)
        serve["accept_ratio"] = round(serve["accepted_per_second"] / sink, 3)
        result[setup_name(count)] = serve
    first = result[setup_name(instances[0])]
    return {**result, "e2e_ratio": first["e2e_ratio"], "accept_ratio": first["accept_ratio"]}


def open_round(
    corpus_dir: Path, paced: list[smtp.Mail], rate: float, db: Database, instances: list[int]
) -> dict[str, Any]:
    """The fixed-rate offer to the fsync-only sink, then to serve (one, then two instances)."""
    result = {"fsync": smtp.open_loop_sink(paced, rate, 8)}
    for count in instances:
        result[setup_name(count)] = smtp.open_loop_serve(
            corpus_dir, paced, rate, 8, db, count, PROCESSING
        )
    return result


def measure_ingest(
    corpus_dir: Path, manifest: dict[str, Any], cluster: Any, instances: list[int]
) -> dict[str, Any]:
    """mail-parser parse-only, then ``ingest`` (one process, then two at once on one database)
    over the same 1,000 files, one run each, on the benchmark's database."""
    files = benchlib.corpus_files(corpus_dir, manifest)
    parse_only = pipeline.measure_parse_only(files, 1)
    base = parse_only["messages_per_second"]
    result: dict[str, Any] = {"parse_only": parse_only}
    for count in instances:

        def database(work: Path) -> Path | str:
            return postgres_db.database_factory(cluster)(work).config_value

        ingest = pipeline.measure_ingest(corpus_dir, files, 1, database=database, processes=count)
        ingest["ratio_steady"] = round(ingest["steady_messages_per_second"] / base, 3)
        result[setup_name(count)] = ingest
    return result


def run(
    corpus_dir: Path,
    count: int,
    connections: int,
    rate: float,
    duration: float,
    rounds: int,
    backend: str = "sqlite",
    instances: tuple[int, ...] = (1,),
    ingest: bool = False,
) -> dict[str, Any]:
    """Both shapes, ``rounds`` times; the median rounds and every round's figures."""
    manifest = benchlib.ensure_corpus(corpus_dir, 1000, 1)
    mails = smtp.load_mails(corpus_dir, manifest, count)
    paced = smtp.load_mails(corpus_dir, manifest, int(rate * duration))
    closed, opened = [], []
    setups = list(instances)
    cluster_context = (
        postgres_db.running_cluster() if backend == "postgresql" else contextlib.nullcontext()
    )
    with cluster_context as cluster:
        db = postgres_db.database_factory(cluster)
        for _ in range(rounds):
            closed.append(closed_round(corpus_dir, mails, connections, db, setups))
            opened.append(open_round(corpus_dir, paced, rate, db, setups))
        ingested = None
        if ingest:
            try:
                ingested = measure_ingest(corpus_dir, manifest, cluster, setups)
            except RuntimeError as exc:  # keep the SMTP figures of the last minutes
                ingested = {"error": str(exc)[-2000:]}
    chosen = sorted(closed, key=lambda r: r["e2e_ratio"])[len(closed) // 2]
    open_chosen = smtp.median_open_round(opened, rate)
    serve_open = open_chosen["serve"]
    result = {
        "backend": backend,
        "instances": setups,
        "messages": count,
        "connections": connections,
        "rounds": rounds,
        "closed": {**chosen, "round_e2e_ratios": [r["e2e_ratio"] for r in closed]},
        "open_loop": open_chosen,
        "targets": {
            "e2e_vs_fsync": chosen["e2e_ratio"] >= E2E_TARGET,
            "keeps_up": smtp.keeps_up(serve_open, rate),
            "p99_under_50ms": serve_open["p99_ms"] < P99_TARGET_MS
            and serve_open["error_count"] == 0,
        },
    }
    if ingested is not None:
        result["ingest"] = ingested
    return result


def render(result: dict[str, Any]) -> str:
    """The Markdown section for docs/BENCHMARKS.md."""
    closed, opened, targets = result["closed"], result["open_loop"], result["targets"]
    fsync, serve = closed["fsync"], closed["serve"]
    o_fsync, o_serve = opened["fsync"], opened["serve"]
    rate = o_serve["offered_per_second"]
    verdict = {True: "met", False: "**missed**"}
    return "\n".join(
        [
            "## Issue 20: SMTP over 4 connections, and p99 at 100 mails/s",
            "",
            f"`bench/throughput.py`: {result['messages']} corpus messages over "
            f"{result['connections']} connections at once (closed loop), first to the "
            "fsync-only sink, then to `serve` (fresh SQLite, replies into a maildir); then "
            f"{rate:g} mails/s offered for {o_serve['messages'] / rate:g} s over 8 connections "
            f"to each. {result['rounds']} round(s); the median round is shown, e2e/fsync of "
            f"every round: {closed['round_e2e_ratios']}, serve p99 of every round: "
            f"{opened.get('round_p99_ms')} ms.",
            "",
            "| figure | fsync-only sink | `serve` | ratio | target | verdict |",
            "| --- | ---: | ---: | ---: | --- | --- |",
            f"| closed loop, accepted/s | {fsync['accepted_per_second']} "
            f"| {serve['accepted_per_second']} | {closed['accept_ratio']:.0%} | | |",
            f"| closed loop, end to end/s (processed, reply delivered) | "
            f"{fsync['accepted_per_second']} (accepted) | {serve['end_to_end_per_second']} "
            f"| {closed['e2e_ratio']:.0%} | >= {E2E_TARGET:.0%} "
            f"| {verdict[targets['e2e_vs_fsync']]} |",
            f"| {rate:g}/s offered: p99 ms to 250 | {o_fsync['p99_ms']} | {o_serve['p99_ms']} "
            f"| | < {P99_TARGET_MS:g} ms | {verdict[targets['p99_under_50ms']]} |",
            f"| {rate:g}/s offered: backlog max, slope /s, drained after offer | | "
            f"{o_serve['backlog_max']}, {o_serve['backlog_slope_per_second']}, "
            f"{o_serve['drained_after_offer_seconds']} s | | keeps up "
            f"| {verdict[targets['keeps_up']]} |",
            "",
            f"Closed loop: serve's backlog max {serve['backlog_max']}, outcomes "
            f"{serve['actions']}, replies {serve['replies']}.",
        ]
    )


def render_setups(result: dict[str, Any]) -> str:
    """A table with one column per setup (one instance, two), each figure beside the same
    run's baseline: for PostgreSQL runs (``--markdown``), written by hand into BENCHMARKS.md."""
    closed, opened = result["closed"], result["open_loop"]
    names = [setup_name(n) for n in result["instances"]]
    fsync, o_fsync = closed["fsync"], opened["fsync"]
    rate = o_fsync["offered_per_second"]

    def cells(values: list[object]) -> str:
        return " | ".join(str(v) for v in values)

    heads = cells([f"`serve` x {n}" for n in result["instances"]])
    lines = [
        f"| figure | baseline (same run) | {heads} | target |",
        "| --- | ---: | " + " | ".join("---:" for _ in names) + " | --- |",
        f"| {result['messages']} mails over {result['connections']} connections: accepted/s "
        f"| sink {fsync['accepted_per_second']} "
        f"| {cells([closed[n]['accepted_per_second'] for n in names])} | |",
        "| same: end to end msg/s (processed, replies delivered) | "
        f"sink accepts {fsync['accepted_per_second']} "
        f"| {cells([closed[n]['end_to_end_per_second'] for n in names])} | |",
        "| same: end to end against the sink | 1 "
        f"| {cells([closed[n]['e2e_ratio'] for n in names])} | >= {E2E_TARGET} |",
        f"| {rate:g}/s offered: p99 ms to `250` | sink {o_fsync['p99_ms']} "
        f"| {cells([opened[n]['p99_ms'] for n in names])} | < {P99_TARGET_MS:g} |",
        f"| {rate:g}/s offered: backlog max, slope /s, drained after offer | "
        "| "
        + cells(
            [
                f"{opened[n]['backlog_max']}, {opened[n]['backlog_slope_per_second']:+}, "
                f"{opened[n]['drained_after_offer_seconds']} s"
                for n in names
            ]
        )
        + " | keeps up |",
    ]
    if "ingest" in result and "error" not in result["ingest"]:
        ingest = result["ingest"]
        base = ingest["parse_only"]["messages_per_second"]
        lines += [
            f"| `ingest` of the 1,000 files, steady msg/s (processes at once) | parse-only {base} "
            f"| {cells([ingest[n]['steady_messages_per_second'] for n in names])} | |",
            "| same: against parse-only | 1 "
            f"| {cells([ingest[n]['ratio_steady'] for n in names])} | >= 0.6 |",
        ]
    outcomes = "; ".join(f"x{n[-1] if n != 'serve' else 1}: {closed[n]['actions']}" for n in names)
    return "\n".join([*lines, "", f"Closed-loop outcomes: {outcomes}."])


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: prints the figures as JSON (and writes them with --json)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=benchlib.DEFAULT_CORPUS)
    parser.add_argument("-n", "--count", type=int, default=1000, help="closed-loop messages")
    parser.add_argument("--connections", type=int, default=4, help="closed-loop sessions")
    parser.add_argument("--rate", type=float, default=100.0, help="open loop: messages/s")
    parser.add_argument("--duration", type=float, default=10.0, help="open loop: seconds")
    parser.add_argument("--rounds", type=int, default=1, help="rounds (median kept)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument(
        "--backend",
        choices=("sqlite", "postgresql"),
        default="sqlite",
        help="serve's database: a SQLite file, or a durable throwaway PostgreSQL 15",
    )
    parser.add_argument(
        "--instances",
        default=None,
        help="serve instances on one database, comma-separated setups "
        "(default: 1 on SQLite, 1,2 on PostgreSQL)",
    )
    parser.add_argument(
        "--ingest", action="store_true", help="also ingest vs parse-only on the same backend"
    )
    parser.add_argument("--markdown", type=Path, help="write the per-setup table to this file")
    parser.add_argument(
        "--batch-size", type=int, default=0, help="serve's processing.batch_size (default: config)"
    )
    args = parser.parse_args(argv)
    benchlib.exit_on_sigterm()
    if args.batch_size:
        PROCESSING["batch_size"] = args.batch_size
    if not 1 <= args.count <= 1000 or not 0 < args.rate * args.duration <= 1000:
        parser.error("at most the 1,000 corpus messages per run")
    default = "1" if args.backend == "sqlite" else "1,2"
    instances = tuple(int(n) for n in (args.instances or default).split(","))
    if args.backend == "sqlite" and instances != (1,):
        parser.error("SQLite takes one serve instance (one writer)")
    result = run(
        args.corpus.resolve(),
        args.count,
        args.connections,
        args.rate,
        args.duration,
        max(1, args.rounds),
        args.backend,
        instances,
        args.ingest,
    )
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    if args.markdown:
        args.markdown.write_text(render_setups(result) + "\n", encoding="utf-8")
    benchlib.print_json(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
