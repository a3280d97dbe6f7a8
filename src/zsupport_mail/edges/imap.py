r"""The IMAP edge: watch a folder, commit each new message to the inbox, then flag and move it.

One poller per ``[[imap.mailboxes]]`` entry, each in its own thread because imapclient is
synchronous. A session: connect (TLS, login), create the processed folder if missing, select
the watched folder, check its UIDVALIDITY against the saved bookmark, then repeat: store every
message above the bookmark's UID, flag \Seen and move what was stored, save the bookmark, wait
in IDLE (renewed well before RFC 2177's 29 minutes) or sleep ``poll_seconds`` without IDLE.
The order store -> move -> bookmark makes a crash anywhere safe: a message not yet moved is
fetched again and recognised by the inbox's dedupe key, so it never makes a second ticket.
Failures (server gone, wrong password, database down) are logged once per attempt and retried
with capped exponential backoff; a stop event ends the thread within about a second.

When several instances share PostgreSQL, each poller first takes the mailbox's advisory session
lock (db/advisory.py): one instance polls, the others stand by and try again every
``standby_seconds``, and one of them takes over when the holder dies. Should two ever poll at
once (a lock connection lost and not yet noticed), the inbox's dedupe key still stores each
message once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import structlog
from imapclient import IMAPClient
from imapclient.exceptions import LoginError
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from zsupport_mail.db.advisory import GrantedLock, LockError, LockFactory, SessionLock
from zsupport_mail.edges import imap_client
from zsupport_mail.edges.imap_batch import FETCH_ERROR, new_uids, plan_batches, store_fetched
from zsupport_mail.edges.imap_client import ConnectionLost, FolderMissing, TlsError
from zsupport_mail.edges.imap_state import Bookmark, load_bookmark, resume_from, save_bookmark
from zsupport_mail.edges.oauth2 import TokenError
from zsupport_mail.queues.inbox import Arrival, StoreResult, store_raw
from zsupport_mail.settings import ImapMailboxSettings
from zsupport_mail.settings.clock import Clock, utc_now

log = structlog.get_logger("zsupport_mail.edges.imap")

StoreRaw = Callable[[sessionmaker[Session], bytes, Arrival], StoreResult]


@dataclass(frozen=True)
class Timing:
    """The poller's clocks and limits; tests shorten them, the daemon uses the defaults."""

    idle_renew_seconds: float = 25 * 60  # RFC 2177: servers may drop IDLE after 29 minutes
    idle_check_seconds: float = 1.0  # how soon a stop request is noticed while idling
    backoff_base_seconds: float = 1.0
    backoff_cap_seconds: float = 300.0
    io_timeout_seconds: float = imap_client.IO_TIMEOUT_SECONDS
    batch_bytes: int = 32 * 1024 * 1024
    batch_count: int = 100
    standby_seconds: float = 5.0  # how often a standby asks for the mailbox's lock again
    lock_check_seconds: float = 60.0  # how often a holder in IDLE checks its lock connection


class Backoff:
    """Capped exponential delays: base, 2*base, 4*base ... cap; reset after a good session."""

    def __init__(self, base: float, cap: float) -> None:
        self.base, self.cap, self.failures = base, cap, 0

    def next_delay(self) -> float:
        """Count one more failure and say how long to wait before trying again."""
        self.failures += 1
        return float(min(self.cap, self.base * 2 ** min(self.failures - 1, 30)))

    def reset(self) -> None:
        """Start again from base: the last session worked."""
        self.failures = 0


# Why a session ended, as a log event and its level; the first matching class wins.
_FAILURES: tuple[tuple[Any, str, str], ...] = (
    (LoginError, "imap_login_failed", "error"),
    (TokenError, "imap_login_failed", "error"),  # no OAuth2 token: oauth2_refresh_failed says why
    (LockError, "imap_lock_failed", "warning"),
    (TlsError, "imap_tls_failed", "error"),
    (FolderMissing, "imap_folder_missing", "error"),
    (SQLAlchemyError, "imap_store_failed", "warning"),
    ((OSError, ConnectionLost, IMAPClient.AbortError), "imap_connection_failed", "warning"),
    (IMAPClient.Error, "imap_server_error", "warning"),
)


def failure_event(exc: BaseException) -> tuple[str, str]:
    """The log event and level naming why a session ended."""
    found = (f[1:] for f in _FAILURES if isinstance(exc, f[0]))
    return next(found, ("imap_poller_error", "error"))


