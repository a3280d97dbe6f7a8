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
import json
import queue
import smtplib
import sys
import threading
import time
from pathlib import Path
from typing import Any

import benchlib
import smtp

E2E_TARGET = 0.5
P99_TARGET_MS = 50.0


def send_connections(port: int, mails: list[smtp.Mail], connections: int) -> smtp.ClosedLoop:
    """Closed loop over ``connections`` sessions at once: each takes the next message as soon
    as its previous one was answered (connect and EHLO not timed)."""
    todo: queue.Queue[int] = queue.Queue()
    for index in range(len(mails)):
        todo.put(index)
    latencies: list[float | None] = [None] * len(mails)
    errors: list[str] = []
    clients = [smtp.connect(port) for _ in range(connections)]

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


def closed_round(corpus_dir: Path, mails: list[smtp.Mail], connections: int) -> dict[str, Any]:
    """fsync-only then serve, seconds apart, so their ratio shares the machine's state."""

    def send(port: int, batch: list[smtp.Mail]) -> smtp.ClosedLoop:
        return send_connections(port, batch, connections)

    fsync = smtp.closed_loop_sink("fsync", mails, send)
    serve = smtp.closed_loop_serve(corpus_dir, mails, send)
    return {
        "fsync": fsync,
        "serve": serve,
        "e2e_ratio": round(serve["end_to_end_per_second"] / fsync["accepted_per_second"], 3),
        "accept_ratio": round(serve["accepted_per_second"] / fsync["accepted_per_second"], 3),
    }


def run(
    corpus_dir: Path, count: int, connections: int, rate: float, duration: float, rounds: int
) -> dict[str, Any]:
    """Both shapes, ``rounds`` times; the median rounds and every round's figures."""
    manifest = benchlib.ensure_corpus(corpus_dir, 1000, 1)
    mails = smtp.load_mails(corpus_dir, manifest, count)
    paced = smtp.load_mails(corpus_dir, manifest, int(rate * duration))
    closed, opened = [], []
    for _ in range(rounds):
        closed.append(closed_round(corpus_dir, mails, connections))
        opened.append(
            {
                "fsync": smtp.open_loop_sink(paced, rate, 8),
                "serve": smtp.open_loop_serve(corpus_dir, paced, rate, 8),
            }
        )
    chosen = sorted(closed, key=lambda r: r["e2e_ratio"])[len(closed) // 2]
    open_round = smtp.median_open_round(opened, rate)
    serve_open = open_round["serve"]
    return {
        "messages": count,
        "connections": connections,
        "rounds": rounds,
        "closed": {**chosen, "round_e2e_ratios": [r["e2e_ratio"] for r in closed]},
        "open_loop": open_round,
        "targets": {
            "e2e_vs_fsync": chosen["e2e_ratio"] >= E2E_TARGET,
            "keeps_up": smtp.keeps_up(serve_open, rate),
            "p99_under_50ms": serve_open["p99_ms"] < P99_TARGET_MS
            and serve_open["error_count"] == 0,
        },
    }


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
    args = parser.parse_args(argv)
    benchlib.exit_on_sigterm()
    if not 1 <= args.count <= 1000 or not 0 < args.rate * args.duration <= 1000:
        parser.error("at most the 1,000 corpus messages per run")
    result = run(
        args.corpus.resolve(),
        args.count,
        args.connections,
        args.rate,
        args.duration,
        max(1, args.rounds),
    )
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    benchlib.print_json(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
