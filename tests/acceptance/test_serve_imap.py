"""``serve`` pulling a real Dovecot mailbox over IMAP: every message one ticket, then moved.

The daemon runs as a subprocess (tests.daemon.ServeProcess) with an [[imap.mailboxes]] table
pointing at a throwaway Dovecot; tests APPEND mail as a delivery agent would, wait on the
daemon's log events, and check the server's folders with imapclient and the database directly.
"""

from __future__ import annotations

import random
import subprocess
import sys
import time
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP

import pytest

from tests.acceptance.conftest import db_count
from tests.daemon import ServeProcess
from tests.helpers import write_config
from tests.imap_helpers import (
    append_mail,
    folder_flags,
    folder_message_ids,
    imap_login,
    mailbox_config,
    mailbox_key,
    reports,
    wait_until,
)
from tests.servers.ports import free_port
from zsupport_mail.db.models import InboundMessage, Ticket
from zsupport_mail.db.session import make_engine, make_session_factory
from zsupport_mail.queues.inbox import Arrival, store_raw

SEEN = b"\\Seen"


def imap_section(server, **overrides) -> dict:
    return {"mailboxes": [mailbox_config(server, **overrides)]}


def inbox_empty(server, folder: str = "INBOX") -> bool:
    return folder_message_ids(server, folder) == []


def test_mail_appended_before_start_and_during_idle_becomes_tickets_and_is_moved(
    start_serve, dovecot, db_url
):
    append_mail(dovecot, *reports(3))
    serve = start_serve(imap=imap_section(dovecot))
    [started] = serve.wait_for("serve_started")
    assert started["imap"] == [mailbox_key(dovecot)]
    serve.wait_for("message_processed", count=3)
    serve.wait_for("imap_messages_moved")
    append_mail(dovecot, *reports(2, start=3))  # the poller is in IDLE by now
    serve.wait_for("message_processed", count=5)

    assert db_count(db_url, Ticket) == 5
    imap_rows = (InboundMessage.source == "imap", InboundMessage.mailbox == mailbox_key(dovecot))
    assert db_count(db_url, InboundMessage, *imap_rows) == 5
    wait_until(lambda: inbox_empty(dovecot), what="INBOX empty")
    moved = folder_message_ids(dovecot, "Processed")
    assert sorted(moved) == sorted(f"<imap-{n}@acmedental.example>" for n in range(5))
    assert all(SEEN in flags for flags in folder_flags(dovecot, "Processed"))
    assert serve.stop() == 0


@pytest.mark.every_backend
def test_dovecot_restart_mid_run_reconnects_and_doubles_nothing(start_serve, dovecot, db_url):
    serve = start_serve(imap=imap_section(dovecot))
    serve.wait_for("imap_connected")
    append_mail(dovecot, *reports(20))
    serve.wait_for("imap_message_stored")  # restart while the backlog is being taken
    dovecot.restart()
    serve.wait_for("imap_connection_failed")
    serve.wait_for("imap_connected", count=2)
    append_mail(dovecot, *reports(5, start=20))
    serve.wait_for("message_processed", count=25)
    wait_until(lambda: inbox_empty(dovecot), what="INBOX empty")

    assert db_count(db_url, Ticket) == 25
    assert db_count(db_url, InboundMessage) == 25
    assert len(folder_message_ids(dovecot, "Processed")) == 25
    assert not [e for e in serve.events if e.get("action") == "duplicate"]
    assert serve.stop() == 0


def test_uidvalidity_change_rescans_the_recreated_folder(start_serve, dovecot, db_url):
    with imap_login(dovecot) as client:
        client.create_folder("Support")
    append_mail(dovecot, *reports(2), folder="Support")
    serve = start_serve(imap=imap_section(dovecot, folder="Support"))
    serve.wait_for("message_processed", count=2)
    serve.wait_for("imap_messages_moved")

    with imap_login(dovecot) as client:
        client.delete_folder("Support")  # Dovecot ends the poller's session with BYE
    serve.wait_for("imap_folder_missing")
    with imap_login(dovecot) as client:
        client.create_folder("Support")  # a new UIDVALIDITY; UIDs start at 1 again
    old, new = reports(1)[0], reports(1, start=2)[0]
    append_mail(dovecot, new, old, folder="Support")

    [changed] = serve.wait_for("imap_uidvalidity_changed")
    assert changed["old"] != changed["new"]
    serve.wait_for("message_processed", count=3)
    stored = serve.wait_for("imap_message_stored", count=4)
    assert [(e["uid"], e["duplicate"]) for e in stored[2:]] == [(1, False), (2, True)]
    wait_until(lambda: inbox_empty(dovecot, "Support"), what="Support empty")
    assert db_count(db_url, Ticket) == 3
    assert db_count(db_url, InboundMessage) == 3


