"""serve's processing worker and outbox sender run in child processes (worker_process.py):
serve's children at a lower priority, a dead one is replaced without losing mail, they die
with serve, and every process's log lines stay whole on the shared stderr."""

from __future__ import annotations

import os
import select
import signal
import smtplib
from pathlib import Path

from tests.acceptance.conftest import db_count, relay_mode
from tests.helpers import SUPPORT, make_mail
from zsupport_mail.db.models import InboundMessage, Ticket


def _parent_of(pid: int) -> int:
    # /proc/PID/stat: "pid (comm) state ppid ..."; comm may hold spaces, so split after ")".
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rpartition(")")[2].split()[1])


def _wait_until_gone(pid: int, timeout: float) -> bool:
    """Whether process pid ended within timeout, awaited on a pidfd (no polling)."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        readable, _, _ = select.select([fd], [], [], timeout)
        return bool(readable)
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


def test_a_killed_sender_process_is_replaced_and_replies_still_sent(start_serve, relay):
    serve = start_serve(outbound=relay_mode(relay))
    first = _child(serve, "sender")
    os.kill(first["pid"], signal.SIGKILL)
    assert _wait_until_gone(first["pid"], timeout=10)

    _send(serve.port, 2, "sender-kill")
    serve.wait_for("worker_process_died", where=lambda e: e["role"] == "sender")
    assert len(relay.wait_for(2)) == 2
    assert serve.process.poll() is None


def test_the_children_die_with_serve(start_serve):
    serve = start_serve()
    children = [_child(serve, role)["pid"] for role in ("worker", "sender")]
    serve.process.kill()  # kill -9: serve cannot tell its children anything
    serve.process.wait()
    for pid in children:
        assert _wait_until_gone(pid, timeout=10), "an orphaned child goes on writing"


def test_sigterm_stops_the_children_after_serve(start_serve):
    serve = start_serve()
    children = [_child(serve, role)["pid"] for role in ("worker", "sender")]
    _send(serve.port, 5, "stop")
    serve.wait_for("message_received", count=5)
    assert serve.stop(signal.SIGTERM) == 0
    for pid in children:
        assert _wait_until_gone(pid, timeout=10)


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
