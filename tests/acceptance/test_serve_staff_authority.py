"""Forged staff mail against a running ``serve`` (issue 21), on SQLite and PostgreSQL.

An attacker on the internet writes to our SMTP listener with ``From:`` a staff address and a
guessed ticket tag, asking the client to pay to an IBAN, with commands that would close the
ticket, waive the surcharge and bill hours. What reaches the client is read off a real
capture relay (the outbound side), and the ledger and the ticket off the database. Every
genuine path (a reply to staff-only mail, DKIM/SPF at our MTA, SMTP AUTH at our MTA, a
trusted relay) must still reach the client.
"""

from __future__ import annotations

import smtplib
from email import message_from_bytes
from email.policy import default

from sqlalchemy import select

from tests.acceptance.conftest import relay_mode
from tests.helpers import STAFF_SECRET, SUPPORT, TERSE_REPORT, make_mail, staff_thread
from tests.servers.ports import free_port
from zsupport_mail.db.models import (
    Charge,
    InboundMessage,
    OutboundMessage,
    Ticket,
    TicketMessage,
)
from zsupport_mail.db.session import make_engine, make_session_factory
from zsupport_mail.mail.tokens import STAFF, make_message_id

MX = "mx.zsupport.example"
TOM = "tom@zsupport.example"
DANA = "dana@acmedental.example"
SUBJECT = "Re: [Z-Support #ZS-000001] Phones drop calls after 30 seconds"
PHISHING = (
    "#status closed\n#waive\n#time 3h\n\n"
    "Please settle invoice 4471 by wire to IBAN DE89 3704 0044 0532 0130 00 today.\n"
)
GUESSED = "<zs.ZS-000001.staff.0123456789ab.0123456789abcdef@zsupport.example>"
DKIM_ACME = f"{MX}; dkim=pass header.d=acmedental.example header.s=sel1"


def config(relay, **overrides):
    return {
        "outbound": relay_mode(relay),
        "safety": {"secret": STAFF_SECRET},
        "security": {"trusted_authserv_ids": [MX]},
        **overrides,
    }


def send(port: int, sender: str, *mails: bytes) -> None:
    with smtplib.SMTP("127.0.0.1", port) as client:
        for raw in mails:
            assert client.sendmail(sender, [SUPPORT], raw) == {}


def staff_mail(message_id: str, body: str = PHISHING, **headers: str) -> bytes:
    return make_mail(
        sender=f"Tom Tech <{TOM}>",
        subject=SUBJECT,
        body=body,
        message_id=message_id,
        headers=headers,
    )


def read_db(db_url: str):
    engine = make_engine(db_url)
    session = make_session_factory(engine)()
    return engine, session


def open_ticket(serve, relay) -> str:
    """The client's report, authenticated at our MTA; returns the acknowledgement's ID."""
    send(serve.port, DANA, make_mail(headers={"Authentication-Results": DKIM_ACME}))
    [ack] = relay.wait_for(1)
    return str(message_from_bytes(ack.content, policy=default)["Message-ID"])


def test_forged_staff_mail_never_reaches_the_client(start_serve, relay, db_url):
    serve = start_serve(**config(relay))
    ack_id = open_ticket(serve, relay)
    other_staff_copy = make_message_id(
        "ZS-000002", "zsupport.example", STAFF_SECRET, audience=STAFF
    )
    forgeries = [
        staff_mail("<by-tag@evil.example>"),  # the subject tag alone, no In-Reply-To
        staff_mail(  # a guessed staff-only Message-ID
            "<guessed@evil.example>",
            **{
                "In-Reply-To": "<zs.ZS-000001.staff.0123456789ab.0123456789abcdef@zsupport.example>"
            },
        ),
        staff_mail(  # the client's own copy plus a stale staff ID of another ticket
            "<stale@evil.example>",
            **{"In-Reply-To": ack_id, "References": f"{ack_id} {other_staff_copy}"},
        ),
        staff_mail(  # a DKIM pass written by someone else's MTA
            "<their-mta@evil.example>",
            **{"Authentication-Results": "mx.evil.example; dkim=pass header.d=zsupport.example"},
        ),
        staff_mail(  # logged in to our MTA, but as someone else
            "<other-login@evil.example>",
            **{"Authentication-Results": f"{MX}; auth=pass smtp.auth=mallory"},
        ),
    ]
    send(serve.port, TOM, *forgeries)
    events = serve.wait_for(
        "message_processed", count=5, where=lambda e: "evil.example" in e["message_id"]
    )
    assert {e["action"] for e in events} == {"appended"}
    assert all("kept as an internal note on ZS-000001" in e["reason"] for e in events)

    deliveries = relay.wait_for(1 + 5)  # the acknowledgement, then one warning per forgery
    to_client = [d for d in deliveries if DANA in d.rcpt_tos]
    assert len(to_client) == 1
    assert b"IBAN" not in to_client[0].content
    warnings = [d for d in deliveries if d.rcpt_tos == [TOM]]
    assert len(warnings) == 5
    assert all(b"WARNING: unverified mail claiming to be from" in d.content for d in warnings)

    engine, session = read_db(db_url)
    try:
        ticket = session.scalars(select(Ticket)).one()
        assert (ticket.status, ticket.first_response_at) == ("open", None)
        assert session.scalars(select(Charge)).all() == []  # no #time, #waive had nothing
        notes = session.scalars(select(TicketMessage).where(TicketMessage.from_addr == TOM))
        assert [n.internal for n in notes] == [True] * 5
        # queued with each message's commit, so nothing to the client is still on its way
        queued = session.execute(select(OutboundMessage.kind, OutboundMessage.to_addrs)).all()
        assert sorted(kind for kind, to in queued if DANA in to) == ["acknowledgement"]
    finally:
        session.close()
        engine.dispose()


