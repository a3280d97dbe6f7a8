"""The throwaway servers answer over real sockets, so tests built on them test something real."""

from __future__ import annotations

import email
import email.policy
import smtplib
import subprocess
import threading
import time
from collections.abc import Iterator
from email.message import EmailMessage

import psycopg
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from imapclient import IMAPClient

from tests.servers import fixtures
from tests.servers.dovecot import DovecotServer
from tests.servers.fixtures import server_dir
from tests.servers.ports import free_port
from tests.servers.postgres import PostgresCluster

# The fixtures, for runs that do not load tests/conftest.py (--confcutdir). Assigned rather than
# imported by name: an imported fixture taken as a test argument trips ruff's F811.
pg_cluster = fixtures.pg_cluster
dovecot = fixtures.dovecot
postfix_factory = fixtures.postfix_factory

CUSTOMER = "customer@example.org"
SUPPORT = "support@example.net"
UNKNOWN = "nobody@example.net"


# --- PostgreSQL -------------------------------------------------------------------------------


def _connect(cluster: PostgresCluster, dbname: str) -> psycopg.Connection:
    return psycopg.connect(
        host=cluster.host, port=cluster.port, user="postgres", dbname=dbname, autocommit=True
    )


@pytest.mark.postgres
def test_postgres_creates_clones_and_drops_databases(pg_cluster):
    if pg_cluster is None:
        pytest.skip("ZSUPPORT_TEST_DATABASE_URL is set: no throwaway cluster to check")
    assert pg_cluster.url("x") == f"postgresql+psycopg://postgres@127.0.0.1:{pg_cluster.port}/x"
    pg_cluster.create_database("fixture_template")
    try:
        with _connect(pg_cluster, "fixture_template") as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
            conn.execute("CREATE TABLE marker (id int)")
        pg_cluster.create_database("fixture_clone", template="fixture_template")
        with _connect(pg_cluster, "fixture_clone") as conn:
            assert conn.execute("SELECT count(*) FROM marker").fetchone() == (0,)
            pg_cluster.drop_database("fixture_clone")  # even with this client still connected
    finally:
        pg_cluster.drop_database("fixture_clone")
        pg_cluster.drop_database("fixture_template")
    with pytest.raises(psycopg.OperationalError, match="does not exist"):
        _connect(pg_cluster, "fixture_template")


@pytest.mark.postgres
def test_postgres_restart_keeps_port_and_data():
    with server_dir("pg-restart") as base_dir:
        cluster = PostgresCluster(base_dir)
        try:
            cluster.start()
            port = cluster.port
            cluster.create_database("survivor")
            with _connect(cluster, "survivor") as conn:
                conn.execute("CREATE TABLE t (v text)")
                conn.execute("INSERT INTO t VALUES ('kept')")

            cluster.restart()

            assert cluster.port == port
            with _connect(cluster, "survivor") as conn:
                assert conn.execute("SELECT v FROM t").fetchall() == [("kept",)]
        finally:
            cluster.stop()


# --- Dovecot ----------------------------------------------------------------------------------


def _login(server: DovecotServer) -> IMAPClient:
    client = IMAPClient(server.host, server.port, ssl=False, timeout=10)
    client.login(server.user, server.password)
    return client


def _message(subject: str, body: str, to: str = SUPPORT) -> EmailMessage:
    message = EmailMessage()
    message["From"] = CUSTOMER
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    return message


def _idle_until_exists(client: IMAPClient, timeout: float) -> int:
    """Wait in IDLE for an EXISTS response and return the new message count."""
    deadline = time.monotonic() + timeout
    while (remaining := deadline - time.monotonic()) > 0:
        for response in client.idle_check(timeout=remaining):
            if len(response) == 2 and response[1] == b"EXISTS":  # not "* OK Still here"
                return int(response[0])
    raise AssertionError(f"no EXISTS within {timeout} s of IDLE")