class ImapPoller:
    """Watches one mailbox until `stop` is set; run() is the thread's target and never raises."""

    def __init__(
        self,
        mailbox: ImapMailboxSettings,
        sessions: sessionmaker[Session],
        on_stored: Callable[[], None],
        stop: threading.Event,
        *,
        clock: Clock = utc_now,
        timing: Timing | None = None,
        store: StoreRaw = store_raw,
        on_received: Callable[[int], None] | None = None,
        lock: SessionLock | None = None,
    ) -> None:
        self.mailbox = mailbox
        self._lock = lock or GrantedLock(mailbox.key)
        self._holding = False
        self._standing_by = False
        self._on_received = on_received  # how many new messages a batch stored (metrics)
        self._sessions = sessions
        self._on_stored = on_stored
        self._stop = stop
        self._clock = clock
        self.timing = timing or Timing()
        self._store = store
        self._backoff = Backoff(self.timing.backoff_base_seconds, self.timing.backoff_cap_seconds)
        self._bookmark = Bookmark(0, 0)

    def run(self) -> None:
        """Poll while holding the mailbox's lock, retrying failures with backoff, until stop."""
        structlog.contextvars.bind_contextvars(imap_mailbox=self.mailbox.key)
        while not self._stop.is_set():
            if not self._hold_lock():
                continue
            try:
                self._session()
            except Exception as exc:
                self._retry_later(exc)
        self._lock.release()
        log.info("imap_poller_stopped")

    def _hold_lock(self) -> bool:
        """True when this instance may poll; a standby waits and returns False."""
        if self._holding:
            return True
        try:
            self._holding = self._lock.try_acquire()
        except LockError as exc:
            self._retry_later(exc)
            return False
        if self._holding:
            if not isinstance(self._lock, GrantedLock):  # SQLite: nothing to report
                log.info("imap_mailbox_acquired", lock=self._lock.name)
            self._standing_by = False
            return True
        if not self._standing_by:  # logged once per standby period, not every retry
            log.info("imap_mailbox_standby", retry_every=self.timing.standby_seconds)
            self._standing_by = True
        self._stop.wait(self.timing.standby_seconds)
        return False

    def _lock_lost(self) -> bool:
        """Checked between waits: a broken lock connection means another may poll now."""
        if self._lock.still_held():
            return False
        log.warning("imap_mailbox_lost", lock=self._lock.name)
        self._holding = False
        return True

    def _retry_later(self, exc: Exception) -> None:
        delay = self._backoff.next_delay()
        event, level = failure_event(exc)
        getattr(log, level)(
            event,
            error=str(exc) or repr(exc),
            failures=self._backoff.failures,
            retry_in=delay,
            exc_info=exc if event == "imap_poller_error" else None,
        )
        if not self._stop.wait(delay):
            log.info("imap_reconnect", attempt=self._backoff.failures + 1)

    def _session(self) -> None:
        client = imap_client.connect(self.mailbox, self.timing.io_timeout_seconds)
        try:
            self._open(client)
            idle = bool(client.has_capability("IDLE"))
            while not self._stop.is_set() and not self._lock_lost():
                self._drain(client)
                if idle:
                    self._wait_idle(client)
                else:
                    self._wait_poll(client)
        finally:
            imap_client.close(client)

    def _open(self, client: Any) -> None:
        box = self.mailbox
        if imap_client.ensure_folder(client, box.processed_folder):
            log.info("imap_folder_created", folder=box.processed_folder)
        if not client.folder_exists(box.folder):
            raise FolderMissing(f"folder {box.folder!r} does not exist")
        selected = client.select_folder(box.folder)
        self._resume(int(selected[b"UIDVALIDITY"]))
        log.info(
            "imap_connected",
            folder=box.folder,
            idle=bool(client.has_capability("IDLE")),
            move=bool(client.has_capability("MOVE")),
            uidvalidity=self._bookmark.uidvalidity,
            last_uid=self._bookmark.last_uid,
            messages=int(selected.get(b"EXISTS", 0)),
            attempt=self._backoff.failures + 1,
        )
        self._backoff.reset()

    def _resume(self, uidvalidity: int) -> None:
        saved = load_bookmark(self._sessions, self.mailbox.key)
        self._bookmark, changed = resume_from(saved, uidvalidity)
        if changed and saved is not None:
            log.warning(
                "imap_uidvalidity_changed",
                old=saved.uidvalidity,
                new=uidvalidity,
                rescan_from=1,
            )
            save_bookmark(self._sessions, self.mailbox.key, self._bookmark, self._clock())

    def _drain(self, client: Any) -> None:
        """Take new messages until a search finds none and nothing new was announced."""
        while not self._stop.is_set():
            imap_client.announced_new_mail(client)
            last = self._bookmark.last_uid
            uids = new_uids(client.search(["UID", f"{last + 1}:*"]), last)
            if uids:
                self._take(client, uids[: self.timing.batch_count * 10])  # bounded FETCH lists
            elif not imap_client.announced_new_mail(client):
                return

    def _take(self, client: Any, uids: list[int]) -> None:
        sizes = client.fetch(uids, ["RFC822.SIZE"])
        present = {uid: int(sizes[uid].get(b"RFC822.SIZE", 0)) for uid in uids if uid in sizes}
        timing = self.timing
        for batch in plan_batches(present, timing.batch_bytes, timing.batch_count):
            self._take_batch(client, batch)
            if self._stop.is_set():
                return  # the rest stays in the folder for the next start
        self._advance(uids[-1])  # what is left was expunged meanwhile

    def _take_batch(self, client: Any, batch: list[int]) -> None:
        fetched = self._fetch(client, batch)
        result = store_fetched(batch, fetched, self._store_one, self._clock())
        if result.fresh:
            if self._on_received is not None:
                self._on_received(result.fresh)
            self._on_stored()
        if result.stored:
            imap_client.move_messages(client, result.stored, self.mailbox.processed_folder)
            log.info("imap_messages_moved", count=len(result.stored), skipped=len(result.skipped))
        self._advance(batch[-1])

    def _fetch(self, client: Any, uids: list[int]) -> dict[int, Any]:
        """FETCH bodies; if the server refuses the batch, fetch one by one to isolate the bad."""
        try:
            return dict(client.fetch(uids, ["BODY.PEEK[]", "INTERNALDATE"]))
        except IMAPClient.AbortError:
            raise
        except IMAPClient.Error as exc:
            if len(uids) == 1:
                return {uids[0]: {FETCH_ERROR: str(exc)}}  # present, without a body
        fetched: dict[int, Any] = {}
        for uid in uids:
            fetched.update(self._fetch(client, [uid]))
        return fetched

    def _store_one(self, raw: bytes, received_at: datetime) -> StoreResult:
        arrival = Arrival("imap", self.mailbox.key, received_at, None, ())
        return self._store(self._sessions, raw, arrival)

    def _advance(self, uid: int) -> None:
        if uid <= self._bookmark.last_uid:
            return
        self._bookmark = Bookmark(self._bookmark.uidvalidity, uid)
        save_bookmark(self._sessions, self.mailbox.key, self._bookmark, self._clock())

    def _wait_idle(self, client: Any) -> None:
        timing = self.timing
        if not isinstance(self._lock, GrantedLock):  # leave IDLE now and then to check the lock
            renew = min(timing.idle_renew_seconds, timing.lock_check_seconds)
            timing = replace(timing, idle_renew_seconds=renew)
        wait_in_idle(client, self._stop, timing)

    def _wait_poll(self, client: Any) -> None:
        """Without IDLE: sleep poll_seconds, then NOOP so the server reports changes."""
        if not self._stop.wait(self.mailbox.poll_seconds):
            client.noop()


