"""The test clock moves a daemon's time only when the test run enables it explicitly."""

from __future__ import annotations

from datetime import UTC, datetime

from structlog.testing import capture_logs

from zsupport_mail.settings.clock import clock_from_env, utc_now


def test_clock_file_alone_is_ignored_and_logged(tmp_path, monkeypatch):
    clock_file = tmp_path / "clock"
    clock_file.write_text("2020-01-01T00:00:00+00:00")
    monkeypatch.setenv("ZSUPPORT_CLOCK_FILE", str(clock_file))
    monkeypatch.delenv("ZSUPPORT_TESTING", raising=False)
    with capture_logs() as logs:
        clock = clock_from_env()
    assert clock is utc_now
    assert clock().year >= 2026
    assert [e["event"] for e in logs] == ["test_clock_ignored"]
    assert logs[0]["log_level"] == "error"


def test_clock_file_with_the_testing_flag_moves_time_and_warns(tmp_path, monkeypatch):
    clock_file = tmp_path / "clock"
    clock_file.write_text("2020-01-01T00:00:00+00:00")
    monkeypatch.setenv("ZSUPPORT_CLOCK_FILE", str(clock_file))
    monkeypatch.setenv("ZSUPPORT_TESTING", "1")
    with capture_logs() as logs:
        clock = clock_from_env()
    assert clock() == datetime(2020, 1, 1, tzinfo=UTC)
    clock_file.write_text("2020-01-02T00:00:00+00:00")
    assert clock() == datetime(2020, 1, 2, tzinfo=UTC)
    assert [(e["event"], e["log_level"]) for e in logs] == [("test_clock_active", "warning")]


def test_no_clock_file_is_the_wall_clock(monkeypatch):
    monkeypatch.delenv("ZSUPPORT_CLOCK_FILE", raising=False)
    assert clock_from_env() is utc_now
