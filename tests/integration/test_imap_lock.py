"""The IMAP poller under a PostgreSQL advisory lock, in-process, against a real Dovecot.

Who else holds the lock is played by a plain psycopg connection (another instance would hold
it the same way); a lost lock connection is played by ``pg_terminate_backend``, what a server
restart or a dead network path does to it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy.engine import make_url

from tests.imap_helpers import append_mail, captured_events, mailbox_config, reports
from zsupport_mail.db.advisory import PgSessionLock, advisory_key
from zsupport_mail.db.session import make_engine, make_session_factory
from zsupport_mail.edges.imap import ImapPoller, Timing
from zsupport_mail.settings import ImapMailboxSettings

pytestmark = pytest.mark.postgres
FAST = Timing(
    idle_check_seconds=0.1,
    backoff_base_seconds=0.1,
    backoff_cap_seconds=0.4,
    standby_seconds=0.2,
    lock_check_seconds=0.3,
)


@pytest.fixture
def url(pg_databases) -> str:
    return pg_databases.new(migrated=True)


def libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture
def run_poller(url, dovecot) -> Iterator[ImapPoller]:
    """A poller of the Dovecot INBOX that polls only under its advisory lock."""
    engine = make_engine(url)
    box = ImapMailboxSettings(**mailbox_config(dovecot))
    stop = threading.Event()
    lock = PgSessionLock(url, f"imap:{box.key}")
    poller = ImapPoller(
        box, make_session_factory(engine), lambda: None, stop, timing=FAST, lock=lock
    )
    thread = threading.Thread(target=poller.run, daemon=True)
    yield thread  # started by the test, inside its captured_events block
    stop.set()
    thread.join(15)
    assert not thread.is_alive()
    engine.dispose()


def test_a_standby_polls_only_once_the_other_holder_lets_go(url, dovecot, run_poller):
    box_key = f"imap:{ImapMailboxSettings(**mailbox_config(dovecot)).key}"
    other = psycopg.connect(libpq(url), autocommit=True)
    other.execute("SELECT pg_advisory_lock(%s)", (advisory_key(box_key),))
    append_mail(dovecot, *reports(2))
    with captured_events() as events:
        run_poller.start()
        events.wait_for("imap_mailbox_standby")
        assert not events.named("imap_connected")
        other.close()  # the other instance dies: its session lock goes with its connection
        events.wait_for("imap_mailbox_acquired")
        events.wait_for("imap_message_stored", count=2)
    assert len(events.named("imap_mailbox_standby")) == 1  # logged once, not every retry


def test_a_holder_whose_lock_connection_is_cut_stops_polling_and_takes_the_lock_again(
    url, dovecot, run_poller
):
    with captured_events() as events:
        run_poller.start()
        events.wait_for("imap_mailbox_acquired")
        events.wait_for("imap_connected")
        with psycopg.connect(libpq(url), autocommit=True) as admin:
            cut = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name LIKE 'zsupport-mail lock imap:%' "
                "AND datname = current_database()"
            ).fetchall()
        assert cut == [(True,)]
        events.wait_for("imap_mailbox_lost")
        events.wait_for("imap_mailbox_acquired", count=2)
        append_mail(dovecot, *reports(1))
        [stored] = events.wait_for("imap_message_stored")
    assert stored["uid"] == 1
    names = [e["event"] for e in events.events]
    lost = names.index("imap_mailbox_lost")
    assert "imap_connected" in names[lost:]  # a new IMAP session under the new lock
