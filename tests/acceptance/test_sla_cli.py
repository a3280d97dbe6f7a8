"""`zsupport-mail sla due`: the contract's due times on the client's calendar, as JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "zsupport.example.toml"


def run_due(client: str, received: str, *extra: str) -> subprocess.CompletedProcess[str]:
    command = ["sla", "due", "--client", client, "--received", received, *extra]
    return subprocess.run(
        [sys.executable, "-m", "zsupport_mail", "--config", str(EXAMPLE), *command],
        capture_output=True,
        text=True,
        timeout=60,
    )


def due(received: str, *extra: str) -> dict:
    result = run_due("Acme Dental", received, *extra)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    ("received", "response", "restoration"),
    [
        # Wednesday before Thanksgiving, 16:00: 1 h that day, Thursday is a holiday, 1 h Friday.
        ("2026-11-25T16:00", "2026-11-27T09:00:00-07:00", "2026-11-25T20:00:00-07:00"),
        # Observed Independence Day (Friday 3 July): outside hours, 12 business hours.
        ("2026-07-03T10:00", "2026-07-07T11:00:00-06:00", "2026-07-03T22:00:00-06:00"),
        # Friday 16:30 before DST starts: the answer is in daylight time on Monday.
        ("2026-03-06T16:30", "2026-03-09T09:30:00-06:00", "2026-03-06T20:30:00-07:00"),
    ],
)
def test_due_times(received, response, restoration):
    result = due(received, "--critical")
    assert (result["response_due"], result["restoration_due"]) == (response, restoration)


def test_restoration_is_null_unless_critical():
    assert due("2026-11-24T10:00")["restoration_due"] is None


def test_unknown_client_is_a_clear_error():
    result = run_due("Nobody", "2026-11-24T10:00")
    assert result.returncode == 1
    assert "no client 'Nobody'" in result.stderr
