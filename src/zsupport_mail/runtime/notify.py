"""The sd_notify protocol: tell systemd we are ready, alive, busy with what, and stopping.

systemd passes a datagram socket in ``$NOTIFY_SOCKET`` (a path, or ``@name`` for the abstract
namespace) and, with ``WatchdogSec=``, the watchdog period in ``$WATCHDOG_USEC``. Each message is
one datagram of ``KEY=value`` lines. Without ``$NOTIFY_SOCKET`` (not run by systemd, or
``Type=simple``) every call here does nothing. A failed send is logged once and never raised:
monitoring must not take the mail service down.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping

import structlog

log = structlog.get_logger("zsupport_mail.runtime.notify")


class Notifier:
    """Sends sd_notify datagrams to one socket address, or nowhere."""

    def __init__(self, address: str | None, watchdog_usec: int | None = None) -> None:
        self._address = address
        self.watchdog_usec = watchdog_usec
        self._warned = False

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Notifier:
        """The notifier systemd asked for through the environment.

        The watchdog applies only if ``$WATCHDOG_PID`` is unset or names this process (a
        child that inherited the variables must not ping for its parent).
        """
        env = os.environ if env is None else env
        address = env.get("NOTIFY_SOCKET") or None
        usec: int | None = None
        pid = env.get("WATCHDOG_PID")
        if env.get("WATCHDOG_USEC", "").isdigit() and (pid is None or pid == str(os.getpid())):
            usec = int(env["WATCHDOG_USEC"]) or None
        return cls(address, usec)

    @property
    def enabled(self) -> bool:
        """Whether systemd gave us a socket; without one every send is a no-op."""
        return self._address is not None

    @property
    def watchdog_interval(self) -> float | None:
        """Seconds between WATCHDOG=1 pings: half the period, as sd_watchdog_enabled(3) advises."""
        if not self.enabled or self.watchdog_usec is None:
            return None
        return self.watchdog_usec / 2_000_000

    def send(self, **fields: str | int) -> None:
        """Send one datagram, e.g. ``send(READY=1, STATUS="idle")``."""
        if self._address is None:
            return
        payload = "\n".join(f"{key}={value}" for key, value in fields.items()).encode()
        address = self._address
        if address.startswith("@"):
            address = "\0" + address[1:]  # Linux abstract namespace
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
                sock.sendto(payload, address)
        except OSError as exc:
            if not self._warned:
                log.warning("sd_notify_failed", socket=self._address, error=str(exc))
                self._warned = True
