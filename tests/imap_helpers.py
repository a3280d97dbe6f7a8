"""Helpers for the IMAP tests: a writer's view of a Dovecot mailbox, configs, captured events.

Tests drive the real server with imapclient as a separate mail client would (APPEND, SELECT,
SEARCH), and wait on the daemon's log events or on the mailbox's state with a deadline, never
on a fixed sleep.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import structlog
from imapclient import IMAPClient

from tests.helpers import make_mail
from tests.servers.dovecot import DovecotServer


@contextmanager
def imap_login(server: DovecotServer) -> Iterator[IMAPClient]:
    """A plaintext loopback session of the test user (the server's own client, not ours)."""
    client = IMAPClient(server.host, server.port, ssl=False, timeout=30)
    try:
        client.login(server.user, server.password)
        yield client
    finally:
        try:
            client.logout()
        except Exception:
            client.shutdown()


def append_mail(server: DovecotServer, *messages: bytes, folder: str = "INBOX") -> None:
    """APPEND each raw message to folder, as a delivering MTA's local agent would."""
    with imap_login(server) as client:
        for raw in messages:
            client.append(folder, raw)


def reports(count: int, prefix: str = "imap", start: int = 0) -> list[bytes]:
    """Distinct trouble reports from an authorised contact (each one makes a ticket)."""
    return [
        make_mail(
            subject=f"Phones drop calls ({prefix} {n})",
            message_id=f"<{prefix}-{n}@acmedental.example>",
        )
        for n in range(start, start + count)
    ]


def folder_message_ids(server: DovecotServer, folder: str) -> list[str]:
    """The Message-ID header of every message in folder, in UID order."""
    with imap_login(server) as client:
        client.select_folder(folder, readonly=True)
        uids = client.search("ALL")
        fetched = client.fetch(uids, ["BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"])
    headers = [fetched[uid][b"BODY[HEADER.FIELDS (MESSAGE-ID)]"] for uid in sorted(fetched)]
    return [h.decode().partition(":")[2].strip() for h in headers]


def folder_flags(server: DovecotServer, folder: str) -> list[tuple[bytes, ...]]:
    with imap_login(server) as client:
        client.select_folder(folder, readonly=True)
        fetched = client.get_flags(client.search("ALL"))
    return [fetched[uid] for uid in sorted(fetched)]


def wait_until(predicate: Callable[[], Any], timeout: float = 30, what: str = "condition") -> Any:
    """Re-check predicate (a server's state, not the daemon's progress) until true."""
    deadline = time.monotonic() + timeout
    while not (result := predicate()):
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what} not reached within {timeout}s")
        time.sleep(0.05)
    return result


def mailbox_config(server: DovecotServer, **overrides: Any) -> dict[str, Any]:
    """One [[imap.mailboxes]] table for the test server (plaintext: it is on loopback)."""
    return {
        "host": server.host,
        "port": server.port,
        "tls": "none",
        "user": server.user,
        "password": server.password,
        "processed_folder": "Processed",
        **overrides,
    }


def mailbox_key(server: DovecotServer, folder: str = "INBOX") -> str:
    return f"imap:{server.user}@{server.host}:{server.port}/{folder}"


class EventLog:
    """A structlog processor that keeps every event, from any thread, for tests to wait on."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self._changed = threading.Condition()

    def __call__(self, logger: Any, method: str, event_dict: dict[str, Any]) -> Any:
        with self._changed:
            self.events.append({**event_dict, "level": method, "at": time.monotonic()})
            self._changed.notify_all()
        raise structlog.DropEvent

    def named(self, name: str, where: Callable[[dict[str, Any]], bool] = lambda e: True) -> list:
        with self._changed:
            return [e for e in self.events if e["event"] == name and where(e)]

    def wait_for(
        self,
        name: str,
        count: int = 1,
        timeout: float = 30,
        where: Callable[[dict[str, Any]], bool] = lambda e: True,
    ) -> list[dict[str, Any]]:
        """Block until count events named name (matching where) were logged."""
        with self._changed:
            ok = self._changed.wait_for(lambda: len(self.named(name, where)) >= count, timeout)
        if not ok:
            seen = [e["event"] for e in self.events[-40:]]
            raise AssertionError(f"no {count} x {name} within {timeout}s; last events: {seen}")
        return self.named(name, where)


@contextmanager
def captured_events() -> Iterator[EventLog]:
    """Route structlog to an EventLog for the block, then restore the previous configuration."""
    previous = structlog.get_config()
    capture = EventLog()
    structlog.configure(
        processors=[structlog.contextvars.merge_contextvars, capture],
        cache_logger_on_first_use=False,
    )
    try:
        yield capture
    finally:
        structlog.configure(**previous)
