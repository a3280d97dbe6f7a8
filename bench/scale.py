"""Scale-out: throughput of one and of two ``serve`` instances sharing one PostgreSQL.

``.venv/bin/python bench/scale.py [-n 500] [--repeat 1] [--write-docs]`` starts a throwaway
PostgreSQL 15 (tests/servers/postgres.py: fsync off, so the disk is not what is measured), then
for each setup, on a fresh database:

- ``one``: one ``serve``; two SMTP client connections, each sending half the messages;
- ``two``: two ``serve`` processes on the same database; one client connection to each.

The same corpus messages (bench/corpus.py, seed 1, cycled with fresh Message-IDs past its end)
are sent as fast as each 250 comes back. Measured: messages/s from the first MAIL until every
message is processed (no inbox row left pending or processing, polled every 50 ms), the
accepted (250) rate, and the outcome counts; each two-instance figure is given beside the
one-instance baseline measured in the same run. Replies go into a maildir per run.
``--write-docs`` rewrites the ``<!-- bench:scale -->`` section of docs/BENCHMARKS.md only.
Everything runs on 127.0.0.1; both instances and the client share this machine's CPUs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import benchlib
import smtp

sys.path.insert(0, str(benchlib.ROOT))  # the test suite's throwaway PostgreSQL and daemon runner

import psycopg
from tests.daemon import ServeProcess
from tests.servers.fixtures import server_dir
from tests.servers.postgres import PostgresCluster

DOC = benchlib.BENCHMARKS_DOC
SECTION = "scale"
CONNECTIONS = 2  # client connections in every setup, so the client side is the same
HEADER = (
    "| setup | messages | until all processed | messages/s | vs one | accepted/s (vs one) "
    "| processed per instance |\n| --- | ---: | ---: | ---: | ---: | ---: | --- |"
)
UNFINISHED = "SELECT count(*) FROM inbound_message WHERE status IN ('pending', 'processing')"


def start_instances(
    cluster: PostgresCluster, database: str, count: int, work: Path, corpus_dir: Path
) -> tuple[list[ServeProcess], list[int]]:
    """A fresh migrated database and `count` serve processes on it; returns them and ports."""
    cluster.create_database(database)
    daemons, ports = [], []
    for number in range(count):
        port = benchlib.free_port()
        config = benchlib.write_config(
            work / f"{database}-{number}.toml",
            corpus_dir=corpus_dir,
            database=cluster.url(database),
            maildir=work / f"{database}-outbox",
            level="info",
            smtp={"port": port, "max_messages_per_connection": 100000},
        )
        if number == 0:
            benchlib.migrate(config)
        daemons.append(ServeProcess(config, env=benchlib.bench_env()))
        ports.append(port)
    for daemon in daemons:
        daemon.start(timeout=60)
    return daemons, ports


def send_share(port: int, mails: list[smtp.Mail], accepted: list[float]) -> None:
    """One connection, back to back; appends the time of each 250 (perf_counter)."""
    client = smtp.connect(port)
    try:
        for mail in mails:
            smtp.transact(client, mail)
            accepted.append(time.perf_counter())
    finally:
        client.quit()


def wait_processed(conninfo: str, deadline: float) -> float:
    """Poll until no inbox row is pending or processing; returns that moment (perf_counter)."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        while True:
            row = conn.execute(UNFINISHED).fetchone()
            now = time.perf_counter()
            if row is not None and row[0] == 0:
                return now
            if now > deadline:
                raise TimeoutError("messages still unprocessed at the deadline")
            time.sleep(0.05)


def run_setup(
    cluster: PostgresCluster, name: str, instances: int, mails: list[smtp.Mail], corpus_dir: Path
) -> dict[str, Any]:
    """Send every message over CONNECTIONS connections spread over the instances; time it."""
    with server_dir(f"bench-scale-{name}") as work:
        daemons, ports = start_instances(cluster, name, instances, work, corpus_dir)
        try:
            accepted: list[float] = []
            shares = [mails[i::CONNECTIONS] for i in range(CONNECTIONS)]
            senders = [
                threading.Thread(target=send_share, args=(ports[i % instances], share, accepted))
                for i, share in enumerate(shares)
            ]
            started = time.perf_counter()
            for sender in senders:
                sender.start()
            for sender in senders:
                sender.join()
            if len(accepted) != len(mails):
                raise RuntimeError(f"{name}: {len(accepted)} of {len(mails)} accepted")
            url = cluster.url(name).replace("postgresql+psycopg", "postgresql")
            finished = wait_processed(url, time.perf_counter() + 1800)
        finally:
            for daemon in daemons:
                daemon.stop()
    outcomes: dict[str, int] = {}
    per_instance = []
    for daemon in daemons:
        processed = [e for e in daemon.events if e.get("event") == "message_processed"]
        per_instance.append(len(processed))
        for event in processed:
            outcomes[event["action"]] = outcomes.get(event["action"], 0) + 1
    seconds = finished - started
    accept_seconds = max(accepted) - started
    return {
        "instances": instances,
        "messages": len(mails),
        "seconds": round(seconds, 2),
        "per_second": benchlib.rate(len(mails), seconds),
        "accepted_per_second": benchlib.rate(len(mails), accept_seconds),
        "processed_per_instance": per_instance,
        "outcomes": outcomes,
    }


