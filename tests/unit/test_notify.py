"""sd_notify environment handling and the [monitoring] config section."""

from __future__ import annotations

import os

import pytest

from zsupport_mail.runtime.notify import Notifier
from zsupport_mail.settings import ConfigError


def test_without_notify_socket_nothing_is_enabled():
    notifier = Notifier.from_env({"WATCHDOG_USEC": "1000000"})
    assert not notifier.enabled
    assert notifier.watchdog_interval is None
    notifier.send(READY=1)  # a no-op, never an error


def test_watchdog_is_half_the_period_and_only_for_this_pid():
    env = {"NOTIFY_SOCKET": "@x", "WATCHDOG_USEC": "30000000", "WATCHDOG_PID": str(os.getpid())}
    assert Notifier.from_env(env).watchdog_interval == 15.0
    assert Notifier.from_env({**env, "WATCHDOG_PID": "1"}).watchdog_interval is None


def test_monitoring_defaults_off_and_port_is_checked(make_settings):
    assert not make_settings().monitoring.enabled
    assert make_settings(monitoring={"port": 9325}).monitoring.port == 9325
    with pytest.raises(ConfigError, match=r"monitoring\.port"):
        make_settings(monitoring={"port": 70000})
