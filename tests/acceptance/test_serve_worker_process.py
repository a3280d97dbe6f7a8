"""serve's processing worker and outbox sender run in child processes (runtime/workers.py):
serve's children at a lower priority, a dead one is replaced without losing mail, they die
with serve, a stop ends them after serve began stopping and before it is done, and every
process's log lines stay whole on the shared stderr."""

from __future__ import annotations

import email
import os
import select
import signal
import smtplib
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest

from tests.acceptance.conftest import db_count, relay_mode, settled_deliveries
from tests.helpers import SUPPORT, make_mail
from zsupport_mail.db.models import InboundMessage, Ticket


def _parent_of(pid: int) -> int:
    # /proc/PID/stat: "pid (comm) state ppid ..."; comm may hold spaces, so split after ")".
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rpartition(")")[2].split()[1])


def _ended(fds: list[int], timeout: float) -> list[int]:
    """Those of the pidfds whose process has ended, waiting up to timeout for the first.

    poll, not select: select refuses a descriptor above 1023, and a long test run holds more.
    """
    poller = select.poll()
    for fd in fds:
        poller.register(fd, select.POLLIN)
    return [fd for fd, _ in poller.poll(timeout * 1000)]


def _wait_until_gone(pid: int, timeout: float) -> bool:
    """Whether process pid ended within timeout, awaited on a pidfd (no polling)."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        return bool(_ended([fd], timeout))
    finally:
        os.close(fd)


def _child(serve, role: str) -> dict:
    [started] = serve.wait_for("worker_process_started", where=lambda e: e["role"] == role)
    return started


def _nice(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rpartition(")")[2].split()[16])  # field 19: nice


def _send(port: int, count: int, prefix: str) -> None:
    with smtplib.SMTP("127.0.0.1", port) as client:
        for number in range(count):
            mail = make_mail(message_id=f"<{prefix}-{number}@x>", subject=f"Case {prefix} {number}")
            assert client.sendmail("dana@acmedental.example", [SUPPORT], mail) == {}


@pytest.mark.every_backend
def test_processing_and_delivery_run_in_children_of_serve(start_serve, db_url, relay):
    serve = start_serve(outbound=relay_mode(relay), processing={"background_nice": 7})
    children = {_child(serve, role)["pid"] for role in ("worker", "sender")}
    assert len(children) == 2
    assert serve.process.pid not in children
    for pid in children:
        assert _parent_of(pid) == serve.process.pid
        assert _nice(pid) == _nice(serve.process.pid) + 7

    _send(serve.port, 3, "child")
    serve.wait_for("message_processed", count=3)
    relay.wait_for(3)
    assert db_count(db_url, Ticket) == 3


@pytest.mark.every_backend
def test_a_killed_worker_process_is_replaced_and_mail_still_processed(start_serve, db_url):
    serve = start_serve()
    first = _child(serve, "worker")
    os.kill(first["pid"], signal.SIGKILL)
    assert _wait_until_gone(first["pid"], timeout=10)

    _send(serve.port, 2, "after-kill")
    serve.wait_for("worker_process_died", where=lambda e: e["role"] == "worker")
    started = serve.wait_for(
        "worker_process_started", count=2, where=lambda e: e["role"] == "worker"
    )
    assert started[1]["pid"] != first["pid"]
    serve.wait_for("message_processed", count=2)
    assert db_count(db_url, InboundMessage, InboundMessage.status == "done") == 2
    assert serve.process.poll() is None  # serve itself went on


@pytest.mark.every_backend
def test_a_killed_sender_process_is_replaced_and_replies_still_sent(start_serve, relay, db_url):
    serve = start_serve(outbound=relay_mode(relay))
    first = _child(serve, "sender")
    os.kill(first["pid"], signal.SIGKILL)
    assert _wait_until_gone(first["pid"], timeout=10)

    _send(serve.port, 2, "sender-kill")
    serve.wait_for("worker_process_died", where=lambda e: e["role"] == "sender")
    replies = settled_deliveries(serve, relay, db_url)  # killed before it sent anything:
    answered = sorted(email.message_from_bytes(r.content)["In-Reply-To"] for r in replies)
    assert answered == ["<sender-kill-0@x>", "<sender-kill-1@x>"]  # each reply once
    assert serve.process.poll() is None


@pytest.mark.parametrize("backend", ["sqlite"])  # no mail, no storage: one backend
def test_the_children_die_with_serve(start_serve):
    serve = start_serve()
    children = [_child(serve, role)["pid"] for role in ("worker", "sender")]
    serve.process.kill()  # kill -9: serve cannot tell its children anything
    serve.process.wait()
    for pid in children:
        assert _wait_until_gone(pid, timeout=10), "an orphaned child goes on writing"


class ExitTimes:
    """When each of some processes ended (time.time()), seen on their pidfds by a thread.

    A time is taken when the thread wakes, so it is at or after the real end; and a process
    seen in one wake-up ended no later than one first seen in a later one.
    """

    def __init__(self, pids: list[int]) -> None:
        self._fds = {os.pidfd_open(pid): pid for pid in pids}  # while they all run
        self.seen: dict[int, tuple[int, float]] = {}  # pid -> (wake-up number, time)
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        pending = dict(self._fds)
        wake = 0
        while pending:
            ready = _ended(list(pending), 60)
            if not ready:
                return
            now = time.time()
            for fd in ready:
                self.seen[pending.pop(fd)] = (wake, now)
            wake += 1

    def gone(self, pid: int) -> bool:
        [fd] = [fd for fd, watched in self._fds.items() if watched == pid]
        return bool(_ended([fd], 0))

    def join(self, timeout: float) -> dict[int, tuple[int, float]]:
        self._thread.join(timeout)
        for fd in self._fds:
            os.close(fd)
        return self.seen


def _ignored_signals(pid: int) -> set[signal.Signals]:
    """The signals pid ignores, from the SigIgn mask in /proc/PID/status."""
    [mask] = [
        int(line.split()[1], 16)
        for line in Path(f"/proc/{pid}/status").read_text().splitlines()
        if line.startswith("SigIgn:")
    ]
    return {sig for sig in signal.Signals if mask >> (sig - 1) & 1}


def _logged_at(event: dict) -> float:
    return datetime.fromisoformat(event["timestamp"]).timestamp()


def test_sigterm_stops_the_children_after_serve(start_serve):
    """systemd stops serve with SIGTERM to all three processes (KillMode=control-group). The
    children ignore it: serve logs serve_stopping, lets the call in hand finish, then stops
    them, and only when both are gone logs serve_stopped and exits 0."""
    serve = start_serve()
    children = [_child(serve, role)["pid"] for role in ("worker", "sender")]
    _send(serve.port, 5, "stop")
    serve.wait_for("message_received", count=5)
    for pid in children:
        assert {signal.SIGTERM, signal.SIGINT, signal.SIGHUP} <= _ignored_signals(pid)
    exits = ExitTimes([serve.process.pid, *children])
    os.killpg(serve.process.pid, signal.SIGTERM)

    serve.wait_for("serve_stopped")
    assert [pid for pid in children if not exits.gone(pid)] == []  # before serve_stopped
    assert serve.process.wait(timeout=30) == 0
    seen = exits.join(timeout=30)
    [stopping] = serve.wait_for("serve_stopping")
    for pid in children:
        assert seen[pid][1] >= _logged_at(stopping)  # outlived the SIGTERM sent to them
        assert seen[pid][0] <= seen[serve.process.pid][0]  # ended before serve did
    failed = {"worker_process_died", "task_failed"}
    assert [e for e in serve.events if e.get("event") in failed] == []


def test_log_lines_of_both_processes_stay_whole(start_serve):
    """Both processes write JSON lines to one stderr pipe; a line written in two pieces
    could be split by the other's, and readers (journald, the tests) would lose events."""
    serve = start_serve()
    _send(serve.port, 60, "lines")
    serve.wait_for("message_processed", count=60)
    serve.stop()
    raw = [e["text"] for e in serve.events if e.get("event") == "raw"]
    assert raw == []
    names = {e.get("event") for e in serve.events}
    assert {"message_received", "message_processed", "worker_process_started"} <= names


def _children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if _parent_of(int(entry.name)) == pid:
                    found.append(int(entry.name))
            except (FileNotFoundError, ProcessLookupError):
                continue
    return found


@pytest.mark.parametrize("backend", ["sqlite"])  # about processes, not storage: one backend
def test_the_read_ahead_workers_die_with_serve(start_serve, db_url):
    serve = start_serve(processing={"jobs": 2})
    worker = _child(serve, "worker")["pid"]
    _send(serve.port, 3, "ahead")
    serve.wait_for("message_processed", count=3)
    ahead = _children_of(worker)  # the read-ahead workers (and multiprocessing's tracker)
    assert len(ahead) >= 2
    for pid in ahead:
        assert _nice(pid) == _nice(worker)  # as low a priority as the child that started them

    serve.process.kill()
    serve.process.wait()
    for pid in [worker, *ahead]:
        assert _wait_until_gone(pid, timeout=10), "an orphaned read-ahead worker lives on"