def big_report(size: int) -> bytes:
    message = EmailMessage()
    message["From"] = "Dana Smith <dana@acmedental.example>"
    message["To"] = "support@zsupport.example"
    message["Subject"] = "Call recordings of the dropped calls"
    message["Message-ID"] = "<big-1@acmedental.example>"
    message.set_content("Recordings of three dropped calls are attached.\n")
    noise = random.Random(1).randbytes(size * 3 // 4)  # base64 grows it by a third
    message.add_attachment(noise, maintype="audio", subtype="wav", filename="calls.wav")
    return message.as_bytes(policy=SMTP)


def test_a_10_mb_message_becomes_a_ticket(start_serve, dovecot, db_url):
    raw = big_report(10 * 1024 * 1024)
    assert len(raw) > 10 * 1024 * 1024
    append_mail(dovecot, raw)
    serve = start_serve(imap=imap_section(dovecot))
    [stored] = serve.wait_for("imap_message_stored", timeout=60)
    assert stored["size"] == len(raw)
    [processed] = serve.wait_for("message_processed", timeout=60)
    assert processed["ticket"]
    wait_until(lambda: inbox_empty(dovecot), what="INBOX empty")
    assert db_count(db_url, InboundMessage, InboundMessage.size == len(raw)) == 1


@pytest.mark.every_backend
def test_a_crash_between_store_and_move_makes_no_second_ticket(start_serve, dovecot, db_url):
    raw = reports(1)[0]
    append_mail(dovecot, raw)
    # What a crash right after the inbox commit leaves: stored, still in INBOX, no bookmark.
    engine = make_engine(db_url)
    store_raw(
        make_session_factory(engine),
        raw,
        Arrival("imap", mailbox_key(dovecot), datetime.now(UTC)),
    )
    engine.dispose()

    serve = start_serve(imap=imap_section(dovecot))
    [stored] = serve.wait_for("imap_message_stored")
    assert stored["duplicate"] is True
    serve.wait_for("message_processed")
    wait_until(lambda: inbox_empty(dovecot), what="INBOX empty")
    assert db_count(db_url, Ticket) == 1
    assert db_count(db_url, InboundMessage) == 1


def test_sigterm_while_idling_stops_the_poller_then_exits_0(start_serve, dovecot):
    serve = start_serve(imap=imap_section(dovecot))
    serve.wait_for("imap_connected")
    started = time.monotonic()
    assert serve.stop() == 0
    assert time.monotonic() - started < 10
    names = [e.get("event") for e in serve.events]
    assert names.index("imap_poller_stopped") < names.index("serve_stopped")


@pytest.mark.postgres
def test_two_daemons_polling_one_mailbox_on_postgres_make_each_ticket_once(
    pg_databases, dovecot, tmp_path
):
    url = pg_databases.new(migrated=True)
    append_mail(dovecot, *reports(30))
    daemons = []
    try:
        for number in range(2):
            config = write_config(
                tmp_path / f"serve-{number}.toml",
                url,
                tmp_path,
                smtp={"port": free_port()},
                imap=imap_section(dovecot),
            )
            daemons.append(ServeProcess(config).start())
        append_mail(dovecot, *reports(10, start=30))
        wait_until(
            lambda: db_count(url, InboundMessage, InboundMessage.status == "done") == 40,
            timeout=90,
            what="40 messages processed",
        )
        wait_until(lambda: inbox_empty(dovecot), what="INBOX empty")
        assert all(daemon.stop() == 0 for daemon in daemons)
    finally:
        for daemon in daemons:
            daemon.stop()
    assert db_count(url, Ticket) == 40
    assert db_count(url, InboundMessage) == 40
    processed = [e for d in daemons for e in d.events if e.get("event") == "message_processed"]
    assert len(processed) == 40
    assert len(folder_message_ids(dovecot, "Processed")) == 40


def test_plaintext_imap_off_loopback_is_refused_at_start(tmp_path):
    mailbox = {"host": "imap.example.net", "tls": "none", "user": "support", "password": "x"}
    config = write_config(
        tmp_path / "config.toml", "sqlite:///unused.db", tmp_path, imap={"mailboxes": [mailbox]}
    )
    result = subprocess.run(
        [sys.executable, "-m", "zsupport_mail", "--config", str(config), "serve"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "imap.mailboxes[0].tls: none (plaintext) is refused for 'imap.example.net'" in (
        result.stderr
    )
