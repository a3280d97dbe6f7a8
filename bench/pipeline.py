"""Pipeline throughput: ``zsupport-mail ingest`` over the corpus against mail-parser alone.

``python bench/pipeline.py`` generates (or reuses) the 1,000-message corpus, then measures in the
same run:

- parse-only: ``parse_baseline.parse_all`` over the files already in memory, the floor for any
  pipeline built on mail-parser;
- ingest: one ``zsupport-mail ingest FILE...`` process over the same files, on a fresh SQLite
  database migrated first, with a config made from the example plus the corpus' clients and
  ``logging.level = "warning"`` (so log rendering is not what we measure); with ``--staff``,
  two staff addresses, so every client message is also copied to staff (copy_to_staff).

The issue's target is ingest at >= 60% of parse-only. Ingest is timed two ways: wall clock of the
whole process (start-up, reading 80 MB of files, migrations check included) and the steady rate
between its first and last output line (one JSON line per message, flushed): a daemon runs for
days, so the steady rate is the one compared with parse-only, and both are reported.
Each side runs ``--repeat`` times; the median is reported.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import benchlib
import parse_baseline

TARGET_RATIO = 0.60


def measure_parse_only(files: list[Path], repeat: int) -> dict[str, Any]:
    """mail-parser alone over the files, already in memory (parse_baseline's own function)."""
    messages = [path.read_bytes() for path in files]
    runs = [parse_baseline.parse_all(messages) for _ in range(repeat)]
    seconds = benchlib.median(runs)
    return {
        "runs_seconds": [round(s, 3) for s in runs],
        "seconds": round(seconds, 3),
        "messages_per_second": benchlib.rate(len(messages), seconds),
    }


def _run_ingest(
    config: Path,
    files: list[Path],
    stderr_path: Path,
    first_line: threading.Event | None = None,
) -> dict[str, Any]:
    """One ingest process; timestamps every output line as it arrives (and sets
    ``first_line`` at the first)."""
    command = benchlib.zsupport_command(config, "ingest", *map(str, files))
    lines: list[tuple[float, dict[str, Any]]] = []
    with stderr_path.open("wb") as stderr:
        started = time.perf_counter()
        with subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=stderr, env=benchlib.bench_env()
        ) as process:
            assert process.stdout is not None
            for line in process.stdout:
                lines.append((time.perf_counter(), json.loads(line)))
                if first_line is not None:
                    first_line.set()
            code = process.wait(timeout=600)
        ended = time.perf_counter()
    if code != 0 or len(lines) != len(files):
        log = stderr_path.read_text(errors="replace")[-4000:]
        raise RuntimeError(f"ingest exited {code} with {len(lines)}/{len(files)} lines:\n{log}")
    first, last = lines[0][0], lines[-1][0]
    return {
        "started_at": started,
        "first_at": first,
        "last_at": last,
        "ended_at": ended,
        "wall_seconds": ended - started,
        "first_line_seconds": first - started,
        "steady_seconds": last - first,
        "outcomes": [outcome for _, outcome in lines],
        "stderr_lines": len(stderr_path.read_bytes().splitlines()),
    }


STAFF_DESK = {"addresses": ["tom@zsupport.example", "ann@zsupport.example"]}


def measure_ingest(
    corpus_dir: Path,
    files: list[Path],
    repeat: int,
    staff: bool = False,
    database: Callable[[Path], Path | str] | None = None,
    processes: int = 1,
) -> dict[str, Any]:
    """``zsupport-mail ingest`` over the files, each run on a fresh, migrated database.

    ``database`` makes that database (default: a SQLite file in the run's temp dir; a
    PostgreSQL URL for bench/throughput.py); with ``processes`` > 1 as many ingest processes
    run at once on it, each over its share of the files (two instances on one database).
    """
    runs = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory(prefix="zs-bench-ingest-") as tmp:
            work = Path(tmp)
            config = benchlib.write_config(
                work / "config.toml",
                corpus_dir=corpus_dir,
                database=database(work) if database else work / "zsupport.db",
                maildir=work / "outbox",
                level="warning",
                staff=STAFF_DESK if staff else None,
            )
            benchlib.migrate(config)
            runs.append(_run_ingests(config, files, work, processes))
    return _summarise_ingest(runs, len(files))


def _run_ingests(config: Path, files: list[Path], work: Path, processes: int) -> dict[str, Any]:
    """``processes`` ingest processes at once, each over every processes-th file; their
    figures combined as one run (first result of any to last result of all)."""
    if processes == 1:
        return _run_ingest(config, files, work / "stderr.log")
    parts: list[dict[str, Any]] = [{} for _ in range(processes)]
    started = [threading.Event() for _ in range(processes)]

    def one(number: int) -> None:
        share = files[number::processes]
        try:
            parts[number] = _run_ingest(
                config, share, work / f"stderr-{number}.log", started[number]
            )
        finally:
            started[number].set()

    threads = [threading.Thread(target=one, args=(n,)) for n in range(processes)]
    for number, thread in enumerate(threads):
        thread.start()
        # The first process writes the configured clients into the fresh database; two at
        # once would both insert them (the second fails on the unique name), so the others
        # start when the first has stored its first message.
        if number == 0:
            started[0].wait(timeout=600)
    for thread in threads:
        thread.join()
    if not all(parts):
        raise RuntimeError("an ingest process failed (see the exception above)")
    started = min(p["started_at"] for p in parts)
    first = min(p["first_at"] for p in parts)
    return {
        "wall_seconds": max(p["ended_at"] for p in parts) - started,
        "first_line_seconds": first - started,
        "steady_seconds": max(p["last_at"] for p in parts) - first,
        "outcomes": [o for p in parts for o in p["outcomes"]],
        "stderr_lines": sum(p["stderr_lines"] for p in parts),
    }


