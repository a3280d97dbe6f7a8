"""outage announce: three business days' notice or --emergency, mailed to authorised contacts."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.helpers import write_config

DENVER = ZoneInfo("America/Denver")


@pytest.fixture
def config(tmp_path, db_url):
    return write_config(tmp_path / "config.toml", db_url, tmp_path)


def announce(config, start: datetime, *extra: str):
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "zsupport_mail",
            "--config",
            str(config),
            "outage",
            "announce",
            "--client",
            "Acme Dental",
            "--start",
            start.isoformat(),
            "--end",
            (start + timedelta(hours=2)).isoformat(),
            "--reason",
            "MX upgrade",
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )


def outbox(config) -> list[dict]:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "zsupport_mail",
            "--config",
            str(config),
            "outbox",
            "list",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    return json.loads(result.stdout)


def test_planned_outage_with_enough_notice_is_mailed_to_the_authorised_contacts(config):
    start = (datetime.now(DENVER) + timedelta(days=14)).replace(
        hour=22, minute=0, second=0, microsecond=0
    )
    result = announce(config, start)
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout)
    assert outcome["to"] == ["dana@acmedental.example", "lee@acmedental.example"]
    assert outcome["in_time"] is True
    [row] = outbox(config)
    assert row["to"] == ["dana@acmedental.example", "lee@acmedental.example"]
    assert row["kind"] == "outage_planned"


def test_short_notice_is_refused_unless_an_emergency(config):
    start = datetime.now(DENVER) + timedelta(hours=5)
    refused = announce(config, start)
    assert refused.returncode == 1
    assert "three business days" in refused.stderr
    assert outbox(config) == []
    emergency = announce(config, start, "--emergency")
    assert emergency.returncode == 0, emergency.stderr
    assert json.loads(emergency.stdout)["in_time"] is False
    assert [r["kind"] for r in outbox(config)] == ["outage_emergency"]
