"""Fault tests: the real ``serve`` process under kill -9, SIGTERM, outages and a full disk.

Each test plays a failure the daemon will meet in production against the promise in the
README: every message answered 250 (or moved out of the IMAP folder) ends on exactly one
ticket, once; nothing is lost, nothing doubled; each new ticket gets one acknowledgement.
Clients retry as real ones do (tests.faults.MtaClient); synchronisation is on the daemon's
log events and on database conditions polled with a deadline. Run only these with
``pytest -m faults``.

A kill or stop comes on a count of stored messages, never after a time, and part of the load
is held back until it has come, so it lands mid-run on a slow machine and on a fast one.
Each test's pytest-timeout is the sum of its own deadlines (30 s for each start or stop of
serve, the timeout given to each wait) plus FIXTURES for its fixtures: a test that hangs
fails on its own deadline, naming what it waited for, not on pytest-timeout's stack dump.
"""

from __future__ import annotations

import contextlib
import email
import hashlib
import os
import random
import re
import shutil
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
    imap_login,
    mailbox_config,
    wait_until,
)
from tests.servers.dovecot import DovecotServer
from tests.servers.fixtures import server_dir
from tests.servers.ports import free_port
from tests.servers.postgres import PostgresCluster
from zsupport_mail.db import migrate
from zsupport_mail.db.models import InboundMessage
from zsupport_mail.db.session import make_engine, make_session_factory

pytestmark = [pytest.mark.faults, pytest.mark.every_backend]

SEEN = b"\\Seen"
LOAD = 200  # enough for a kill on a stored count to land mid-run: KILL_AT and HELD scale with it
FIXTURES = 60  # starting and stopping a test's servers (Dovecot, PostgreSQL, relay)
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


def join_all(threads: list[threading.Thread], timeout: float) -> list[str]:
    """Join threads within one deadline; returns the names of those still running."""
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    return [thread.name for thread in threads if thread.is_alive()]


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


KILL_AT = LOAD // 4  # stored rows seen in the database before the kill
HELD = LOAD // 5  # the last messages of each client wait in an open session until the kill