def wait_in_idle(client: Any, stop: threading.Event, timing: Timing) -> None:
    """IDLE until new mail, the renewal time or a stop request; then leave IDLE (DONE)."""
    client.idle()
    # Mail that arrived since the last SEARCH is announced right after "+ idling", often in
    # the same packet, which imaplib then holds where idle_check's poll() cannot see it.
    if not imap_client.has_buffered_input(client):
        _idle_until_news(client, stop, timing)
    client.idle_done()


def _idle_until_news(client: Any, stop: threading.Event, timing: Timing) -> None:
    started = time.monotonic()
    check = timing.idle_check_seconds
    while not stop.is_set():
        if time.monotonic() - started >= timing.idle_renew_seconds:
            log.debug("imap_idle_renewed")
            return
        asked = time.monotonic()
        responses = client.idle_check(timeout=check)
        if imap_client.new_mail_in(responses):
            return
        if not responses and time.monotonic() - asked < check / 2:
            return  # readable but no line: the socket closed; DONE will tell


class ImapPollers:
    """The pollers of every configured mailbox, each in a daemon thread, with one stop event."""

    def __init__(self, pollers: list[ImapPoller], stop: threading.Event) -> None:
        self.pollers = pollers
        self._stop = stop
        self._threads = [
            threading.Thread(target=p.run, name=f"imap-{i}", daemon=True)
            for i, p in enumerate(pollers)
        ]

    @classmethod
    def start(
        cls,
        mailboxes: Sequence[ImapMailboxSettings],
        sessions: sessionmaker[Session],
        on_stored: Callable[[], None],
        clock: Clock = utc_now,
        on_received: Callable[[int], None] | None = None,
        locks: LockFactory = GrantedLock,
    ) -> ImapPollers:
        """Start one poller thread per mailbox (none for an empty list).

        Each poller polls only while it holds the lock ``locks`` gives for its mailbox.
        """
        stop = threading.Event()
        pollers = [
            ImapPoller(
                m,
                sessions,
                on_stored,
                stop,
                clock=clock,
                on_received=on_received,
                lock=locks(f"imap:{m.key}"),
            )
            for m in mailboxes
        ]
        group = cls(pollers, stop)
        for thread in group._threads:
            thread.start()
        return group

    def stop(self, timeout: float = 30.0) -> None:
        """Ask every poller to stop and wait for them (a message in hand is finished first)."""
        self._stop.set()
        deadline = time.monotonic() + timeout
        for thread, poller in zip(self._threads, self.pollers, strict=True):
            thread.join(max(0.0, deadline - time.monotonic()))
            if thread.is_alive():
                log.error("imap_poller_stuck", imap_mailbox=poller.mailbox.key)
