"""Several ``serve`` processes: one per SQLite file, one IMAP poller per mailbox on PostgreSQL.

Real processes (tests.daemon.ServeProcess), a real Dovecot and the throwaway PostgreSQL; the
tests wait on the daemons' log events and on the database, never on fixed sleeps.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.acceptance.conftest import db_count
from tests.daemon import ServeProcess
from tests.helpers import write_config
from tests.imap_helpers import append_mail, folder_message_ids, mailbox_config, reports, wait_until
from tests.servers.ports import free_port
from zsupport_mail.db import migrate
from zsupport_mail.db.models import InboundMessage, Ticket


def serve_config(tmp_path, url, name: str, **overrides):
    return write_config(
        tmp_path / f"{name}.toml", url, tmp_path, smtp={"port": free_port()}, **overrides
    )


# Its own deadlines: serve 30 + second serve 60 + kill 30 + serve 30 + stop 30; 60 to spare.
@pytest.mark.timeout(180 + 60)
def test_a_second_serve_on_one_sqlite_file_is_refused_and_a_kill_9_frees_the_file(tmp_path):
    url = f"sqlite:///{tmp_path / 'zsupport.db'}"
    migrate.upgrade(url)
    first = ServeProcess(serve_config(tmp_path, url, "first")).start()
    try:
        second = subprocess.run(
            [
                sys.executable,
                "-m",
                "zsupport_mail",
                "--config",
                str(serve_config(tmp_path, url, "second")),
                "serve",
            ],
            capture_output=True,
            text=True,
            timeout=60,
            env=first.env,
        )
        assert second.returncode == 1
        assert f"(pid {first.process.pid})" in second.stderr
        assert "error: another `serve`" in second.stderr  # plain text for a person
        [refused] = [
            json.loads(line)
            for line in second.stderr.splitlines()
            if line.startswith("{") and json.loads(line)["event"] == "serve_refused"
        ]
        assert refused["holder_pid"] == first.process.pid
        assert "serve_started" not in second.stderr
        assert first.process.poll() is None  # the first one serves on, untouched

        first.kill()  # no clean-up at all: the kernel drops the flock with the process
        third = ServeProcess(serve_config(tmp_path, url, "third")).start()
        assert third.stop() == 0
    finally:
        first.stop()


def done(url: str) -> int:
    return db_count(url, InboundMessage, InboundMessage.status == "done")


def imap_section(server) -> dict:
    return {"mailboxes": [mailbox_config(server)]}


# Its own deadlines: 2 x (serve 30 + lock event 30) + stored 30 + INBOX empty 30
# + processed 30 + kill 30 + takeover 30 + stored 30 + processed 30 + stop 30; 60 for fixtures.
@pytest.mark.timeout(360 + 60)
@pytest.mark.postgres
def test_one_instance_polls_the_mailbox_and_another_takes_over_after_a_kill_9(
    pg_databases, dovecot, tmp_path
):
    url = pg_databases.new(migrated=True)
    holder = ServeProcess(serve_config(tmp_path, url, "a", imap=imap_section(dovecot))).start()
    standby = ServeProcess(serve_config(tmp_path, url, "b", imap=imap_section(dovecot)))
    try:
        holder.wait_for("imap_mailbox_acquired")
        standby.start().wait_for("imap_mailbox_standby")
        append_mail(dovecot, *reports(5))
        holder.wait_for("imap_message_stored", count=5)
        wait_until(lambda: folder_message_ids(dovecot, "INBOX") == [], what="INBOX empty")
        wait_until(lambda: done(url) == 5, what="5 messages processed")  # no claim left behind
        assert not [e for e in standby.events if e["event"].startswith("imap_message")]
        assert not [e for e in standby.events if e["event"] == "imap_connected"]

        holder.kill()
        [acquired] = standby.wait_for("imap_mailbox_acquired", timeout=30)
        assert acquired["lock"].startswith("imap:")
        append_mail(dovecot, *reports(3, start=5))
        standby.wait_for("imap_message_stored", count=3)
        wait_until(lambda: done(url) == 8, what="8 messages processed")
        assert standby.stop() == 0
    finally:
        holder.stop()
        standby.stop()
    assert db_count(url, Ticket) == 8
    assert db_count(url, InboundMessage) == 8
