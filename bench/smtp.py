"""SMTP intake: ``zsupport-mail serve`` against a do-nothing and a write+fsync aiosmtpd server.

``python bench/smtp.py`` sends N corpus messages (default 500) with smtplib to 127.0.0.1, over
ONE connection and over one connection PER message, to three servers, each a fresh subprocess:

- ``noop``: aiosmtpd answering 250 at once (bench/smtp_sink.py): aiosmtpd plus loopback;
- ``fsync``: aiosmtpd writing and fsyncing each message first: the durability limit;
- ``serve``: the daemon on a fresh SQLite database, replies into a maildir in a temp dir,
  ``logging.level = "info"`` so that its JSON log events can be counted.

Measured: accepted messages/s (250 answers over the sending time), time from the end of DATA
(our last byte handed to the socket) to the 250 (p50/p99), and for ``serve`` the end-to-end
rate (from the first MAIL until every message is processed and every queued reply is in the
maildir, from ``message_processed`` and ``delivery_sent`` log events) with the inbox backlog
(pending + processing rows, sampled from the database) over time.

Then an open-loop run: messages offered at a fixed rate (default 50/s for 20 s) over a few
persistent connections, whatever the answers' pace, to ``serve`` and to the fsync server;
reported: p50/p99 time to 250, and whether the backlog grows. ``--open-loop-only`` runs just
that part (fsync, then serve; about a minute), for interleaved A/B comparisons on a busy machine.

Targets from issue 3: accepted >= 70% of fsync-only; processing keeps up with acceptance (no
growing backlog); p99 time to 250 < 50 ms at 50 messages/s offered.
``serve`` is run with ``smtp.max_messages_per_connection`` raised to 100000 so that ONE
connection can carry all N messages (the default 100 would answer 452 after the 100th).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import queue
import re
import signal
import smtplib
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import benchlib

RECIPIENT = "support@zsupport.example"
ACCEPT_TARGET = 0.70
P99_TARGET_MS = 50.0
TIMEOUT = 60.0  # any single SMTP answer
SMALL_BYTES = 100_000  # p99 is also given for messages up to this size: big ones take long to read
_WATCHED = (b"serve_started", b"message_received", b"message_processed", b"delivery_sent")


# --------------------------------------------------------------------------- messages


@dataclass(frozen=True)
class Mail:
    """One message ready for the wire: envelope sender and dot-stuffed DATA with its final dot."""

    sender: str
    wire: bytes


def _wire(raw: bytes) -> bytes:
    """DATA as sent: leading dots doubled, CRLF at the end, then ``.`` CRLF (RFC 5321 4.5.2)."""
    stuffed = re.sub(rb"(?m)^\.", b"..", raw)
    if not stuffed.endswith(b"\r\n"):
        stuffed += b"\r\n"
    return stuffed + b".\r\n"


def _renamed(raw: bytes, round_number: int) -> bytes:
    """A copy with a new Message-ID, for runs longer than the corpus (else: duplicates)."""
    if round_number == 0:
        return raw
    return re.sub(rb"(?mi)^(Message-ID:\s*<)", rb"\g<1>r%d." % round_number, raw, count=1)


def load_mails(corpus_dir: Path, manifest: dict[str, Any], count: int) -> list[Mail]:
    """``count`` messages in corpus order, cycling (with fresh Message-IDs) past its end.

    Everything is read and encoded before any timing starts, so the client's own disk and
    CPU work is not in the figures.
    """
    entries = manifest["messages"]
    mails = []
    for index in range(count):
        entry = entries[index % len(entries)]
        raw = (corpus_dir / entry["file"]).read_bytes()
        mails.append(Mail(entry["sender"], _wire(_renamed(raw, index // len(entries)))))
    return mails


# --------------------------------------------------------------------------- the client


class SmtpRefusedError(Exception):
    """The server did not answer as a healthy server would (no 250/354 where expected)."""


def transact(client: smtplib.SMTP, mail: Mail) -> float:
    """MAIL, RCPT, DATA on an open session; returns seconds from the end of DATA to the 250.

    smtplib's ``sendmail`` would hide the moment the last byte was sent, so DATA is driven by
    hand: after ``send`` returns the bytes are in the socket buffer, and the clock starts.
    """
    code, reply = client.mail(mail.sender)
    if code != 250:
        raise SmtpRefusedError(f"MAIL: {code} {reply!r}")
    code, reply = client.rcpt(RECIPIENT)
    if code != 250:
        raise SmtpRefusedError(f"RCPT: {code} {reply!r}")
    client.putcmd("data")
    code, reply = client.getreply()
    if code != 354:
        raise SmtpRefusedError(f"DATA: {code} {reply!r}")
    client.send(mail.wire)
    sent = time.perf_counter()
    code, reply = client.getreply()
    answered = time.perf_counter()
    if code != 250:
        raise SmtpRefusedError(f"end of DATA: {code} {reply!r}")
    return answered - sent


def connect(port: int) -> smtplib.SMTP:
    client = smtplib.SMTP("127.0.0.1", port, timeout=TIMEOUT)
    client.ehlo("bench.example")
    return client


@dataclass
class ClosedLoop:
    """What a sender that waits for each answer before the next message saw."""

    started: float
    ended: float
    latencies: list[float]
    sizes: list[int]

    def summary(self) -> dict[str, Any]:
        seconds = self.ended - self.started
        return {
            "messages": len(self.latencies),
            "seconds": round(seconds, 3),
            "accepted_per_second": benchlib.rate(len(self.latencies), seconds),
            **latency_summary(self.latencies, self.sizes),
        }


def send_one_connection(port: int, mails: list[Mail]) -> ClosedLoop:
    """Every message over one session, back to back (connect and EHLO not timed)."""
    client = connect(port)
    try:
        started = time.perf_counter()
        latencies = [transact(client, mail) for mail in mails]
        ended = time.perf_counter()
    finally:
        client.quit()
    return ClosedLoop(started, ended, latencies, [len(m.wire) for m in mails])


def send_per_message(port: int, mails: list[Mail]) -> ClosedLoop:
    """One session per message: connect, EHLO, transaction, QUIT, all timed."""
    started = time.perf_counter()
    latencies = []
    for mail in mails:
        client = connect(port)
        try:
            latencies.append(transact(client, mail))
        finally:
            client.quit()
    return ClosedLoop(started, time.perf_counter(), latencies, [len(m.wire) for m in mails])


def send_open_loop(
    port: int | list[int], mails: list[Mail], rate: float, connections: int
) -> dict[str, Any]:
    """Offer mail i at start + i/rate, whatever the answers' pace (no coordinated omission).

    With a list of ports (several instances) the connections go to them in turn.

    A scheduler hands due messages to ``connections`` persistent sessions; when all are busy a
    message waits in the queue and that wait shows in ``due_to_250`` (the offered-load view),
    while ``latency`` stays the issue's end-of-DATA-to-250.
    """
    jobs: queue.Queue[tuple[int, float] | None] = queue.Queue()
    results: list[tuple[float, float, float] | None] = [None] * len(mails)
    errors: list[str] = []

    ports = port if isinstance(port, list) else [port]

    def worker(number: int) -> None:
        client = connect(ports[number % len(ports)])
        try:
            while (job := jobs.get()) is not None:
                index, due = job
                try:
                    latency = transact(client, mails[index])
                except (smtplib.SMTPException, OSError, SmtpRefusedError) as exc:
                    errors.append(repr(exc))
                    continue
                results[index] = (due, latency, time.perf_counter())
        finally:
            client.quit()

    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(connections)]
    for thread in threads:
        thread.start()
    first_due = time.perf_counter() + 0.2
    for index in range(len(mails)):
        due = first_due + index / rate
        time.sleep(max(0.0, due - time.perf_counter()))
        jobs.put((index, due))
    for _ in threads:
        jobs.put(None)
    for thread in threads:
        thread.join(timeout=TIMEOUT * 2)
    done = [r for r in results if r is not None]
    sizes = [len(m.wire) for m, r in zip(mails, results, strict=True) if r is not None]
    last_answer = max((r[2] for r in done), default=first_due)
    return {
        "offered_per_second": rate,
        "connections": connections,
        "messages": len(mails),
        "accepted": len(done),
        "errors": errors[:5],
        "error_count": len(errors),
        "accepted_per_second": benchlib.rate(len(done), last_answer - first_due),
        **latency_summary([r[1] for r in done], sizes),
        "due_to_250_p99_ms": round(benchlib.percentile([r[2] - r[0] for r in done], 99) * 1e3, 2),
        "_first_due": first_due,
    }


def latency_summary(latencies: list[float], sizes: list[int]) -> dict[str, float]:
    """p50/p99/max of end-of-DATA-to-250 times in ms, and p99 of the messages <= 100 KB.

    A 1 MB message is still being read by the server when our last byte is in the socket
    buffer, so the overall p99 mixes reading big mail with the acknowledgement's own cost.
    """
    small = [t for t, size in zip(latencies, sizes, strict=True) if size <= SMALL_BYTES]
    return {
        "p50_ms": round(benchlib.percentile(latencies, 50) * 1e3, 2),
        "p99_ms": round(benchlib.percentile(latencies, 99) * 1e3, 2),
        "max_ms": round(max(latencies, default=0.0) * 1e3, 2),
        "p99_small_ms": round(benchlib.percentile(small, 99) * 1e3, 2),
    }


# --------------------------------------------------------------------------- the servers


class Sink:
    """A baseline server from bench/smtp_sink.py as a subprocess."""

    def __init__(self, mode: str, directory: Path) -> None:
        command = [sys.executable, str(benchlib.BENCH / "smtp_sink.py"), "--mode", mode]
        command += ["--dir", str(directory)] if mode == "fsync" else []
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, start_new_session=True
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()  # the sink prints one line once it listens
        if not line:
            raise RuntimeError(f"smtp_sink.py --mode {mode} did not start")
        self.port = int(json.loads(line)["port"])

    def stop(self) -> None:
        stop_process(self.process)


def stop_process(process: subprocess.Popen[bytes], timeout: float = 30) -> int:
    """SIGTERM, wait, and SIGKILL the process (only it: its own session) if it hangs."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait()


