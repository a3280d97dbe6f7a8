"""Loopback ports, file access, process groups and logs: what the throwaway servers share.

Dovecot and Postfix bind with SO_REUSEPORT, so a stale server on the same port would silently
share connections with a new one: pick a port the kernel says is free and refuse a busy one.
When running as root the servers drop to service accounts (postgres, dovecot, postfix) that must
be able to reach their files in a temp dir, which mkdtemp creates with mode 0700.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import stat
import subprocess
import time
from pathlib import Path


def free_port() -> int:
    """Return a loopback TCP port that nothing was bound to a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """True when no socket listens on host:port (closed connections in TIME_WAIT do not count)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def ensure_port_free(port: int, host: str = "127.0.0.1") -> None:
    """Raise if something already listens on host:port."""
    if not port_is_free(port, host):
        raise RuntimeError(f"{host}:{port} is already in use; refusing to share it")


def wait_for_port(
    host: str,
    port: int,
    timeout: float,
    process: subprocess.Popen[bytes] | None = None,
    greeting: bytes = b"",
) -> None:
    """Wait until host:port accepts a connection and greets with greeting, or raise TimeoutError.

    A greeting (b"* OK", b"220") shows the server is ready to serve, not just listening. With
    process, give up as soon as that server process has exited.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((host, port), timeout=1) as sock:
                if not greeting or sock.recv(1024).startswith(greeting):
                    return
        except OSError:
            pass  # not listening yet, or no greeting yet
        if process is not None and process.poll() is not None:
            raise TimeoutError(
                f"the server exited ({process.returncode}) before it was ready on {host}:{port}"
            )
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{host}:{port} was not ready within {timeout} s")
        time.sleep(0.02)


def wait_for_port_free(host: str, port: int, timeout: float) -> None:
    """Wait until nothing listens on host:port any more, or raise TimeoutError."""
    deadline = time.monotonic() + timeout
    while not port_is_free(port, host):
        if time.monotonic() >= deadline:
            raise TimeoutError(f"something still listens on {host}:{port}")
        time.sleep(0.02)


def allow_traverse(path: Path) -> None:
    """Let every account search (not list) path, so service accounts reach their files in it.

    Raise if a parent dir shuts them out, as pytest's /tmp/pytest-of-USER (0700) does: opening
    that up would not last, since every pytest session that starts resets it to 0700.
    """
    for parent in path.parents:
        if not parent.stat().st_mode & stat.S_IXOTH:
            raise RuntimeError(
                f"{parent} is closed to other accounts, so the servers' service accounts cannot "
                f"reach {path}; use tests.servers.fixtures.server_dir() instead of tmp_path"
            )
    path.chmod(stat.S_IMODE(path.stat().st_mode) | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


def log_tail(path: Path, lines: int = 30) -> str:
    """The last lines of a server's log, for error messages; empty if there is no log yet."""
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def signal_group(pgid: int, signum: signal.Signals) -> None:
    """Send signum to a process group; a group that is already gone is fine."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signum)