def test_genuine_staff_replies_reach_the_client_by_every_proof(start_serve, relay, db_url):
    serve = start_serve(**config(relay))
    open_ticket(serve, relay)
    genuine = [
        staff_mail("<by-staff-copy@zsupport.example>", "By the staff copy.\n", **staff_thread()),
        staff_mail(
            "<by-spf@zsupport.example>",
            "By SPF.\n",
            **{"Authentication-Results": f"{MX}; spf=pass smtp.mailfrom={TOM}"},
        ),
        staff_mail(
            "<by-auth@zsupport.example>",
            "By SMTP AUTH.\n",
            **{"Authentication-Results": f"{MX}; auth=pass (PLAIN) smtp.auth=tom"},
        ),
    ]
    for raw in genuine:  # one at a time, so the relayed replies arrive in this order
        count = len(relay.deliveries)
        send(serve.port, TOM, raw)
        relay.wait_for(count + 1)
    serve.stop()

    # Our submission relay hands staff mail over from 127.0.0.1: trusted by [staff].
    serve = start_serve(**config(relay, staff={"trusted_relays": ["127.0.0.1/32"]}))
    send(serve.port, TOM, staff_mail("<by-relay@zsupport.example>", "By the relay.\n"))
    deliveries = relay.wait_for(1 + 4)
    relayed = [message_from_bytes(d.content, policy=default) for d in deliveries[1:]]
    assert [d.rcpt_tos for d in deliveries[1:]] == [[DANA]] * 4
    assert [m.get_content().strip() for m in relayed] == [
        "By the staff copy.",
        "By SPF.",
        "By SMTP AUTH.",
        "By the relay.",
    ]
    assert all(m["From"] == SUPPORT for m in relayed)


def test_forged_client_mail_puts_no_charge_on_the_ledger(start_serve, relay, db_url):
    serve = start_serve(**config(relay))
    incomplete = make_mail(body=TERSE_REPORT, message_id="<terse@evil.example>")
    by_pat = make_mail(sender="pat@acmedental.example", message_id="<pat@evil.example>")
    send(serve.port, DANA, incomplete, by_pat)
    serve.wait_for("message_processed", count=2)
    relay.wait_for(2)  # the tickets are opened and answered as usual

    engine, session = read_db(db_url)
    try:
        ledger = session.scalars(select(Charge).order_by(Charge.id)).all()
        assert [(c.kind, c.state, c.amount is not None) for c in ledger] == [
            ("incomplete_report_surcharge", "unconfirmed", True),
            ("billable_communication", "unconfirmed", False),
        ]
        assert all("no charge until staff confirm it" in c.reason for c in ledger)
    finally:
        session.close()
        engine.dispose()


def test_forged_staff_mail_through_a_real_postfix_is_held(
    start_serve, postfix_factory, relay, db_url
):
    """Behind the MTA every peer is the MTA: loopback is no proof unless listed, and is not."""
    port = free_port()
    postfix = postfix_factory(port)
    serve = start_serve(**config(relay, smtp={"port": port}))
    send(postfix.port, DANA, make_mail(headers={"Authentication-Results": DKIM_ACME}))
    serve.wait_for("message_processed", where=lambda e: e["action"] == "created")
    send(postfix.port, TOM, staff_mail("<via-postfix@evil.example>"))
    [held] = serve.wait_for(
        "message_processed", where=lambda e: e["message_id"] == "<via-postfix@evil.example>"
    )
    assert held["action"] == "appended"
    assert "received from 127.0.0.1, not a trusted relay" in held["reason"]
    deliveries = relay.wait_for(2)
    assert [d.rcpt_tos for d in deliveries] == [[DANA], [TOM]]  # the ack; the warning

    engine, session = read_db(db_url)
    try:
        peers = session.scalars(select(InboundMessage.peer_address)).all()
        assert peers == ["127.0.0.1", "127.0.0.1"]  # recorded by the edge with each row
    finally:
        session.close()
        engine.dispose()