class Events:
    """Log events of one or more ``serve`` processes, counted together as they arrive (two
    instances on one database process one stream of mail between them)."""

    def __init__(self) -> None:
        self.arrivals: dict[str, list[float]] = defaultdict(list)
        self.actions: Counter[str] = Counter()
        self.errors: list[dict[str, Any]] = []
        self._changed = threading.Condition()

    def record(self, at: float, event: dict[str, Any], is_error: bool) -> None:
        with self._changed:
            if is_error:
                self.errors.append(event)
            self.arrivals[event["event"]].append(at)
            if event["event"] == "message_processed":
                self.actions[event["action"]] += 1
            self._changed.notify_all()

    def exited(self, at: float) -> None:
        with self._changed:
            self.arrivals["_exited"].append(at)
            self._changed.notify_all()

    def wait_for(self, name: str, count: int, timeout: float) -> float:
        """Block until ``count`` events ``name`` arrived; returns when the count-th did."""
        with self._changed:
            ok = self._changed.wait_for(
                lambda: len(self.arrivals[name]) >= count or bool(self.arrivals["_exited"]),
                timeout,
            )
            if not ok or len(self.arrivals[name]) < count:
                raise RuntimeError(
                    f"serve: {len(self.arrivals[name])}/{count} x {name} in {timeout:.0f} s; "
                    f"errors: {self.errors[:3]}"
                )
            return sorted(self.arrivals[name])[count - 1]


