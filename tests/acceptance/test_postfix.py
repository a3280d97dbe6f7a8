"""A real MTA (Postfix) in front of and behind ``serve``: deferral, retry, and bounces.

Postfix relays everything to the daemon, queues and retries like any MTA on the internet, and
generates real DSN bounces, so these tests check the daemon's promises against the behaviour
of the software that will actually deliver to it.
"""

from __future__ import annotations

import smtplib

from tests.acceptance.conftest import db_count
from tests.daemon import ServeProcess
from tests.helpers import SUPPORT, make_mail, write_config
from tests.servers.fixtures import server_dir
from tests.servers.ports import free_port
from tests.servers.postgres import PostgresCluster
from zsupport_mail.db import migrate
from zsupport_mail.db.models import InboundMessage, OutboundMessage, Ticket


def send_via(port: int, raw: bytes, sender: str = "dana@acmedental.example") -> None:
    with smtplib.SMTP("127.0.0.1", port) as client:
        assert client.sendmail(sender, [SUPPORT], raw) == {}


def test_postfix_relays_a_clients_mail_to_serve(start_serve, postfix_factory, db_url):
    port = free_port()
    postfix = postfix_factory(port)
    serve = start_serve(smtp={"port": port})

    send_via(postfix.port, make_mail())

    serve.wait_for("message_processed", where=lambda e: e["action"] == "created")
    postfix.wait_for_empty_queue(timeout=30)
    assert db_count(db_url, Ticket) == 1


def test_postfix_defers_while_serve_is_down_and_delivers_once_it_is_back(
    start_serve, postfix_factory, db_url
):
    port = free_port()
    postfix = postfix_factory(port)

    send_via(postfix.port, make_mail())
    postfix.flush()
    assert not postfix.queue_is_empty()  # nobody listens: the mail waits in Postfix's queue

    serve = start_serve(smtp={"port": port})
    postfix.flush()
    serve.wait_for("message_processed")
    postfix.wait_for_empty_queue(timeout=30)
    assert db_count(db_url, InboundMessage) == 1
    assert db_count(db_url, Ticket) == 1


def test_database_outage_answers_451_and_postfix_retries(postfix_factory, tmp_path):
    """PostgreSQL stops under a running daemon (its own cluster, so other tests are not hit)."""
    with server_dir("pg-outage") as pg_dir:  # the postgres account cannot enter tmp_path
        run_outage(PostgresCluster(pg_dir), postfix_factory, tmp_path)


def run_outage(cluster: PostgresCluster, postfix_factory, tmp_path) -> None:
    cluster.start()
    serve = None
    try:
        cluster.create_database("outage")
        url = cluster.url("outage")
        migrate.upgrade(url)
        port = free_port()
        config = write_config(tmp_path / "config.toml", url, tmp_path, smtp={"port": port})
        serve = ServeProcess(config).start()
        postfix = postfix_factory(port)

        cluster.stop()
        with smtplib.SMTP("127.0.0.1", port) as client:  # direct: the daemon's own answer
            client.ehlo()
            client.mail("dana@acmedental.example")
            client.rcpt(SUPPORT)
            code, text = client.data(make_mail(message_id="<direct@x>"))
        assert (code, text[:5]) == (451, b"4.3.0")
        send_via(postfix.port, make_mail())
        serve.wait_for("message_store_failed", count=2)
        assert not postfix.queue_is_empty()  # answered 451: Postfix keeps it and will retry

        cluster.start()
        postfix.flush()
        serve.wait_for("message_processed", where=lambda e: e["action"] == "created")
        postfix.wait_for_empty_queue(timeout=30)
        assert db_count(url, Ticket) == 1
    finally:
        if serve is not None:
            serve.stop()
        cluster.stop()


def test_a_bounce_of_our_reply_is_stored_and_never_answered(start_serve, postfix_factory, db_url):
    """Reply -> Postfix -> 550 at the far end -> Postfix's DSN -> back to us: no second reply."""
    port = free_port()
    postfix = postfix_factory(port)  # relays everything, our replies included, to serve
    serve = start_serve(
        smtp={"port": port},
        outbound={"mode": "smtp", "relay_port": postfix.port, "retry_base_seconds": 1},
    )

    send_via(port, make_mail())  # straight to serve

    # Our acknowledgement to dana@ goes out through Postfix, which relays it back to serve,
    # which refuses that recipient; Postfix then bounces to our support address.
    [bounce] = serve.wait_for(
        "message_processed", where=lambda e: e["action"] != "created", timeout=60
    )
    assert bounce["action"] in ("ignored", "appended")
    postfix.wait_for_empty_queue(timeout=30)
    assert db_count(db_url, OutboundMessage) == 1
    assert db_count(db_url, InboundMessage) == 2
    assert "status=bounced" in postfix.maillog_text()
