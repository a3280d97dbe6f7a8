"""Run ``python -m zsupport_mail serve`` as a real subprocess, and a capture relay for its mail.

ServeProcess reads the daemon's JSON log lines on a thread and lets a test wait for a named
event (``serve_started``, ``message_processed``...) instead of sleeping. CaptureRelay is an
aiosmtpd server playing the outbound relay; it can answer with an injected error code.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


class ServeProcess:
    """The daemon under test, started from a config file."""

    def __init__(self, config: Path, *, env: dict[str, str] | None = None) -> None:
        self.config = config
        self.env = {**os.environ, **(env or {})}
        self.events: list[dict[str, Any]] = []
        self._new: queue.Queue[dict[str, Any]] = queue.Queue()
        self._lock = threading.Lock()
        self.process: subprocess.Popen[bytes] | None = None
        self._reader: threading.Thread | None = None
        self.exited = False

    def start(self, timeout: float = 30) -> ServeProcess:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "zsupport_mail", "--config", str(self.config), "serve"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=self.env,
            start_new_session=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.wait_for("serve_started", timeout=timeout)
        return self

    def _read(self) -> None:
        assert self.process is not None
        assert self.process.stderr is not None
        for line in self.process.stderr:
            try:
                event = json.loads(line)
            except ValueError:
                event = {"event": "raw", "text": line.decode(errors="replace")}
            with self._lock:
                self.events.append(event)
            self._new.put(event)
        self.exited = True
        self._new.put({"event": "_exited"})

    def wait_for(
        self,
        name: str | tuple[str, ...],
        timeout: float = 30,
        where: Callable[[dict[str, Any]], bool] = lambda e: True,
        count: int = 1,
    ) -> list[dict[str, Any]]:
        """Block until `count` events named `name` (or any of several names, matching `where`)
        have been logged."""
        names = (name,) if isinstance(name, str) else name
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                found = [e for e in self.events if e.get("event") in names and where(e)]
            if len(found) >= count:
                return found
            if self.exited:
                raise AssertionError(f"serve exited before {count} x {name}:\n{self.log_text()}")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no {count} x {name} in {timeout}s:\n{self.log_text()}")
            try:
                self._new.get(timeout=remaining)
            except queue.Empty:
                continue

    def log_text(self) -> str:
        with self._lock:
            return "\n".join(json.dumps(e) for e in self.events[-60:])

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        """Signal the daemon and wait for it; returns its exit code."""
        if self.process is None:
            return 0
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            code = self.process.wait()
        if self._reader is not None:
            self._reader.join(timeout=5)
        if self.process.stderr is not None:
            self.process.stderr.close()
        return code

    def kill(self) -> None:
        """SIGKILL: the daemon gets no chance to clean up."""
        self.stop(signal.SIGKILL)


@dataclass
class Delivery:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes


@dataclass
class CaptureHandler:
    deliveries: list[Delivery] = field(default_factory=list)
    reject_with: str | None = None
    arrived: threading.Condition = field(default_factory=threading.Condition)
    attempts: int = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.attempts += 1
        if self.reject_with is not None:
            return self.reject_with
        with self.arrived:
            self.deliveries.append(
                Delivery(
                    str(envelope.mail_from),
                    list(envelope.rcpt_tos),
                    envelope.original_content or b"",
                )
            )
            self.arrived.notify_all()
        return "250 2.0.0 OK"


class CaptureRelay:
    """A real SMTP server on loopback that records what it is sent."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.handler = CaptureHandler()
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=port)

    @property
    def deliveries(self) -> list[Delivery]:
        return self.handler.deliveries

    def start(self) -> CaptureRelay:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def wait_for(self, count: int, timeout: float = 30) -> list[Delivery]:
        """Block until at least `count` mails have arrived."""
        with self.handler.arrived:
            ok = self.handler.arrived.wait_for(lambda: len(self.deliveries) >= count, timeout)
        if not ok:
            raise AssertionError(f"relay got {len(self.deliveries)} of {count} mails in {timeout}s")
        return list(self.deliveries)