class Daemon:
    """``zsupport-mail serve`` as a subprocess; counts its log events as they arrive.

    Only lines naming a watched event are decoded (the reader must keep up with ~10 info lines
    per message without slowing the daemon through a full pipe); errors are kept whole.
    Several daemons may share one ``Events``.
    """

    def __init__(self, config: Path, events: Events | None = None) -> None:
        self.events = events if events is not None else Events()
        self.process = subprocess.Popen(
            benchlib.zsupport_command(config, "serve"),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=benchlib.bench_env(),
            start_new_session=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            now = time.perf_counter()
            is_error = b'"level": "error"' in line
            if not is_error and not any(name in line for name in _WATCHED):
                continue
            self.events.record(now, json.loads(line), is_error)
        self.events.exited(time.perf_counter())

    def stop(self) -> int:
        code = stop_process(self.process)
        self._reader.join(timeout=10)
        return code


Connect = Callable[[], Any]  # a DB-API connection to the daemon's database, for reading


@dataclass(frozen=True)
class Database:
    """Where ``serve`` keeps its data for one run: the config's value and a way to read it."""

    config_value: Path | str  # a SQLite file or a SQLAlchemy URL
    connect: Connect


def sqlite_database(work: Path) -> Database:
    """A fresh SQLite file in ``work`` (the default of every SMTP benchmark)."""
    path = work / "zsupport.db"
    uri = f"file:{path}?mode=ro"
    return Database(path, lambda: sqlite3.connect(uri, uri=True, timeout=5))


@contextlib.contextmanager
def running_daemon(
    corpus_dir: Path,
    database: Callable[[Path], Database] = sqlite_database,
    instances: int = 1,
    processing: dict[str, object] | None = None,
) -> Iterator[tuple[Events, list[int], Database]]:
    """A migrated fresh database and ``instances`` ``serve`` processes on it, each on a free
    port, in a temp dir removed after; yields their shared events, their ports, the database."""
    with tempfile.TemporaryDirectory(prefix="zs-bench-smtp-") as tmp:
        work = Path(tmp)
        store = database(work)
        events = Events()
        daemons: list[Daemon] = []
        ports = []
        try:
            for number in range(instances):
                port = benchlib.free_port()
                config = benchlib.write_config(
                    work / f"config-{number}.toml",
                    corpus_dir=corpus_dir,
                    database=store.config_value,
                    maildir=work / "outbox",
                    level="info",
                    smtp={"port": port, "max_messages_per_connection": 100_000},
                    processing=processing,
                )
                if number == 0:
                    benchlib.migrate(config)
                daemons.append(Daemon(config, events))
                ports.append(port)
                events.wait_for("serve_started", number + 1, timeout=60)
            yield events, ports, store
        finally:
            for daemon in daemons:
                daemon.stop()


@contextlib.contextmanager
def running_sink(mode: str) -> Iterator[int]:
    """A baseline server in a temp dir; yields its port."""
    with tempfile.TemporaryDirectory(prefix=f"zs-bench-sink-{mode}-") as tmp:
        sink = Sink(mode, Path(tmp))
        try:
            yield sink.port
        finally:
            sink.stop()


# --------------------------------------------------------------------------- the backlog


class BacklogSampler:
    """Samples the inbox backlog (pending + processing rows) from the database every interval.

    Read-only connection, one small indexed COUNT per sample: negligible next to the daemon.
    """

    def __init__(self, database: Database, interval: float = 0.5) -> None:
        self._database = database
        self._interval = interval
        self._stop = threading.Event()
        self.samples: list[tuple[float, int, int]] = []  # (time, inbox backlog, outbox queued)
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> BacklogSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        with contextlib.closing(self._database.connect()) as db:
            while True:
                self.samples.append((time.perf_counter(), *backlog(db)))
                if self._stop.wait(self._interval):
                    return

    def series(self, start: float, step: float = 1.0) -> list[dict[str, float]]:
        """One sample per ``step`` seconds after ``start``: t, inbox backlog, outbox queued."""
        result: list[dict[str, float]] = []
        for at, inbox, outbox in self.samples:
            if at >= start and (not result or at - start >= result[-1]["t"] + step - 0.05):
                result.append({"t": round(at - start, 1), "inbox": inbox, "outbox": outbox})
        return result


def backlog(db: Any) -> tuple[int, int]:
    inbox = db.execute(
        "SELECT count(*) FROM inbound_message WHERE status IN ('pending', 'processing')"
    ).fetchone()[0]
    outbox = db.execute("SELECT count(*) FROM outbound_message WHERE status = 'queued'").fetchone()
    return int(inbox), int(outbox[0])


def slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope (units per second): > 0 means the backlog grows."""
    if len(points) < 2:
        return 0.0
    n = len(points)
    mean_t = sum(t for t, _ in points) / n
    mean_v = sum(v for _, v in points) / n
    var = sum((t - mean_t) ** 2 for t, _ in points)
    return sum((t - mean_t) * (v - mean_v) for t, v in points) / var if var else 0.0


# --------------------------------------------------------------------------- scenarios


def drained(daemon: Events, database: Database, count: int, timeout: float) -> tuple[float, int]:
    """When all ``count`` messages were processed and every queued reply delivered.

    Returns that moment and the number of replies; replies are counted in the database once
    processing is done (quarantined and ignored mail gets none).
    """
    processed_at = daemon.wait_for("message_processed", count, timeout)
    with contextlib.closing(database.connect()) as db:
        replies = int(db.execute("SELECT count(*) FROM outbound_message").fetchone()[0])
    delivered_at = daemon.wait_for("delivery_sent", replies, timeout) if replies else 0.0
    return max(processed_at, delivered_at), replies


def closed_loop_serve(
    corpus_dir: Path,
    mails: list[Mail],
    send: Callable[[Any, list[Mail]], ClosedLoop],
    database: Callable[[Path], Database] = sqlite_database,
    instances: int = 1,
    processing: dict[str, object] | None = None,
) -> dict[str, Any]:
    """A closed-loop run against ``serve``, then wait for processing and replies.

    With several instances ``send`` gets the list of their ports (else the one port).
    """
    with running_daemon(corpus_dir, database, instances, processing) as (daemon, ports, database_):
        with BacklogSampler(database_) as sampler:
            loop = send(ports if instances > 1 else ports[0], mails)
            done_at, replies = drained(daemon, database_, len(mails), timeout=60 + len(mails))
        series = sampler.series(loop.started, step=2.0)
        actions, errors = dict(daemon.actions), len(daemon.errors)
    seconds = done_at - loop.started
    return {
        **loop.summary(),
        "end_to_end_seconds": round(seconds, 3),
        "end_to_end_per_second": benchlib.rate(len(mails), seconds),
        "replies": replies,
        "actions": actions,
        "errors": errors,
        "backlog_max": max((s["inbox"] for s in series), default=0),
        "backlog": series,
    }


def closed_loop_sink(mode: str, mails: list[Mail], send: Callable[..., ClosedLoop]) -> dict:
    with running_sink(mode) as port:
        return send(port, mails).summary()


def open_loop_serve(
    corpus_dir: Path,
    mails: list[Mail],
    rate: float,
    connections: int,
    database: Callable[[Path], Database] = sqlite_database,
    instances: int = 1,
    processing: dict[str, object] | None = None,
) -> dict[str, Any]:
    """Fixed-rate offer to ``serve``; the backlog sampled each second tells if it keeps up."""
    with running_daemon(corpus_dir, database, instances, processing) as (daemon, ports, database_):
        with BacklogSampler(database_) as sampler:
            result = send_open_loop(ports, mails, rate, connections)
            first_due = result.pop("_first_due")
            offered_end = first_due + len(mails) / rate
            done_at, _ = drained(daemon, database_, result["accepted"], timeout=60 + len(mails))
        series = sampler.series(first_due)
        errors = len(daemon.errors)
    during = [(s["t"], s["inbox"]) for s in series if s["t"] <= offered_end - first_due]
    return {
        **result,
        "errors_logged": errors,
        "drained_after_offer_seconds": round(max(0.0, done_at - offered_end), 2),
        "backlog_max": max((v for _, v in during), default=0),
        "backlog_slope_per_second": round(slope(during), 3),
        "backlog": series,
    }


def open_loop_sink(mails: list[Mail], rate: float, connections: int) -> dict[str, Any]:
    with running_sink("fsync") as port:
        result = send_open_loop(port, mails, rate, connections)
    result.pop("_first_due")
    return result


def keeps_up(open_loop: dict[str, Any], rate: float) -> bool:
    """No growing backlog: it never holds more than 2 s of offered mail, and does not trend up
    (least-squares slope under 1% of the offered rate), and drains within 2 s of the offer."""
    return (
        open_loop["backlog_max"] <= 2 * rate
        and open_loop["backlog_slope_per_second"] < 0.01 * rate
        and open_loop["drained_after_offer_seconds"] <= 2.0
        and open_loop["error_count"] == 0
    )


def _closed_round(
    corpus_dir: Path, mails: list[Mail], send: Callable[[int, list[Mail]], ClosedLoop]
) -> dict[str, Any]:
    """noop, fsync and serve back to back, so the ratio compares runs seconds apart."""
    result = {
        "noop": closed_loop_sink("noop", mails, send),
        "fsync": closed_loop_sink("fsync", mails, send),
        "serve": closed_loop_serve(corpus_dir, mails, send),
    }
    result["accept_ratio"] = round(
        result["serve"]["accepted_per_second"] / result["fsync"]["accepted_per_second"], 3
    )
    return result


def median_round(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """The round whose serve/fsync ratio is the median (a whole round, so its rows agree),
    with every round's ratio beside it: this machine's fsync rate drifts by a fifth or more
    between minutes, so one round alone can land anywhere in that range."""
    chosen = sorted(rounds, key=lambda r: r["accept_ratio"])[len(rounds) // 2]
    return {**chosen, "round_ratios": [r["accept_ratio"] for r in rounds]}


def median_open_round(rounds: list[dict[str, Any]], rate: float) -> dict[str, Any]:
    """The open-loop round with the median serve p99, with every round's p99 and verdict: a
    p99 of 1,000 answers rests on its ten slowest, and one 20-second run can be unlucky."""
    chosen = sorted(rounds, key=lambda r: r["serve"]["p99_ms"])[len(rounds) // 2]
    return {
        **chosen,
        "round_p99_ms": [r["serve"]["p99_ms"] for r in rounds],
        "round_fsync_p99_ms": [r["fsync"]["p99_ms"] for r in rounds],
        "round_keeps_up": [keeps_up(r["serve"], rate) for r in rounds],
    }


def run(
    corpus_dir: Path,
    count: int,
    rate: float,
    duration: float,
    connections: int,
    rounds: int = 3,
) -> dict[str, Any]:
    """Every scenario; returns the figures as a JSON-able dict."""
    manifest = benchlib.ensure_corpus(corpus_dir, 1000, 1)
    mails = load_mails(corpus_dir, manifest, count)
    paced = load_mails(corpus_dir, manifest, int(rate * duration))
    modes = {"one_connection": send_one_connection, "per_message": send_per_message}
    runs: dict[str, list[dict[str, Any]]] = {mode: [] for mode in modes}
    for _ in range(rounds):  # alternate the modes too: drift hits both alike
        for mode, send in modes.items():
            runs[mode].append(_closed_round(corpus_dir, mails, send))
    closed = {mode: median_round(runs[mode]) for mode in modes}
    open_loop = median_open_round(
        [
            {
                "fsync": open_loop_sink(paced, rate, connections),
                "serve": open_loop_serve(corpus_dir, paced, rate, connections),
            }
            for _ in range(rounds)
        ],
        rate,
    )
    serve_open = open_loop["serve"]
    return {
        "messages": count,
        "bytes": sum(len(m.wire) for m in mails),
        "rounds": rounds,
        "closed": closed,
        "open_loop": open_loop,
        "targets": {
            "accepted_vs_fsync": all(closed[m]["accept_ratio"] >= ACCEPT_TARGET for m in modes),
            "keeps_up": keeps_up(serve_open, rate),
            "p99_under_50ms": serve_open["p99_ms"] < P99_TARGET_MS
            and serve_open["error_count"] == 0,
        },
    }


def run_open_loop(
    corpus_dir: Path, rate: float, duration: float, connections: int
) -> dict[str, Any]:
    """Only the open-loop part (fsync limit, then serve): for quick interleaved A/B runs."""
    manifest = benchlib.ensure_corpus(corpus_dir, 1000, 1)
    paced = load_mails(corpus_dir, manifest, int(rate * duration))
    fsync_open = open_loop_sink(paced, rate, connections)
    serve_open = open_loop_serve(corpus_dir, paced, rate, connections)
    return {
        "open_loop": {"fsync": fsync_open, "serve": serve_open},
        "targets": {
            "keeps_up": keeps_up(serve_open, rate),
            "p99_under_50ms": serve_open["p99_ms"] < P99_TARGET_MS
            and serve_open["error_count"] == 0,
        },
    }


# --------------------------------------------------------------------------- report


def _verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def _closed_rows(closed: dict[str, Any]) -> list[str]:
    rows = []
    names = {"one_connection": "one connection", "per_message": "connection per message"}
    for mode, label in names.items():
        runs = closed[mode]
        for server in ("noop", "fsync", "serve"):
            r = runs[server]
            e2e = r.get("end_to_end_per_second", "")
            vs = f"{r['accepted_per_second'] / runs['fsync']['accepted_per_second']:.0%}"
            rows.append(
                f"| {label} | {server} | {r['accepted_per_second']} | {vs} | {e2e} "
                f"| {r['p50_ms']} | {r['p99_ms']} | {r['p99_small_ms']} "
                f"| {r.get('backlog_max', '')} |"
            )
    return rows


def _backlog_line(series: list[dict[str, float]]) -> str:
    return ", ".join(f"{s['t']:g}s: {s['inbox']:g}" for s in series)


def render(result: dict[str, Any]) -> str:
    """The Markdown section for docs/BENCHMARKS.md."""
    closed, open_loop, targets = result["closed"], result["open_loop"], result["targets"]
    serve_open, fsync_open = open_loop["serve"], open_loop["fsync"]
    rate, conns = serve_open["offered_per_second"], serve_open["connections"]
    ratios = ", ".join(f"{closed[m]['accept_ratio']:.0%} ({m.replace('_', ' ')})" for m in closed)
    rounds = result.get("rounds", 1)
    spread = "; ".join(
        f"{m.replace('_', ' ')}: "
        + ", ".join(f"{r:.0%}" for r in closed[m].get("round_ratios", []))
        for m in closed
    )
    lines = [
        "## SMTP intake: `serve` against aiosmtpd limits",
        "",
        f"{result['messages']} corpus messages ({result['bytes'] / 1e6:.1f} MB) sent with smtplib "
        "from this machine to 127.0.0.1, each server a fresh subprocess. `noop`: aiosmtpd "
        "answering 250 at once; `fsync`: aiosmtpd writing and fsyncing each message before the "
        "250 (the durability limit); `serve`: the daemon, fresh SQLite, replies to a maildir, "
        "log level info. Time to 250: from our last DATA byte to the answer. End-to-end: from "
        "the first MAIL until every message is processed and every reply is in the maildir. "
        "Backlog: inbox rows pending or processing (max sampled).",
        "",
        f"Each sending mode ran {rounds} rounds of noop, fsync and serve back to back, the "
        "modes alternating; the table shows the round with the median serve/fsync ratio. "
        f"serve/fsync in every round: {spread}.",
        "",
        "| sending | server | accepted/s | vs fsync | end-to-end/s | p50 ms to 250 "
        "| p99 ms to 250 | p99 ms, mail <= 100 KB | backlog max |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        *_closed_rows(closed),
        "",
        f"Open loop: {rate:g} messages/s offered for {serve_open['messages'] / rate:g} s over "
        f"{conns} persistent connections, {len(open_loop.get('round_p99_ms', [0]))} rounds of "
        "fsync then serve; the table shows the round with the median serve p99. Every round: "
        f"serve p99 {open_loop.get('round_p99_ms', '')} ms, fsync p99 "
        f"{open_loop.get('round_fsync_p99_ms', '')} ms, serve keeps up "
        f"{open_loop.get('round_keeps_up', '')}.",
        "",
        "| server | accepted/s | p50 ms to 250 | p99 ms to 250 | p99 ms, mail <= 100 KB "
        "| max ms | p99 ms offer to 250 | backlog max | backlog slope /s | drained after offer |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| fsync (limit) | {fsync_open['accepted_per_second']} | {fsync_open['p50_ms']} "
        f"| {fsync_open['p99_ms']} | {fsync_open['p99_small_ms']} | {fsync_open['max_ms']} "
        f"| {fsync_open['due_to_250_p99_ms']} | | | |",
        f"| serve | {serve_open['accepted_per_second']} | {serve_open['p50_ms']} "
        f"| {serve_open['p99_ms']} | {serve_open['p99_small_ms']} | {serve_open['max_ms']} "
        f"| {serve_open['due_to_250_p99_ms']} | {serve_open['backlog_max']} "
        f"| {serve_open['backlog_slope_per_second']} "
        f"| {serve_open['drained_after_offer_seconds']} s |",
        "",
        f"Inbox backlog of `serve` in the open-loop run: {_backlog_line(serve_open['backlog'])}.",
        "",
        f"Inbox backlog of `serve`, {result['messages']} messages over one connection: "
        f"{_backlog_line(closed['one_connection']['serve']['backlog'])}.",
        "",
        "Targets:",
        "",
        f"- accepted >= {ACCEPT_TARGET:.0%} of fsync-only: {ratios}: "
        f"{_verdict(targets['accepted_vs_fsync'])}",
        f"- processing keeps up at {rate:g}/s offered (backlog bounded, not growing, drained "
        f"within 2 s): {_verdict(targets['keeps_up'])}",
        f"- p99 time to 250 < {P99_TARGET_MS:g} ms at {rate:g}/s offered: "
        f"{serve_open['p99_ms']} ms: {_verdict(targets['p99_under_50ms'])}",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: prints the figures as JSON (and writes them with --json)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=benchlib.DEFAULT_CORPUS)
    parser.add_argument("-n", "--count", type=int, default=500, help="messages per closed run")
    parser.add_argument("--rate", type=float, default=50.0, help="open loop: messages/s")
    parser.add_argument("--duration", type=float, default=20.0, help="open loop: seconds")
    parser.add_argument("--connections", type=int, default=8, help="open loop: sessions")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--rounds", type=int, default=3, help="closed-loop rounds (median)")
    parser.add_argument(
        "--open-loop-only", action="store_true", help="skip the closed-loop runs (A/B timing)"
    )
    args = parser.parse_args(argv)
    benchlib.exit_on_sigterm()
    if not 1 <= args.count <= 5000 or not 0 < args.rate * args.duration <= 5000:
        parser.error("at most 5000 messages per run (count, rate x duration)")
    if not 1 <= args.connections <= 50:
        parser.error("--connections must be 1-50")
    corpus = args.corpus.resolve()
    if args.open_loop_only:
        result = run_open_loop(corpus, args.rate, args.duration, args.connections)
    else:
        result = run(
            corpus, args.count, args.rate, args.duration, args.connections, max(1, args.rounds)
        )
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    benchlib.print_json(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
