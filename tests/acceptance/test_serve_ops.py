"""``serve`` under a supervisor: sd_notify on a real datagram socket, /healthz and /metrics
over HTTP, SIGHUP reload, and the ``status`` / ``db check`` commands."""

from __future__ import annotations

import json
import os
import signal
import smtplib
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from tests.helpers import (
    SUPPORT,
    config_dict,
    make_mail,
    moved_clock_env,
    set_clock,
    to_toml,
    write_config,
)
from tests.servers.ports import free_port


@pytest.fixture
def notify_socket():
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    name = f"@zsupport-test-{os.getpid()}-{time.monotonic_ns()}"
    sock.bind("\0" + name[1:])
    sock.settimeout(1.0)
    yield name, sock
    sock.close()


def receive_until(sock, wanted: set[str], timeout: float = 30) -> list[dict[str, str]]:
    """Datagrams (as dicts) until every key in wanted has been seen."""
    got: list[dict[str, str]] = []
    deadline = time.monotonic() + timeout
    while wanted - {key for message in got for key in message}:
        assert time.monotonic() < deadline, f"only got {got}"
        try:
            data = sock.recv(4096)
        except TimeoutError:
            continue
        got.append(dict(line.split("=", 1) for line in data.decode().splitlines()))
    return got


def test_sd_notify_ready_status_watchdog_stopping(start_serve, notify_socket):
    name, sock = notify_socket
    serve = start_serve(env={"NOTIFY_SOCKET": name, "WATCHDOG_USEC": "400000"})
    got = receive_until(sock, {"READY", "WATCHDOG"})
    assert got[0]["READY"] == "1"
    while not any("inbox pending 0" in m.get("STATUS", "") for m in got):
        got += receive_until(sock, {"STATUS"})  # the queue depths follow READY at once
    receive_until(sock, {"WATCHDOG"})  # pings keep coming (every 0.2 s)
    assert serve.stop(signal.SIGTERM) == 0
    assert "1" in [m.get("STOPPING") for m in receive_until(sock, {"STOPPING"})]


def test_without_notify_socket_serve_sends_nothing(start_serve):
    serve = start_serve(env={"NOTIFY_SOCKET": ""})
    [started] = serve.wait_for("serve_started")
    assert started["sd_notify"] is False
    assert started["monitoring"] is None


