"""Fault tests: the real ``serve`` process under kill -9, SIGTERM, outages and a full disk.

Each test plays a failure the daemon will meet in production against the promise in the
README: every message answered 250 (or moved out of the IMAP folder) ends on exactly one
ticket, once; nothing is lost, nothing doubled; each new ticket gets one acknowledgement.
Clients retry as real ones do (tests.faults.MtaClient); synchronisation is on the daemon's
log events and on database conditions polled with a deadline. Run only these with
``pytest -m faults``.
"""

from __future__ import annotations

import contextlib
import email
import hashlib
import random
import re
import signal
import subprocess
import sys
import threading
import time
import tomllib
from collections import Counter
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

import pytest
from sqlalchemy import select, text

from tests.daemon import CaptureRelay, ServeProcess
from tests.faults import Ledger, MtaClient, numbered_reports
from tests.helpers import make_mail, write_config
from tests.imap_helpers import (
    append_mail,
    folder_flags,
    folder_message_ids,
    mailbox_config,
    wait_until,
)
from tests.servers.fixtures import server_dir
from tests.servers.ports import free_port
from tests.servers.postgres import PostgresCluster
from zsupport_mail.db import migrate
from zsupport_mail.db.models import InboundMessage
from zsupport_mail.db.session import make_engine, make_session_factory

pytestmark = pytest.mark.faults

SEEN = b"\\Seen"
LOAD = 500
_MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^>]+>)", re.IGNORECASE | re.MULTILINE)

Start = Callable[[Path], ServeProcess]


@pytest.fixture
def daemons() -> Iterator[Start]:
    """start(config) runs serve from a config file; every one started is stopped at the end."""
    started: list[ServeProcess] = []

    def start(config: Path) -> ServeProcess:
        process = ServeProcess(config)
        started.append(process)
        return process.start()

    yield start
    for process in started:
        process.stop()


def fault_config(tmp_path: Path, db_url: str, name: str = "serve", **overrides) -> Path:
    """A config on a fixed SMTP port (a restart listens where the client retries)."""
    overrides["smtp"] = {"port": free_port(), **overrides.get("smtp", {})}
    overrides["safety"] = {"max_auto_replies_per_day": 10000}  # one reply per ticket, always
    return write_config(tmp_path / f"{name}.toml", db_url, tmp_path, **overrides)


def smtp_port(config: Path) -> int:
    return int(tomllib.loads(config.read_text(encoding="utf-8"))["smtp"]["port"])


def relay_to(relay: CaptureRelay) -> dict:
    return {"mode": "smtp", "relay_port": relay.port, "retry_base_seconds": 1}


def relay_copies(relay: CaptureRelay) -> Counter[str]:
    """Message-ID of each mail the relay received -> how many times it came."""
    found = (_MESSAGE_ID.search(d.content) for d in relay.deliveries)
    return Counter(m.group(1).decode() for m in found if m is not None)


def assert_one_reply_each(ledger: Ledger, relay: CaptureRelay, tickets: int, resent: int) -> None:
    """One reply per ticket in the outbox, each at the relay; at most `resent` sent twice."""
    per_ticket = ledger.replies_per_ticket()
    assert len(per_ticket) == tickets
    assert set(per_ticket.values()) == {1}, {t: n for t, n in per_ticket.items() if n != 1}
    copies = relay_copies(relay)
    assert set(copies) == set(ledger.reply_ids_in_queue_order())
    twice = {mid: n for mid, n in copies.items() if n > 1}
    assert len(twice) <= resent, twice
    assert set(twice.values()) <= {2}, twice


# --- 1. kill -9 under SMTP load -----------------------------------------------------------------