# serve 30 + stored 60 + kill 30 + join 30 + serve 30 + 2 x deliver 60 + drained 90
# + relay 30 + stop 30
@pytest.mark.timeout(450 + FIXTURES)
@pytest.mark.parametrize(
    "processing",
    [{}, {"batch_size": 8, "jobs": 2}],  # the defaults; batches of 8 with two read-ahead workers
    ids=["one_by_one", "batches_read_ahead"],
)
def test_kill_9_under_smtp_load_loses_and_doubles_nothing(
    daemons, relay, tmp_path, db_url, processing
):
    config = fault_config(tmp_path, db_url, outbound=relay_to(relay), processing=processing)
    serve = daemons(config)
    mails = numbered_reports(LOAD, "kill9")
    release = threading.Event()  # the held messages go on (to a dead server) after the kill
    clients = []
    for n in range(2):
        share = dict(list(mails.items())[n::2])
        clients.append(MtaClient(share, held=frozenset(list(share)[-HELD // 2 :]), release=release))
    threads = [
        threading.Thread(target=c.offer_until_gone, args=(smtp_port(config),)) for c in clients
    ]
    ledger = Ledger(db_url)
    try:
        for thread in threads:
            thread.start()
        # On a count of stored rows, never on time: the kill lands mid-run on any machine. A
        # slow one is still sending; a fast one has both clients waiting mid-transaction.
        ledger.wait_stored(KILL_AT, timeout=60)
        serve.kill()
    finally:
        release.set()
        still_running = join_all(threads, timeout=30)
    assert not still_running, "the clients did not notice the kill"
    stored_at_kill = ledger.stored_copies()
    assert KILL_AT <= stored_at_kill.total() <= LOAD - HELD, "the kill did not land mid-run"
    assert all(c.dropped for c in clients), "the kill should have cut the sessions"
    # Every 250 before the kill is kept, stored once (no second row for a retried message).
    assert {mid for c in clients for mid in c.accepted} <= set(stored_at_kill)
    assert set(stored_at_kill.values()) == {1}

    again = daemons(config)
    for client in clients:
        client.deliver_all(smtp_port(config))
    ledger.wait_drained(LOAD, timeout=90)
    relay.wait_for(LOAD, timeout=30)

    ledger.assert_each_once(mails)
    assert ledger.tickets() == LOAD
    # A reply the relay took just before the kill, not yet marked sent, goes again: at most one.
    assert_one_reply_each(ledger, relay, LOAD, resent=1)
    assert again.stop() == 0


# --- 2. kill -9 under IMAP load -----------------------------------------------------------------


IMAP_KILL_AT = 30  # messages of the first batch (100) stored before the kill


# serve 30 + stored 60 + kill 30 + serve 30 + met 60 + drained 90 + INBOX empty 60
# + stop 30
@pytest.mark.timeout(390 + FIXTURES)
def test_kill_9_mid_imap_poll_moves_each_message_once(daemons, dovecot, tmp_path, db_url):
    mails = numbered_reports(LOAD, "imapkill")
    append_mail(dovecot, *mails.values())
    config = fault_config(tmp_path, db_url, imap={"mailboxes": [mailbox_config(dovecot)]})
    ledger = Ledger(db_url)
    with moves_stalled(dovecot, "Processed"):
        # The poller stores its first batch one message at a time, then MOVEs it, which waits
        # here: killed on a count of stored messages, it dies between storing and moving, the
        # window that matters, however fast the machine.
        serve = daemons(config)
        serve.wait_for("imap_message_stored", count=IMAP_KILL_AT, timeout=60)
        serve.kill()
        stored_at_kill = _inbound_ids(db_url)
        assert IMAP_KILL_AT <= len(stored_at_kill) < LOAD, "the kill did not land mid-run"
        # Nothing acknowledged to the IMAP server: every message is still in INBOX.
        assert sorted(folder_message_ids(dovecot, "INBOX")) == sorted(mails)

        again = daemons(config)
        # The restart fetches the same batch and finds the stored ones stored: no second row.
        met = again.wait_for(
            "imap_message_stored",
            where=lambda e: e["duplicate"],
            count=len(stored_at_kill),
            timeout=60,
        )
        assert {e["inbound_id"] for e in met} == stored_at_kill
    ledger.wait_drained(LOAD, timeout=90)
    assert _wait_inbox_empty(dovecot), "mail left in INBOX"

    ledger.assert_each_once(mails)
    assert ledger.tickets() == LOAD
    processed = folder_message_ids(dovecot, "Processed")
    assert Counter(processed) == Counter(dict.fromkeys(mails, 1))
    assert all(SEEN in flags for flags in folder_flags(dovecot, "Processed"))
    assert again.stop() == 0


@contextlib.contextmanager
def moves_stalled(server: DovecotServer, folder: str) -> Iterator[None]:
    """Within the block, a MOVE (or COPY) into folder waits, as on a slow or busy server.

    Dovecot must take the folder's dovecot-uidlist lock (a dotlock file) to give the arriving
    messages their UIDs; the file made here holds it. Dovecot takes such a lock over only when
    it is 2 minutes old, and waits that long before failing the command. On leaving the block
    the lock goes and every waiting MOVE completes.
    """
    with imap_login(server) as client:
        if not client.folder_exists(folder):
            client.create_folder(folder)
    lock = server.maildir / f".{folder}" / "dovecot-uidlist.lock"  # Maildir++ layout
    lock.touch(exist_ok=False)
    try:
        yield
    finally:
        lock.unlink()


def _inbound_ids(url: str) -> set[int]:
    engine = make_engine(url)
    try:
        with make_session_factory(engine).begin() as session:
            return set(session.scalars(select(InboundMessage.id)))
    finally:
        engine.dispose()


def _wait_inbox_empty(server, timeout: float = 60) -> bool:
    return bool(wait_until(lambda: folder_message_ids(server, "INBOX") == [], timeout=timeout))


# --- 3. the database goes away --------------------------------------------------------------


# PostgreSQL start 30 + serve 30 + connected 30 + PostgreSQL stop 60 + IMAP failure 30
# + 2 x unavailable 30 + PostgreSQL start 30 + deliver 60 + drained 60 + INBOX empty 60
# + stop 30 + PostgreSQL stop 60
@pytest.mark.timeout(540 + FIXTURES)
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


# serve 30 + lock holder 30 + deliver 60 + drained 60 + stop 30
@pytest.mark.timeout(210 + FIXTURES)
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


# serve 30 + deliver 60 + deferred 30 + deliver 60 + processed 30 + deferred 30
# + relay 30 + drained 60 + stop 30
@pytest.mark.timeout(360 + FIXTURES)
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
    """A tmpfs of `size` mounted at path (made here), unmounted afterwards.

    Mounting needs root. Where it cannot be done the test skips, saying why, unless CI=true:
    CI runs as root on machines where it works, so there a failed mount fails the test.
    """
    path.mkdir()
    command = ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(path)]
    try:
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        error = result.stderr.strip() or f"mount exited with {result.returncode}"
    except OSError as exc:  # no mount program at all
        result, error = None, str(exc)
    if result is None or result.returncode != 0:
        reason = f"cannot mount a {size} tmpfs at {path}: {error}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason} (CI=true: this test must run here, not skip)")
        pytest.skip(reason)
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def fill(path: Path, leave: int = 0) -> Path:
    """Write a ballast file on path's file system until at most `leave` bytes are free."""
    ballast = path / "ballast"
    with ballast.open("wb", buffering=0) as handle, contextlib.suppress(OSError):
        # Unbuffered: nothing is left to flush when the disk says no.
        while (free := shutil.disk_usage(path).free) > leave:
            handle.write(b"\0" * min(65536, free - leave))
    return ballast


# serve 30 + deliver 60 + drained 60 + deliver 60 + drained 60 + stop 30
@pytest.mark.timeout(300 + FIXTURES)
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
        ledger = Ledger(url)
        ledger.wait_drained(1)

        ballast = fill(small)
        client = MtaClient({**dict(list(mails.items())[1:]), **big})
        assert client.offer_once(smtp_port(config))
        refused = [a for a in client.answers if a.code != 250]
        assert refused, client.codes()
        assert {(a.code, a.text[:5]) for a in refused} == {(452, "4.3.1")}
        assert all("Insufficient system storage" in a.text for a in refused)
        # Nothing half-written: exactly what was answered 250 is stored.
        assert set(ledger.stored_copies()) == {*warmup.accepted, *client.accepted}

        ballast.unlink()
        client.deliver_all(smtp_port(config))
        ledger.wait_drained(4, timeout=60)
        ledger.assert_each_once([*mails, *big])
        _assert_rows_whole(url, {**mails, **big})
        assert serve.stop() == 0


PG_SMALL_DISK = "32m"  # the tablespace's file system: the database starts at about 8 MB
PG_FREE_LEFT = 4 * 1024 * 1024  # left free by the ballast: the first reports fit, then no more
PG_FULL_LOAD = 40  # reports of about 350 KB each: 14 MB, far more than is left


# PostgreSQL start 30 + serve 30 + deliver 60 + drained 60 + store failed 30 + deliver 60
# + drained 90 + relay 30 + stop 30 + PostgreSQL stop 60
@pytest.mark.timeout(480 + FIXTURES)
@pytest.mark.postgres
def test_full_disk_under_postgres_answers_452_stores_nothing_broken_and_recovers(
    daemons, relay, tmp_path
):
    """A real PostgreSQL whose database sits in a tablespace on a small tmpfs that fills up.

    The tablespace holds every table of the database; the WAL stays on the cluster's own disk,
    so PostgreSQL fails only the statements that need a new page (SQLSTATE 53100, "could not
    extend file ... No space left on device") and keeps running. (A full pg_wal stops the
    server instead: that is the database going away, test 3's case.)
    """
    with contextlib.ExitStack() as stack:
        pg_dir = stack.enter_context(server_dir("pg-full"))  # its own cluster, thrown away
        small = stack.enter_context(small_filesystem(pg_dir / "small", PG_SMALL_DISK))
        cluster = PostgresCluster(pg_dir)
        stack.callback(cluster.stop)  # before the tmpfs under it is unmounted
        cluster.start()
        cluster.create_tablespace("small", small / "tablespace")
        cluster.create_database("full", tablespace="small")
        url = cluster.url("full")
        migrate.upgrade(url)
        _postgres_disk_fills(url, small, daemons, relay, tmp_path)


def _postgres_disk_fills(
    url: str, small: Path, daemons: Start, relay: CaptureRelay, tmp_path: Path
) -> None:
    config = fault_config(tmp_path, url, outbound=relay_to(relay))
    serve = daemons(config)
    warmup = MtaClient(numbered_reports(1, "pgfull-warmup"))
    warmup.deliver_all(smtp_port(config))
    ledger = Ledger(url)
    ledger.wait_drained(1)

    ballast = fill(small, leave=PG_FREE_LEFT)
    mails = {
        f"<pgfull-{n}@acmedental.example>": _big_report(
            f"<pgfull-{n}@acmedental.example>", noise=256 * 1024
        )
        for n in range(PG_FULL_LOAD)
    }
    client = MtaClient(mails, per_connection=PG_FULL_LOAD)
    assert client.offer_once(smtp_port(config)), "serve dropped the session on a full disk"
    refused = [a for a in client.answers if a.code != 250]
    assert refused, f"the disk never filled: {client.codes()}"
    assert client.answers[0].code == 250, "the disk was full before the run"
    assert {(a.code, a.text) for a in refused} == {(452, "4.3.1 Insufficient system storage")}
    # Nothing half-written: exactly what was answered 250 is stored, each message whole.
    assert set(ledger.stored_copies()) == {*warmup.accepted, *client.accepted}
    _assert_rows_whole(url, {**warmup.mails, **mails})
    serve.wait_for("message_store_failed", where=lambda e: e["storage_full"])
    assert serve.process is not None
    assert serve.process.poll() is None, "serve ended on a full disk"

    ballast.unlink()
    client.deliver_all(smtp_port(config))
    assert set(client.accepted) == set(mails)
    total = 1 + PG_FULL_LOAD
    ledger.wait_drained(total, timeout=90)
    ledger.assert_each_once([*warmup.mails, *mails])
    assert ledger.tickets() == total
    _assert_rows_whole(url, {**warmup.mails, **mails})
    relay.wait_for(total, timeout=30)
    assert serve.stop() == 0  # and every event it logged has been read
    # The relay took some replies on passes whose "sent" commit failed on the full disk: the
    # sender records them on its next pass without sending again (queues/outbox.py).
    assert_one_reply_each(ledger, relay, total, resent=0)


def _big_report(
    message_id: str = "<full-big@acmedental.example>", noise: int = 768 * 1024
) -> bytes:
    """A report with an attachment of `noise` random bytes (768 KB: 1 MB once in base64),
    more than a full disk's last free pages can hold."""
    message = email.message_from_bytes(
        make_mail(subject="Recordings attached", message_id=message_id), policy=SMTP
    )
    assert isinstance(message, EmailMessage)
    recording = random.Random(message_id).randbytes(noise)
    message.add_attachment(recording, maintype="audio", subtype="wav", filename="calls.wav")
    return message.as_bytes(policy=SMTP)


def _assert_rows_whole(url: str, mails: dict[str, bytes]) -> None:
    """Every stored row holds exactly the bytes the client sent; a SQLite file is sound."""
    engine = make_engine(url)
    try:
        with make_session_factory(engine).begin() as session:
            if engine.dialect.name == "sqlite":
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


TERM_LOAD = 200
TERM_AT = 60  # stored rows seen in the database before SIGTERM
TERM_HELD = 40  # the last messages wait in an open session until serve has exited


# serve 30 + stored 60 + stop 30 + join 30 + serve 30 + deliver 60 + drained 60
# + relay 30 + stop 30
@pytest.mark.timeout(360 + FIXTURES)
def test_sigterm_under_smtp_load_exits_0_and_every_250_is_processed_once(
    daemons, relay, tmp_path, db_url
):
    config = fault_config(tmp_path, db_url, outbound=relay_to(relay))
    serve = daemons(config)
    mails = numbered_reports(TERM_LOAD, "term")
    release = threading.Event()
    client = MtaClient(mails, held=frozenset(list(mails)[-TERM_HELD:]), release=release)
    thread = threading.Thread(target=client.offer_until_gone, args=(smtp_port(config),))
    ledger = Ledger(db_url)
    try:
        thread.start()
        ledger.wait_stored(TERM_AT, timeout=60)  # a count, not a time: mid-run on any machine
        # Exits 0 with a session still open (the held messages wait in it).
        assert serve.stop(signal.SIGTERM) == 0
    finally:
        release.set()
        still_running = join_all([thread], timeout=30)
    assert not still_running, "the client did not notice the stop"
    accepted_before = list(client.accepted)
    # What was answered 250 before the stop is stored, whatever the worker had got to.
    stored = ledger.stored_copies()
    assert TERM_AT <= stored.total() <= TERM_LOAD - TERM_HELD, "the stop did not land mid-run"
    assert set(accepted_before) <= set(stored)
    assert client.dropped, "the stop should have cut the session"
    again = daemons(config)
    client.deliver_all(smtp_port(config))
    ledger.wait_drained(len(mails), timeout=60)
    ledger.assert_each_once(mails)
    relay.wait_for(len(mails), timeout=30)
    assert_one_reply_each(ledger, relay, len(mails), resent=0)
    assert again.stop() == 0