def fetch(port: int, path: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def sample(text: bytes, name: str) -> float:
    for line in text.decode().splitlines():
        if line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_healthz_and_metrics_over_http(start_serve):
    port = free_port()
    serve = start_serve(monitoring={"port": port})
    status, body = fetch(port, "/healthz")
    health = json.loads(body)
    assert status == 200, health
    assert health["database"] == "ok"
    assert health["smtp"] == "listening"
    assert health["outbox_stuck"] is False
    _, before = fetch(port, "/metrics")
    assert sample(before, 'messages_received_total{source="smtp"}') == 0

    with smtplib.SMTP("127.0.0.1", serve.port) as client:
        client.sendmail("dana@acmedental.example", [SUPPORT], make_mail())
    serve.wait_for("message_processed")

    # The pipeline logs message_processed in its thread; the worker counts it just after, on
    # the event loop that also answers this scrape: wait for the count, not for the log line.
    deadline = time.monotonic() + 30
    created = 'messages_processed_total{action="created"}'
    while sample(after := fetch(port, "/metrics")[1], created) < 1:
        assert time.monotonic() < deadline, after
        time.sleep(0.05)  # poll interval, not synchronisation
    assert sample(after, 'messages_received_total{source="smtp"}') == 1
    assert sample(after, 'messages_processed_total{action="created"}') == 1
    assert sample(after, "smtp_time_to_250_seconds_count") == 1
    assert b"\noutbox_pending " in after  # 1 or already 0: the maildir sender is quick
    assert b"\noutbox_failed 0.0" in after
    assert sample(after, "inbox_pending") == 0
    assert fetch(port, "/nothing")[0] == 404


def test_sighup_reloads_clients_and_survives_a_bad_config(start_serve, db_url, tmp_path):
    serve = start_serve()
    with smtplib.SMTP("127.0.0.1", serve.port) as client:
        client.sendmail("kim@initech.example", [SUPPORT], make_mail(sender="kim@initech.example"))
    serve.wait_for("message_processed", where=lambda e: e["action"] == "quarantined")

    data = config_dict(db_url, tmp_path, smtp={"port": serve.port})
    data["clients"].append(
        {
            "name": "Initech",
            "domains": ["initech.example"],
            "contacts": [{"name": "Kim", "email": "kim@initech.example", "role": "primary"}],
        }
    )
    serve.config.write_text(to_toml(data), encoding="utf-8")
    serve.process.send_signal(signal.SIGHUP)
    [event] = serve.wait_for("config_reloaded")
    assert event["clients"] == 3
    assert event["restart_needed_for"] == []
    mail = make_mail(sender="kim@initech.example", message_id="<after-reload@initech.example>")
    with smtplib.SMTP("127.0.0.1", serve.port) as client:
        client.sendmail("kim@initech.example", [SUPPORT], mail)
    serve.wait_for("message_processed", where=lambda e: e["action"] == "created")

    serve.config.write_text(serve.config.read_text() + "\n[smtp]\nport = 0\n", encoding="utf-8")
    serve.process.send_signal(signal.SIGHUP)
    [failed] = serve.wait_for("config_reload_failed")
    assert failed["problems"]
    mail = make_mail(sender="kim@initech.example", message_id="<after-bad@initech.example>")
    with smtplib.SMTP("127.0.0.1", serve.port) as client:
        assert client.sendmail("kim@initech.example", [SUPPORT], mail) == {}
    serve.wait_for("message_processed", count=2, where=lambda e: e["action"] != "quarantined")
    assert serve.stop() == 0


def run_cli(config, *args):
    return subprocess.run(
        [sys.executable, "-m", "zsupport_mail", "--config", str(config), *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.every_backend
def test_status_and_db_check(tmp_path, db_url):
    config = write_config(tmp_path / "config.toml", db_url, tmp_path)
    (tmp_path / "report.eml").write_bytes(make_mail())
    assert run_cli(config, "ingest", str(tmp_path / "report.eml")).returncode == 0

    result = run_cli(config, "status", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["inbox"] == {"done": 1}
    assert report["outbox"] == {"queued": 1}
    assert set(report["last_received"]) == {"cli"}
    assert report["quarantined"] == 0
    assert run_cli(config, "status").returncode == 0

    assert run_cli(config, "db", "check").returncode == 0
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    behind = write_config(tmp_path / "behind.toml", empty, tmp_path)
    result = run_cli(behind, "db", "check")
    assert result.returncode == 3
    assert "run `zsupport-mail db upgrade` first" in result.stderr


def test_scheduler_warns_and_records_a_breach_on_a_running_serve(start_serve, tmp_path):
    """serve's SLA scheduler on a clock the test moves ($ZSUPPORT_CLOCK_FILE)."""
    import smtplib

    from tests.helpers import SUPPORT, make_mail

    clock_file = tmp_path / "now"
    set_clock(clock_file, "2026-11-24T17:00:00+00:00")  # Tuesday 10:00 in Denver
    serve = start_serve(
        sla={"tick_seconds": 1},
        staff={"addresses": ["boss@staffmail.example"]},
        env=moved_clock_env(clock_file),
    )
    with smtplib.SMTP("127.0.0.1", serve.port) as client:
        client.sendmail("dana@acmedental.example", [SUPPORT], make_mail())
    serve.wait_for("message_processed")
    set_clock(clock_file, "2026-11-24T19:30:00+00:00")  # 2.5 h later: past the 2 h response
    [breach] = serve.wait_for("sla_breach", timeout=30)
    assert (breach["ticket"], breach["target"]) == ("ZS-000001", "response")
    warnings = serve.wait_for("sla_warning", count=2, timeout=30)
    assert {w["threshold"] for w in warnings} == {"75", "90"}


def test_scheduler_auto_closes_a_ticket_waiting_on_the_client(start_serve, tmp_path):
    import smtplib

    from tests.helpers import STAFF_SECRET, SUPPORT, make_mail, staff_thread

    clock_file = tmp_path / "now"
    set_clock(clock_file, "2026-11-24T17:00:00+00:00")  # Tuesday 10:00 in Denver
    serve = start_serve(
        sla={"tick_seconds": 1},
        safety={"secret": STAFF_SECRET},
        env=moved_clock_env(clock_file),
    )
    with smtplib.SMTP("127.0.0.1", serve.port) as client:
        client.sendmail("dana@acmedental.example", [SUPPORT], make_mail())
        client.sendmail(
            "tom@zsupport.example",
            [SUPPORT],
            make_mail(
                sender="Tom Tech <tom@zsupport.example>",
                subject="Re: [Z-Support #ZS-000001] x",
                body="#status pending\nPlease reboot the unit and tell us.",
                message_id="<pending@zsupport.example>",
                headers=staff_thread(),  # a reply to the ticket's staff copy: proof
            ),
        )
    serve.wait_for("message_processed", count=2)
    set_clock(clock_file, "2026-12-04T17:00:00+00:00")  # well past 48 business hours
    [closed] = serve.wait_for("ticket_auto_closed", timeout=30)
    assert closed["ticket"] == "ZS-000001"
