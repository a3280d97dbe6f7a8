"""`ingest --jobs N` against `ingest --jobs 1` and mail-parser alone, in the same run.

``python bench/ingest_parallel.py`` uses the 1,000-message corpus (``bench/corpus.py``) written
into one mbox (the archive path of `ingest`), then measures, alternating the sides each round
so a load change on the shared machine hits them alike:

- parse-only: ``parse_baseline.parse_all`` over the messages in memory (the limit);
- ``ingest --jobs 1``: today's path (parse in the writing process);
- ``ingest --jobs N``: parsing in N spawned worker processes ahead of the writer.

Each ingest runs on a fresh, migrated SQLite database. Reported per side: the steady rate
(first to last JSON line), the wall clock, and the CPU seconds of the process and its workers
(getrusage of children), the figure least moved by other users of the machine.
"""

from __future__ import annotations

import argparse
import json
import mailbox
import resource
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import benchlib
import parse_baseline


def write_mbox(files: list[Path], path: Path) -> None:
    """The corpus as one mbox, as another helpdesk's export would hand it over."""
    box = mailbox.mbox(path)
    for file in files:
        box.add(mailbox.mboxMessage(file.read_bytes()))
    box.close()


def _ingest_once(corpus_dir: Path, mbox: Path, jobs: int, count: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="zs-bench-jobs-") as tmp:
        work = Path(tmp)
        config = benchlib.write_config(
            work / "config.toml",
            corpus_dir=corpus_dir,
            database=work / "zsupport.db",
            maildir=work / "outbox",
            level="warning",
        )
        benchlib.migrate(config)
        command = benchlib.zsupport_command(config, "ingest", "--jobs", str(jobs), str(mbox))
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        stamps: list[float] = []
        with subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=benchlib.bench_env()
        ) as process:
            assert process.stdout is not None
            for line in process.stdout:
                json.loads(line)
                stamps.append(time.perf_counter())
            code = process.wait(timeout=900)
        ended = time.perf_counter()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if code != 0 or len(stamps) != count:
        raise RuntimeError(f"ingest --jobs {jobs} exited {code} with {len(stamps)}/{count} lines")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "wall_seconds": ended - started,
        "steady_seconds": stamps[-1] - stamps[0],
        "cpu_seconds": cpu,
    }


def _summary(runs: list[dict[str, float]], count: int) -> dict[str, Any]:
    steady = benchlib.median([r["steady_seconds"] for r in runs])
    wall = benchlib.median([r["wall_seconds"] for r in runs])
    cpu = benchlib.median([r["cpu_seconds"] for r in runs])
    return {
        "steady_messages_per_second": benchlib.rate(count - 1, steady),
        "wall_messages_per_second": benchlib.rate(count, wall),
        "cpu_ms_per_message": round(1000 * cpu / count, 2),
    }


def run(corpus_dir: Path, count: int, seed: int, repeat: int, jobs: int) -> dict[str, Any]:
    """The whole benchmark; returns the figures as a JSON-able dict."""
    manifest = benchlib.ensure_corpus(corpus_dir, count, seed)
    files = benchlib.corpus_files(corpus_dir, manifest)
    raws = [file.read_bytes() for file in files]
    parse_runs: list[float] = []
    sides: dict[int, list[dict[str, float]]] = {1: [], jobs: []}
    with tempfile.TemporaryDirectory(prefix="zs-bench-mbox-") as tmp:
        mbox = Path(tmp) / "archive.mbox"
        write_mbox(files, mbox)
        for _ in range(repeat):
            parse_runs.append(parse_baseline.parse_all(raws))
            for side in sides:
                sides[side].append(_ingest_once(corpus_dir, mbox, side, len(files)))
    parse_rate = benchlib.rate(len(files), benchlib.median(parse_runs))
    result: dict[str, Any] = {
        "messages": len(files),
        "repeat": repeat,
        "parse_only_messages_per_second": parse_rate,
    }
    for side, runs in sides.items():
        figures = _summary(runs, len(files))
        figures["steady_ratio_to_parse_only"] = round(
            figures["steady_messages_per_second"] / parse_rate, 3
        )
        result[f"jobs_{side}"] = figures
    return result


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: prints the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=benchlib.DEFAULT_CORPUS)
    parser.add_argument("--count", type=int, default=1000, help="corpus size (1-9999)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="rounds; medians")
    parser.add_argument("--jobs", type=int, default=2, help="the parallel side's --jobs")
    args = parser.parse_args(argv)
    benchlib.exit_on_sigterm()
    if not 1 <= args.count <= 9999 or not 1 <= args.repeat <= 20 or args.jobs < 2:
        parser.error("--count must be 1-9999, --repeat 1-20 and --jobs 2 or more")
    benchlib.print_json(run(args.corpus.resolve(), args.count, args.seed, args.repeat, args.jobs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
