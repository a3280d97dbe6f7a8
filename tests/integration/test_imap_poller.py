"""The IMAP poller in-process against a real Dovecot and a real database (SQLite and PostgreSQL).

Each test runs ImapPoller.run on a thread, as serve does, with shortened timings, and waits
on its structlog events. The server side is checked with imapclient as another mail client
would see it. Nothing of imapclient, imaplib or the sockets is replaced.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.imap_helpers import (
    append_mail,
    captured_events,
    folder_flags,
    folder_message_ids,
    imap_login,
    mailbox_config,
    mailbox_key,
    reports,
    wait_until,
)
from tests.servers.dovecot import DovecotServer
from tests.servers.fixtures import server_dir
from zsupport_mail.db.models import InboundMessage
from zsupport_mail.db.session import make_engine, make_session_factory
from zsupport_mail.edges import imap_client
from zsupport_mail.edges.imap import ImapPoller, Timing, wait_in_idle
from zsupport_mail.edges.imap_client import announced_new_mail
from zsupport_mail.edges.imap_state import Bookmark, load_bookmark, save_bookmark
from zsupport_mail.queues.inbox import Arrival, StoreResult, store_raw
from zsupport_mail.settings import ImapMailboxSettings
from zsupport_mail.settings.clock import utc_now

FAST = Timing(idle_check_seconds=0.2, backoff_base_seconds=0.1, backoff_cap_seconds=0.4)
SEEN = b"\\Seen"


def settings_for(server: DovecotServer, **overrides) -> ImapMailboxSettings:
    config = mailbox_config(server, **overrides)
    return ImapMailboxSettings(**config)


# Tests of the IMAP connection itself (logins, TLS, IDLE renewal, stopping) run on SQLite only:
# what the poller stores is proven on both backends by the tests that take ``sessions``.
CONNECTION_ONLY = pytest.mark.parametrize("backend", ["sqlite"])


@pytest.fixture
def sessions(db_url) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(db_url)
    yield make_session_factory(engine)
    engine.dispose()


class Wakes:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> None:
        self.count += 1


@pytest.fixture
def start_poller(sessions):
    """start(mailbox, **kwargs) runs a poller thread; every one is stopped and joined after."""
    running: list[tuple[threading.Event, threading.Thread]] = []

    def start(mailbox: ImapMailboxSettings, **kwargs) -> tuple[threading.Event, Wakes]:
        stop, wakes = threading.Event(), Wakes()
        kwargs.setdefault("timing", FAST)
        poller = ImapPoller(mailbox, sessions, wakes, stop, **kwargs)
        thread = threading.Thread(target=poller.run, daemon=True)
        thread.start()
        running.append((stop, thread))
        return stop, wakes

    yield start
    for stop, thread in running:
        stop.set()
        thread.join(15)
        assert not thread.is_alive(), "a poller did not stop"


@pytest.fixture
def dovecot_factory() -> Iterator:
    """make(**DovecotServer kwargs) starts a Dovecot of its own; all stop at teardown."""
    with contextlib.ExitStack() as stack:

        def make(**kwargs) -> DovecotServer:
            server = DovecotServer(stack.enter_context(server_dir("dovecot")), **kwargs)
            stack.callback(server.stop)
            server.start()
            return server

        yield make


def inbound_rows(sessions: sessionmaker[Session]) -> list[InboundMessage]:
    with sessions.begin() as session:
        return list(session.scalars(select(InboundMessage).order_by(InboundMessage.id)))


def test_bookmark_only_moves_forward_until_uidvalidity_changes(sessions):
    now = utc_now()
    assert load_bookmark(sessions, "imap:x@h:1/INBOX") is None
    save_bookmark(sessions, "imap:x@h:1/INBOX", Bookmark(7, 5), now)
    save_bookmark(sessions, "imap:x@h:1/INBOX", Bookmark(7, 3), now)  # a poller behind
    assert load_bookmark(sessions, "imap:x@h:1/INBOX") == Bookmark(7, 5)
    save_bookmark(sessions, "imap:x@h:1/INBOX", Bookmark(7, 9), now)
    assert load_bookmark(sessions, "imap:x@h:1/INBOX") == Bookmark(7, 9)
    save_bookmark(sessions, "imap:x@h:1/INBOX", Bookmark(8, 0), now)
    assert load_bookmark(sessions, "imap:x@h:1/INBOX") == Bookmark(8, 0)
    assert load_bookmark(sessions, "imap:x@h:1/Other") is None


def test_mail_announced_during_a_command_is_not_lost_before_idle(dovecot):
    with imap_login(dovecot) as watcher:
        watcher.select_folder("INBOX")
        announced_new_mail(watcher)  # SELECT's own EXISTS count, as the poller's drain does
        assert not announced_new_mail(watcher)
        append_mail(dovecot, *reports(1))
        watcher.search(["UID", "1:*"])  # Dovecot announces the new mail at this command's end
        assert announced_new_mail(watcher)
        assert not announced_new_mail(watcher)  # taken once


@pytest.mark.parametrize("tls", ["none", "ssl"])
def test_mail_pending_when_idle_starts_ends_the_wait_at_once(
    tls, authority, dovecot_factory, monkeypatch
):
    """Dovecot announces it in the packet of "+ idling", where idle_check cannot see it."""
    _, ca_file, files = authority
    server = dovecot_factory(tls_files=files)
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    port = server.tls_port if tls == "ssl" else server.port
    client = imap_client.connect(settings_for(server, tls=tls, port=port))
    try:
        client.select_folder("INBOX")
        append_mail(server, *reports(1))  # after this session's last command
        started = time.monotonic()
        wait_in_idle(client, threading.Event(), Timing(idle_renew_seconds=60))
        assert time.monotonic() - started < 5
        assert not imap_client.has_buffered_input(client)
        assert client.search(["UID", "1:*"]) == [1]
    finally:
        imap_client.close(client)


def test_stores_then_flags_and_moves_then_resumes_after_a_restart(dovecot, sessions, start_poller):
    append_mail(dovecot, *reports(3))
    box = settings_for(dovecot)
    with captured_events() as events:
        stop, wakes = start_poller(box)
        [connected] = events.wait_for("imap_connected")
        assert (connected["idle"], connected["move"], connected["last_uid"]) == (True, True, 0)
        assert connected["imap_mailbox"] == mailbox_key(dovecot)
        events.wait_for("imap_folder_created", where=lambda e: e["folder"] == "Processed")
        events.wait_for("imap_message_stored", count=3)
        append_mail(dovecot, *reports(1, start=3))  # while the poller idles
        events.wait_for("imap_message_stored", count=4)
        wait_until(lambda: folder_message_ids(dovecot, "INBOX") == [], what="INBOX empty")
        stop.set()
        events.wait_for("imap_poller_stopped")
    assert wakes.count >= 2
    rows = inbound_rows(sessions)
    expected = [f"<imap-{n}@acmedental.example>" for n in range(4)]
    assert [r.header_message_id for r in rows] == expected
    assert {(r.source, r.mailbox, r.status) for r in rows} == {
        ("imap", mailbox_key(dovecot), "pending")
    }
    assert all(r.received_at.tzinfo is not None for r in rows)
    assert len(folder_message_ids(dovecot, "Processed")) == 4
    assert all(SEEN in flags for flags in folder_flags(dovecot, "Processed"))
    assert load_bookmark(sessions, box.key).last_uid == 4

    append_mail(dovecot, *reports(1, start=4))  # arrives while the poller is down
    with captured_events() as events:
        start_poller(box)
        [connected] = events.wait_for("imap_connected")
        assert connected["last_uid"] == 4
        [stored] = events.wait_for("imap_message_stored")
    assert stored["uid"] == 5
    assert len(inbound_rows(sessions)) == 5


def test_a_message_that_cannot_be_stored_is_skipped_and_the_rest_are_moved(
    dovecot, sessions, start_poller
):
    def store(sessions_: sessionmaker[Session], raw: bytes, arrival: Arrival) -> StoreResult:
        if b"(imap 1)" in raw:
            raise ValueError("cannot store this one")
        return store_raw(sessions_, raw, arrival)

    append_mail(dovecot, *reports(3))
    with captured_events() as events:
        start_poller(settings_for(dovecot), store=store)
        [skipped] = events.wait_for("imap_message_skipped")
        events.wait_for("imap_messages_moved")
    assert skipped["uid"] == 2
    assert "cannot store this one" in skipped["reason"]
    assert folder_message_ids(dovecot, "INBOX") == ["<imap-1@acmedental.example>"]
    assert folder_flags(dovecot, "INBOX") == [()]  # left unread for a person to look at
    assert len(folder_message_ids(dovecot, "Processed")) == 2
    assert len(inbound_rows(sessions)) == 2


@CONNECTION_ONLY
def test_wrong_password_is_logged_once_per_backoff_period_then_recovers(
    dovecot_factory, start_poller
):
    server = dovecot_factory(extra_config="auth_failure_delay = 0\n")
    wrong = "not-the-password-42"
    timing = Timing(idle_check_seconds=0.2, backoff_base_seconds=0.2, backoff_cap_seconds=0.8)
    with captured_events() as events:
        start_poller(settings_for(server, password=wrong), timing=timing)
        failures = events.wait_for("imap_login_failed", count=5)[:5]
        assert [f["retry_in"] for f in failures] == [0.2, 0.4, 0.8, 0.8, 0.8]
        for earlier, later in itertools.pairwise(failures):
            assert later["at"] - earlier["at"] >= earlier["retry_in"] - 0.02
        assert all(f["level"] == "error" for f in failures)
        server.password = wrong  # the operator fixes the account; the next attempt logs in
        server.restart()
        [connected] = events.wait_for("imap_connected")
        reconnects = events.named("imap_reconnect")
    assert connected["attempt"] >= 6
    assert reconnects
    assert wrong not in repr(events.events)


def test_a_server_without_idle_move_or_uidplus_is_polled_and_copied(
    dovecot_factory, sessions, start_poller
):
    server = dovecot_factory(extra_config="imap_capability = IMAP4rev1 SASL-IR LITERAL+\n")
    append_mail(server, *reports(2))
    with captured_events() as events:
        start_poller(settings_for(server, poll_seconds=1))
        [connected] = events.wait_for("imap_connected")
        assert (connected["idle"], connected["move"]) == (False, False)
        events.wait_for("imap_message_stored", count=2)
        append_mail(server, *reports(1, start=2))
        events.wait_for("imap_message_stored", count=3)
        wait_until(lambda: folder_message_ids(server, "INBOX") == [], what="INBOX expunged")
    assert len(folder_message_ids(server, "Processed")) == 3
    assert len(inbound_rows(sessions)) == 3


@CONNECTION_ONLY
def test_idle_is_renewed_and_mail_still_arrives(dovecot, start_poller):
    timing = Timing(idle_renew_seconds=0.3, idle_check_seconds=0.1)
    with captured_events() as events:
        start_poller(settings_for(dovecot), timing=timing)
        events.wait_for("imap_idle_renewed", count=3)
        append_mail(dovecot, *reports(1))
        [stored] = events.wait_for("imap_message_stored")
    assert stored["uid"] == 1


@CONNECTION_ONLY
def test_stop_while_idling_ends_the_thread_within_seconds(dovecot, start_poller):
    with captured_events() as events:
        stop, _ = start_poller(settings_for(dovecot), timing=Timing())  # the daemon's timings
        events.wait_for("imap_connected")
        started = time.monotonic()
        stop.set()
        events.wait_for("imap_poller_stopped", timeout=5)
    assert time.monotonic() - started < 3


# --- TLS ----------------------------------------------------------------------------------


@pytest.fixture
def authority(tmp_path) -> tuple[trustme.CA, Path, tuple[Path, Path]]:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    chain, key, ca_file = tmp_path / "chain.pem", tmp_path / "key.pem", tmp_path / "ca.pem"
    cert.private_key_and_cert_chain_pem.write_to_path(str(chain))
    cert.private_key_pem.write_to_path(str(key))
    ca.cert_pem.write_to_path(str(ca_file))
    return ca, ca_file, (chain, key)


@pytest.mark.parametrize("mode", ["ssl", "starttls"])
@CONNECTION_ONLY
def test_tls_with_a_trusted_certificate(
    mode, authority, dovecot_factory, start_poller, monkeypatch
):
    _, ca_file, files = authority
    server = dovecot_factory(tls_files=files)
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))  # what create_default_context trusts
    port = server.tls_port if mode == "ssl" else server.port
    append_mail(server, *reports(1))
    with captured_events() as events:
        start_poller(settings_for(server, tls=mode, port=port))
        events.wait_for("imap_connected")
        events.wait_for("imap_message_stored")
    assert "Login: user=<support>" in server.log_path.read_text()


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("ssl on the plaintext port", "TLS handshake"),
        ("starttls not offered", "does not offer STARTTLS"),
        ("untrusted certificate", "CERTIFICATE_VERIFY_FAILED"),
    ],
)
@CONNECTION_ONLY
def test_tls_never_falls_back_to_plaintext(case, reason, authority, dovecot_factory, start_poller):
    _, _, files = authority
    if case == "untrusted certificate":
        server = dovecot_factory(tls_files=files)
        box = settings_for(server, tls="ssl", port=server.tls_port)
    else:
        server = dovecot_factory()
        box = settings_for(server, tls="ssl" if case.startswith("ssl") else "starttls")
    with captured_events() as events:
        start_poller(box)
        failures = events.wait_for("imap_tls_failed", count=2)
    assert reason in failures[0]["error"]
    assert "Login: user=" not in server.log_path.read_text()  # the password never left us