def _summarise_ingest(runs: list[dict[str, Any]], count: int) -> dict[str, Any]:
    wall = benchlib.median([r["wall_seconds"] for r in runs])
    steady = benchlib.median([r["steady_seconds"] for r in runs])
    startup = benchlib.median([r["first_line_seconds"] for r in runs])
    outcomes = runs[-1]["outcomes"]
    return {
        "runs_wall_seconds": [round(r["wall_seconds"], 3) for r in runs],
        "wall_seconds": round(wall, 3),
        "wall_messages_per_second": benchlib.rate(count, wall),
        "steady_seconds": round(steady, 3),
        "steady_messages_per_second": benchlib.rate(count - 1, steady),
        "first_result_after_seconds": round(startup, 3),
        "actions": dict(Counter(o["action"] for o in outcomes).most_common()),
        "replies_queued": sum(1 for o in outcomes if o.get("reply") == "queued"),
        "stderr_lines": runs[-1]["stderr_lines"],
    }


def run(
    corpus_dir: Path, count: int, seed: int, repeat: int, staff: bool = False
) -> dict[str, Any]:
    """The whole benchmark; returns the figures as a JSON-able dict."""
    manifest = benchlib.ensure_corpus(corpus_dir, count, seed)
    files = benchlib.corpus_files(corpus_dir, manifest)
    parse_only = measure_parse_only(files, repeat)
    ingest = measure_ingest(corpus_dir, files, repeat, staff)
    base = parse_only["messages_per_second"]
    steady_ratio = ingest["steady_messages_per_second"] / base
    wall_ratio = ingest["wall_messages_per_second"] / base
    return {
        "corpus": {
            "dir": str(corpus_dir),
            "seed": seed,
            "messages": len(files),
            "bytes": manifest["summary"]["total_bytes"],
        },
        "repeat": repeat,
        "staff_copies": staff,
        "parse_only": parse_only,
        "ingest": ingest,
        "ratio_steady": round(steady_ratio, 3),
        "ratio_wall": round(wall_ratio, 3),
        "target_ratio": TARGET_RATIO,
        "target_met": steady_ratio >= TARGET_RATIO,
    }


def render(result: dict[str, Any]) -> str:
    """The Markdown section for docs/BENCHMARKS.md."""
    parse_only, ingest = result["parse_only"], result["ingest"]
    corpus_info = result["corpus"]
    verdict = "met" if result["target_met"] else "**missed**"
    actions = ", ".join(f"{k} {v}" for k, v in ingest["actions"].items())
    megabytes = corpus_info["bytes"] / 1e6
    return "\n".join(
        [
            "## Pipeline: `ingest` against mail-parser alone",
            "",
            f"Corpus: {corpus_info['messages']} messages, {megabytes:.1f} MB, seed "
            f"{corpus_info['seed']} (`bench/corpus.py`). One `zsupport-mail ingest` process over "
            'all files, fresh SQLite (WAL, `synchronous=FULL`), `logging.level = "warning"`; '
            f"median of {result['repeat']} runs.",
            "",
            "| figure | messages/s | seconds | against parse-only |",
            "| --- | ---: | ---: | ---: |",
            f"| mail-parser parse-only (limit) | {parse_only['messages_per_second']} "
            f"| {parse_only['seconds']} | 100% |",
            f"| `ingest`, steady (first to last result) | {ingest['steady_messages_per_second']} "
            f"| {ingest['steady_seconds']} | {result['ratio_steady']:.0%} |",
            f"| `ingest`, wall clock incl. start-up | {ingest['wall_messages_per_second']} "
            f"| {ingest['wall_seconds']} | {result['ratio_wall']:.0%} |",
            "",
            f"Target: steady ingest >= {result['target_ratio']:.0%} of parse-only: {verdict}. "
            f"First result after {ingest['first_result_after_seconds']} s (start-up and reading "
            "the files).",
            "",
            f"Outcomes: {actions}; replies queued: {ingest['replies_queued']}.",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: prints the figures as JSON (and writes them with --json)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=benchlib.DEFAULT_CORPUS)
    parser.add_argument("--count", type=int, default=1000, help="corpus size (1-9999)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each side; median")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument(
        "--staff", action="store_true", help="two staff addresses: every client mail is copied"
    )
    args = parser.parse_args(argv)
    benchlib.exit_on_sigterm()
    if not 1 <= args.count <= 9999 or not 1 <= args.repeat <= 20:
        parser.error("--count must be 1-9999 and --repeat 1-20")
    result = run(args.corpus.resolve(), args.count, args.seed, args.repeat, args.staff)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    benchlib.print_json(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
