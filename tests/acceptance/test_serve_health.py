"""A running serve's view of trouble, over HTTP: SLA breaches in /metrics and ``status``,
/healthz 503 naming the failing check when the database is gone or the outbox is stuck, and
200 again once it recovers."""

from __future__ import annotations

import json
import smtplib
import socket
import time

import pytest

from tests.acceptance.test_serve_ops import fetch, run_cli, sample
from tests.daemon import CaptureRelay, ServeProcess
from tests.helpers import SUPPORT, make_mail, moved_clock_env, set_clock, write_config
from tests.servers.fixtures import server_dir
from tests.servers.ports import free_port
from tests.servers.postgres import PostgresCluster
from zsupport_mail.db import migrate

TUESDAY_10_DENVER = "2026-11-24T17:00:00+00:00"


def health(port: int) -> tuple[int, dict]:
    status, body = fetch(port, "/healthz")
    return status, json.loads(body)


def until_health(port: int, status: int, timeout: float = 60) -> dict:
    """Poll /healthz (HTTP state, not a sleep) until it answers status; return its body."""
    deadline = time.monotonic() + timeout
    while True:
        got, body = health(port)
        if got == status:
            return body
        assert time.monotonic() < deadline, f"/healthz still {got}: {body}"
        time.sleep(0.2)


def until_metric(port: int, name: str, value: float, timeout: float = 30) -> bytes:
    """Poll /metrics until name has value (the tick logs sla_breach before it is counted)."""
    deadline = time.monotonic() + timeout
    while True:
        _, text = fetch(port, "/metrics")
        if sample(text, name) == value:
            return text
        assert time.monotonic() < deadline, f"{name} is {sample(text, name)}, not {value}"
        time.sleep(0.2)


def test_a_breach_is_counted_and_open_breaches_are_shown(start_serve, tmp_path):
    clock_file = tmp_path / "now"
    clock_file.write_text(TUESDAY_10_DENVER)
    port = free_port()
    serve = start_serve(
        sla={"tick_seconds": 1},
        monitoring={"port": port},
        env=moved_clock_env(clock_file),
    )
    with smtplib.SMTP("127.0.0.1", serve.port) as client:
        client.sendmail("dana@acmedental.example", [SUPPORT], make_mail())
    serve.wait_for("message_processed")
    _, before = fetch(port, "/metrics")
    assert sample(before, 'sla_breaches_total{target="response"}') == 0
    assert b'sla_tickets_in_breach{target="response"} 0.0' in before

    set_clock(clock_file, "2026-11-24T19:30:00+00:00")  # past the 2 business hours
    serve.wait_for("sla_breach")
    after = until_metric(port, 'sla_breaches_total{target="response"}', 1)
    assert sample(after, 'sla_breaches_total{target="restoration"}') == 0
    assert sample(after, 'sla_tickets_in_breach{target="response"}') == 1
    assert health(port)[1]["sla_breaches"] == {"response": 1, "restoration": 0}

    result = run_cli(serve.config, "status", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["sla_breaches"] == {"response": 1, "restoration": 0}
    [breached] = report["sla_breached"]
    assert (breached["ticket"], breached["target"]) == ("ZS-000001", "response")
    text = run_cli(serve.config, "status").stdout
    assert "ZS-000001 Acme Dental: response was due" in text


@pytest.fixture
def private_postgres():
    """A PostgreSQL cluster of this test's own: the test stops it, nobody else's tests."""
    with server_dir("postgres-outage") as base_dir:
        cluster = PostgresCluster(base_dir)
        cluster.start()
        try:
            cluster.create_database("zsupport")
            url = cluster.url("zsupport")
            migrate.upgrade(url)
            yield cluster, url
        finally:
            cluster.stop()


def test_healthz_names_the_database_while_postgres_is_down(private_postgres, tmp_path):
    cluster, url = private_postgres
    port = free_port()
    smtp_port = free_port()
    config = write_config(
        tmp_path / "serve.toml",
        url,
        tmp_path,
        smtp={"port": smtp_port},
        monitoring={"port": port},
    )
    serve = ServeProcess(config).start()
    try:
        assert health(port)[0] == 200
        cluster.stop("fast")  # an immediate stop could lose serve's last commits
        serve.wait_for("database_unavailable", timeout=30)  # the worker's next recheck
        status, body = health(port)
        assert status == 503, body
        assert body["failing"] == ["database"]
        assert body["database"].startswith("error:")

        cluster.start()  # same port and data
        body = until_health(port, 200)
        assert body["failing"] == []
        with smtplib.SMTP("127.0.0.1", smtp_port) as client:
            client.sendmail("dana@acmedental.example", [SUPPORT], make_mail())
        [done] = serve.wait_for("message_processed")  # the worker survived the outage
        assert done["action"] == "created", serve.log_text()
        serve.wait_for("database_available")
    finally:
        assert serve.stop() == 0


@pytest.fixture
def silent_relay():
    """A TCP port that accepts connections and never says a word: a hung relay."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    yield sock
    sock.close()


def test_healthz_names_a_stuck_outbox_and_recovers(start_serve, silent_relay, tmp_path):
    clock_file = tmp_path / "now"
    clock_file.write_text(TUESDAY_10_DENVER)
    port = free_port()
    serve = start_serve(
        outbound={
            "mode": "smtp",
            "relay_port": silent_relay.getsockname()[1],
            "retry_base_seconds": 1,
        },
        monitoring={"port": port},
        env=moved_clock_env(clock_file),
    )
    with smtplib.SMTP("127.0.0.1", serve.port) as client:
        client.sendmail("dana@acmedental.example", [SUPPORT], make_mail())
    serve.wait_for("message_processed")
    assert health(port)[0] == 200  # queued and due, but not overdue

    # The sender hangs on the relay (30 s timeout) while time moves 11 minutes on.
    set_clock(clock_file, "2026-11-24T17:11:00+00:00")
    status, body = health(port)
    assert status == 503, body
    assert body["failing"] == ["outbox_stuck"]
    assert body["outbox_overdue"] == 1

    # The hung connection is reset: the relay is unreachable, so the reply stays the oldest
    # due mail and the outbox stays stuck until a relay answers on that port again.
    relay_port = silent_relay.getsockname()[1]
    silent_relay.close()
    serve.wait_for("delivery_deferred", where=lambda e: e.get("relay_unavailable") is True)
    assert health(port)[0] == 503
    relay = CaptureRelay(relay_port).start()
    try:
        relay.wait_for(1)
        assert until_health(port, 200)["outbox_stuck"] is False
    finally:
        relay.stop()