def test_dovecot_idle_sees_an_appended_message(dovecot):
    with _login(dovecot) as watcher, _login(dovecot) as writer:
        assert b"IDLE" in watcher.capabilities()
        watcher.select_folder("INBOX")
        watcher.idle()
        writer.append("INBOX", _message("Printer on fire", "Please help.").as_bytes())
        count = _idle_until_exists(watcher, timeout=10)
        watcher.idle_done()
    assert count == 1


def test_dovecot_restart_keeps_port_and_mail(dovecot):
    with _login(dovecot) as client:
        client.append("INBOX", _message("Kept across restart", "still here").as_bytes())
    port = dovecot.port

    dovecot.restart()

    assert dovecot.port == port
    assert any(dovecot.maildir.glob("cur/*")) or any(dovecot.maildir.glob("new/*"))
    with _login(dovecot) as client:
        client.select_folder("INBOX", readonly=True)
        fetched = client.fetch(client.search(), ["BODY.PEEK[HEADER.FIELDS (SUBJECT)]"])
    subjects = [data[b"BODY[HEADER.FIELDS (SUBJECT)]"] for data in fetched.values()]
    assert subjects == [b"Subject: Kept across restart\r\n\r\n"]


# --- Postfix ----------------------------------------------------------------------------------


class Sink:
    """An aiosmtpd handler that keeps every envelope and rejects chosen recipients with 550."""

    def __init__(self, reject: frozenset[str] = frozenset()) -> None:
        self.reject = reject
        self.envelopes: list[Envelope] = []
        self.received = threading.Event()

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options
    ) -> str:
        if address in self.reject:
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        self.received.set()
        return "250 OK"

    def wait_for_message(self, timeout: float = 10) -> Envelope:
        assert self.received.wait(timeout), f"nothing arrived within {timeout} s"
        return self.envelopes[0]


def _start_sink(reject: frozenset[str] = frozenset()) -> Iterator[tuple[Sink, int]]:
    sink = Sink(reject)
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()


@pytest.fixture
def sink():
    yield from _start_sink()


@pytest.fixture
def rejecting_sink():
    yield from _start_sink(reject=frozenset({UNKNOWN}))


def test_postfix_relays_to_the_listener(postfix_factory, sink):
    listener, port = sink
    relay = postfix_factory(port)
    with smtplib.SMTP(relay.host, relay.port, timeout=10) as client:
        client.send_message(_message("Relayed", "hello through Postfix"))

    envelope = listener.wait_for_message()

    assert envelope.mail_from == CUSTOMER
    assert envelope.rcpt_tos == [SUPPORT]
    assert b"hello through Postfix" in envelope.content
    relay.wait_for_empty_queue()
    assert "status=sent" in relay.maillog_text()


def test_postfix_bounces_a_rejected_recipient_to_the_sender(postfix_factory, rejecting_sink):
    listener, port = rejecting_sink
    relay = postfix_factory(port)
    with smtplib.SMTP(relay.host, relay.port, timeout=10) as client:
        client.send_message(_message("Will bounce", "to nobody", to=UNKNOWN))

    envelope = listener.wait_for_message()

    assert envelope.mail_from == "<>"
    assert envelope.rcpt_tos == [CUSTOMER]
    dsn = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert dsn.get_content_type() == "multipart/report"
    assert dsn.get_param("report-type") == "delivery-status"
    assert b"5.1.1" in envelope.content
    assert UNKNOWN.encode() in envelope.content


def test_swaks_sends_through_postfix(postfix_factory, sink):
    listener, port = sink
    relay = postfix_factory(port)
    swaks = subprocess.run(
        [
            "swaks",
            "--server",
            relay.host,
            "--port",
            str(relay.port),
            "--from",
            CUSTOMER,
            "--to",
            SUPPORT,
            "--header",
            "Subject: Sent by swaks",
            "--body",
            "swaks body",
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert swaks.returncode == 0, swaks.stdout + swaks.stderr

    envelope = listener.wait_for_message()

    assert envelope.rcpt_tos == [SUPPORT]
    assert b"Subject: Sent by swaks" in envelope.content
    assert b"swaks body" in envelope.content