def test_kill_9_under_smtp_load_loses_and_doubles_nothing(daemons, relay, tmp_path, db_url):
    config = fault_config(tmp_path, db_url, outbound=relay_to(relay))
    serve = daemons(config)
    mails = numbered_reports(LOAD, "kill9")
    clients = [MtaClient(dict(list(mails.items())[n::2])) for n in range(2)]
    threads = [
        threading.Thread(target=c.offer_until_gone, args=(smtp_port(config),)) for c in clients
    ]
    for thread in threads:
        thread.start()
    for client in clients:
        client.wait_accepted(LOAD // 6)  # well into the run: sessions, worker and sender busy
    serve.kill()
    for thread in threads:
        thread.join(timeout=60)
    assert all(c.dropped for c in clients), "the kill should have cut the sessions"
    assert sum(len(c.pending) for c in clients) > 0, "killed too late to prove anything"

    again = daemons(config)
    for client in clients:
        client.deliver_all(smtp_port(config))
    ledger = Ledger(db_url)
    ledger.wait_drained(LOAD, timeout=90)
    relay.wait_for(LOAD, timeout=30)

    ledger.assert_each_once(mails)
    assert ledger.tickets() == LOAD
    # A reply the relay took just before the kill, not yet marked sent, goes again: at most one.
    assert_one_reply_each(ledger, relay, LOAD, resent=1)
    assert again.stop() == 0


# --- 2. kill -9 under IMAP load -----------------------------------------------------------------


def test_kill_9_mid_imap_poll_moves_each_message_once(daemons, dovecot, tmp_path, db_url):
    mails = numbered_reports(LOAD, "imapkill")
    append_mail(dovecot, *mails.values())
    config = fault_config(tmp_path, db_url, imap={"mailboxes": [mailbox_config(dovecot)]})
    serve = daemons(config)
    # Mid first batch (100): stored, not moved. Early, because the poller has serve's
    # interpreter to itself (the worker is a process of its own): by the 150th event it had
    # stored and moved all 500 before this test could act on it.
    serve.wait_for("imap_message_stored", count=30, timeout=60)
    serve.kill()
    assert folder_message_ids(dovecot, "INBOX"), "killed too late to prove anything"

    again = daemons(config)
    ledger = Ledger(db_url)
    ledger.wait_drained(LOAD, timeout=90)
    assert _wait_inbox_empty(dovecot), "mail left in INBOX"

    ledger.assert_each_once(mails)
    assert ledger.tickets() == LOAD
    processed = folder_message_ids(dovecot, "Processed")
    assert Counter(processed) == Counter(dict.fromkeys(mails, 1))
    assert all(SEEN in flags for flags in folder_flags(dovecot, "Processed"))
    duplicates = [e for e in again.events if e.get("event") == "imap_message_stored"]
    assert any(e["duplicate"] for e in duplicates), "the restart should meet stored messages"
    assert again.stop() == 0


def _wait_inbox_empty(server, timeout: float = 60) -> bool:
    return bool(wait_until(lambda: folder_message_ids(server, "INBOX") == [], timeout=timeout))


# --- 3. the database goes away --------------------------------------------------------------


@pytest.mark.postgres
def test_postgres_down_answers_451_leaves_imap_mail_then_delivers_once(daemons, dovecot, tmp_path):
    """SMTP's 451 with a real MTA's retry is in test_postfix.py; here both edges, direct."""
    with server_dir("pg-faults") as pg_dir:  # its own cluster: stopping it hits no other test
        cluster = PostgresCluster(pg_dir)
        try:
            cluster.start()
            cluster.create_database("faults")
            url = cluster.url("faults")
            migrate.upgrade(url)
            _postgres_outage(cluster, url, daemons, dovecot, tmp_path)
        finally:
            cluster.stop()


def _postgres_outage(cluster, url, daemons, dovecot, tmp_path) -> None:
    config = fault_config(tmp_path, url, imap={"mailboxes": [mailbox_config(dovecot)]})
    serve = daemons(config)
    serve.wait_for("imap_connected")
    # Fast, not immediate: the test cluster runs with synchronous_commit off, and an immediate
    # stop could drop serve's own start-up commits (its client directory) with the server.
    cluster.stop("fast")

    smtp_mail = numbered_reports(3, "pgdown-smtp")
    imap_mail = numbered_reports(3, "pgdown-imap")
    client = MtaClient(smtp_mail)
    assert client.offer_once(smtp_port(config))
    assert client.codes() == {451: 3}
    assert all(a.text.startswith("4.3.0") for a in client.answers)
    # The poller fails to store, or (holding the mailbox's advisory lock on the database that
    # went away) fails to take the lock again before it looks: either way it acknowledges nothing.
    imap_failures = ("imap_store_failed", "imap_lock_failed")
    before = len(serve.wait_for(imap_failures, timeout=0, count=0))
    append_mail(dovecot, *imap_mail.values())
    serve.wait_for(imap_failures, timeout=30, count=before + 1)
    # Nothing acknowledged to the IMAP server: still in INBOX, unread, nothing moved.
    assert sorted(folder_message_ids(dovecot, "INBOX")) == sorted(imap_mail)
    assert not any(SEEN in flags for flags in folder_flags(dovecot, "INBOX"))
    assert folder_message_ids(dovecot, "Processed") == []
    # The background tasks met the outage too, and wait for the database instead of ending.
    for task in ("worker", "sender"):
        serve.wait_for("database_unavailable", where=lambda e, t=task: e["task"] == t)

    cluster.start()
    client.deliver_all(smtp_port(config))
    ledger = Ledger(url)
    ledger.wait_drained(6, timeout=60)
    assert _wait_inbox_empty(dovecot)
    ledger.assert_each_once([*smtp_mail, *imap_mail])
    assert ledger.tickets() == 6
    assert serve.stop() == 0  # the outage did not end serve


HOLD_LOCK = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
sys.stdin.readline()
connection.execute("COMMIT")
"""


@contextlib.contextmanager
def write_locked(path: Path) -> Iterator[None]:
    """Another process holds the SQLite database write-locked for the block."""
    with subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as holder:
        assert holder.stdout is not None
        assert holder.stdin is not None
        try:
            assert holder.stdout.readline().strip() == "locked"
            yield
        finally:
            holder.stdin.write("\n")
            holder.stdin.flush()
            assert holder.wait(timeout=30) == 0


def test_sqlite_locked_by_another_process_answers_451_in_bounded_time(daemons, tmp_path):
    db_path = tmp_path / "zsupport.db"
    db_url = f"sqlite:///{db_path}"
    migrate.upgrade(db_url)
    busy = 2
    config = fault_config(tmp_path, db_url, database={"busy_timeout_seconds": busy})
    serve = daemons(config)
    mails = numbered_reports(2, "locked")
    client = MtaClient(mails)
    with write_locked(db_path):
        sent = time.monotonic()
        assert client.offer_once(smtp_port(config))
        first = client.answers[0]
        assert (first.code, first.text[:5]) == (451, "4.3.0")
        # Bounded: the edge's own wait, at worst behind the worker's wait for the same lock.
        assert first.at - sent < 2 * busy + 3
        assert client.codes() == {451: 2}
    client.deliver_all(smtp_port(config))
    ledger = Ledger(db_url)
    ledger.wait_drained(2, timeout=60)
    ledger.assert_each_once(mails)
    assert serve.stop() == 0


# --- 4. the outbound relay is down for a while -----------------------------------------------


def test_relay_down_then_back_sends_each_reply_once_in_queue_order(daemons, tmp_path, db_url):
    port = free_port()
    outbound = {"mode": "smtp", "relay_port": port, "retry_base_seconds": 1}
    config = fault_config(tmp_path, db_url, outbound={**outbound, "retry_max_seconds": 2})
    serve = daemons(config)
    mails = numbered_reports(10, "relay")
    ids = list(mails)
    client = MtaClient({mid: mails[mid] for mid in ids[:5]})
    client.deliver_all(smtp_port(config))
    # The oldest reply has failed a few times before the rest are queued behind it.
    serve.wait_for("delivery_deferred", where=lambda e: e["attempts"] >= 3, timeout=30)
    later = MtaClient({mid: mails[mid] for mid in ids[5:]})
    later.deliver_all(smtp_port(config))
    serve.wait_for("message_processed", count=10)
    serve.wait_for("delivery_deferred", count=3, where=lambda e: e["attempts"] >= 4)

    relay = CaptureRelay(port).start()
    try:
        relay.wait_for(10)
        ledger = Ledger(db_url)
        ledger.wait_drained(10)
        received = [_MESSAGE_ID.search(d.content) for d in relay.deliveries]
        order = [m.group(1).decode() for m in received if m is not None]
        assert order == ledger.reply_ids_in_queue_order()
        assert len(relay.deliveries) == 10
    finally:
        relay.stop()
    assert serve.stop() == 0


# --- 5. the disk under the store fills up ----------------------------------------------------


@contextlib.contextmanager
def small_filesystem(path: Path, size: str) -> Iterator[Path]:
    """A tmpfs of `size` mounted at path, or a skip when this machine does not allow it."""
    path.mkdir()
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        pytest.skip(f"cannot mount a size-limited tmpfs here: {result.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def fill(path: Path) -> Path:
    """Write a ballast file until the file system is full."""
    ballast = path / "ballast"
    with ballast.open("wb", buffering=0) as handle, contextlib.suppress(OSError):
        while True:  # unbuffered: nothing is left to flush when the disk says no
            handle.write(b"\0" * 65536)
    return ballast


def test_full_disk_under_sqlite_answers_452_stores_nothing_broken_and_recovers(
    daemons, relay, tmp_path
):
    with small_filesystem(tmp_path / "small", "16m") as small:
        url = f"sqlite:///{small / 'zsupport.db'}"
        migrate.upgrade(url)
        config = fault_config(tmp_path, url, outbound=relay_to(relay))
        serve = daemons(config)
        mails = numbered_reports(3, "full")
        big = {"<full-big@acmedental.example>": _big_report()}
        warmup = MtaClient(dict(list(mails.items())[:1]))
        warmup.deliver_all(smtp_port(config))
        Ledger(url).wait_drained(1)

        ballast = fill(small)
        client = MtaClient({**dict(list(mails.items())[1:]), **big})
        assert client.offer_once(smtp_port(config))
        refused = [a for a in client.answers if a.code != 250]
        assert refused, client.codes()
        assert {(a.code, a.text[:5]) for a in refused} == {(452, "4.3.1")}
        assert all("Insufficient system storage" in a.text for a in refused)

        ballast.unlink()
        client.deliver_all(smtp_port(config))
        ledger = Ledger(url)
        ledger.wait_drained(4, timeout=60)
        ledger.assert_each_once([*mails, *big])
        _assert_rows_whole(url, {**mails, **big})
        assert serve.stop() == 0


def _big_report() -> bytes:
    """A report with a 1 MB attachment: more than a full disk's last free pages can hold."""
    message = email.message_from_bytes(
        make_mail(subject="Recordings attached", message_id="<full-big@acmedental.example>"),
        policy=SMTP,
    )
    assert isinstance(message, EmailMessage)
    noise = random.Random(5).randbytes(768 * 1024)  # base64 makes it 1 MB
    message.add_attachment(noise, maintype="audio", subtype="wav", filename="calls.wav")
    return message.as_bytes(policy=SMTP)


def _assert_rows_whole(url: str, mails: dict[str, bytes]) -> None:
    """Every stored row holds exactly the bytes the client sent; SQLite's file is sound."""
    engine = make_engine(url)
    try:
        with make_session_factory(engine).begin() as session:
            assert session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
            rows = session.execute(
                select(InboundMessage.header_message_id, InboundMessage.raw, InboundMessage.size)
            ).all()
    finally:
        engine.dispose()
    for message_id, raw, size in rows:
        assert raw == mails[message_id]
        assert size == len(raw)
        assert hashlib.sha256(raw).hexdigest() == hashlib.sha256(mails[message_id]).hexdigest()


# --- 6. SIGTERM under load ----------------------------------------------------------------------


def test_sigterm_under_smtp_load_exits_0_and_every_250_is_processed_once(
    daemons, relay, tmp_path, db_url
):
    config = fault_config(tmp_path, db_url, outbound=relay_to(relay))
    serve = daemons(config)
    mails = numbered_reports(200, "term")
    client = MtaClient(mails)
    thread = threading.Thread(target=client.offer_until_gone, args=(smtp_port(config),))
    thread.start()
    client.wait_accepted(60)
    assert serve.stop(signal.SIGTERM) == 0
    thread.join(timeout=60)
    accepted_before = list(client.accepted)
    assert client.pending, "stopped too late to prove anything"

    ledger = Ledger(db_url)
    # What was answered 250 before the stop is stored, whatever the worker had got to.
    stored = ledger.stored_copies()
    assert set(accepted_before) <= set(stored)
    again = daemons(config)
    client.deliver_all(smtp_port(config))
    ledger.wait_drained(len(mails), timeout=60)
    ledger.assert_each_once(mails)
    relay.wait_for(len(mails), timeout=30)
    assert_one_reply_each(ledger, relay, len(mails), resent=0)
    assert again.stop() == 0