def run(count: int, repeat: int) -> dict[str, Any]:
    """Alternate one- and two-instance runs `repeat` times; keep each setup's best."""
    corpus_dir = benchlib.DEFAULT_CORPUS
    manifest = benchlib.ensure_corpus(corpus_dir)
    mails = smtp.load_mails(corpus_dir, manifest, count)
    runs: dict[str, list[dict[str, Any]]] = {"one": [], "two": []}
    with server_dir("bench-scale-pg") as base:
        cluster = PostgresCluster(base)
        cluster.start()
        try:
            for round_number in range(repeat):
                for name, instances in (("one", 1), ("two", 2)):
                    database = f"scale_{name}_{round_number}"
                    result = run_setup(cluster, database, instances, mails, corpus_dir)
                    runs[name].append(result)
                    print(f"scale: {database}: {result['per_second']}/s", file=sys.stderr)
        finally:
            cluster.stop()
    best = {name: max(results, key=lambda r: r["per_second"]) for name, results in runs.items()}
    return {
        "n": count,
        "repeat": repeat,
        "when": datetime.now(UTC).strftime("%Y-%m-%d"),
        "machine": f"{os.cpu_count()} CPUs, Python {platform.python_version()}",
        "one": best["one"],
        "two": best["two"],
        "speedup": round(best["two"]["per_second"] / best["one"]["per_second"], 2),
        "runs": runs,
    }


def _row(label: str, run: dict[str, Any], base: dict[str, Any]) -> str:
    ratio = run["per_second"] / base["per_second"]
    accepted = run["accepted_per_second"] / base["accepted_per_second"]
    return (
        f"| {label} | {run['messages']} | {run['seconds']} s | {run['per_second']} "
        f"| {ratio:.2f} x | {run['accepted_per_second']} ({accepted:.2f} x) "
        f"| {' / '.join(str(n) for n in run['processed_per_instance'])} |"
    )


def render(result: dict[str, Any]) -> str:
    one, two = result["one"], result["two"]
    outcomes = ", ".join(f"{k} {v}" for k, v in sorted(two["outcomes"].items()))
    return f"""## Scale-out (PostgreSQL, one and two instances)

`.venv/bin/python bench/scale.py -n {result["n"]} --repeat {result["repeat"]} --write-docs`
on {result["when"]}: {result["machine"]}. A throwaway PostgreSQL 15 on loopback (fsync off),
a fresh database per run, replies into a maildir; {CONNECTIONS} SMTP client connections in
both setups (both to the one instance, or one to each of the two). Best of
{result["repeat"]} alternating run(s) per setup; "x" is against the one-instance run of the
same invocation.

{HEADER}
{_row("one instance", one, one)}
{_row("two instances", two, one)}

- each instance processes one message at a time in its worker process, so two instances are
  two workers claiming from one inbox (`FOR UPDATE SKIP LOCKED`); here they, the client and
  PostgreSQL share the same {result["machine"].split(",")[0]}, so this is not what a second
  host would add. Since the worker runs beside the edge in a process of its own, one instance
  already keeps both CPUs busy, which leaves a second instance on the same machine less to
  add than before (2.05 x when the edge and the worker shared one interpreter).
- outcomes of the two-instance run: {outcomes}.
"""


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: prints the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=500, help="messages per run")
    parser.add_argument("--repeat", type=int, default=1, help="runs per setup (best is kept)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--write-docs", action="store_true", help=f"update {DOC.name}")
    args = parser.parse_args(argv)
    if not 1 <= args.n <= 5000 or not 1 <= args.repeat <= 5:
        parser.error("-n must be 1-5000 and --repeat 1-5")
    benchlib.exit_on_sigterm()
    result = run(args.n, args.repeat)
    benchlib.print_json(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    if args.write_docs:
        benchlib.write_section(SECTION, render(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
