"""The staff desk through a running ``serve``: real SMTP in, a capture relay as the MTA out.

A client's report reaches two staff addresses; one answers (reply-all) from the copy; the
client gets the answer from the support address, the other staff address sees what went to
the client. A phoned-in report (``tickets open``) makes a ticket with its acknowledgement,
and check-config says where alerts go. SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import smtplib
import subprocess
import sys
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import SMTP, default

from sqlalchemy import select

from tests.acceptance.conftest import relay_mode
from tests.daemon import Delivery
from tests.helpers import SUPPORT, TERSE_REPORT, make_mail, write_config
from zsupport_mail.db.models import Ticket
from zsupport_mail.db.session import make_engine, make_session_factory
from zsupport_mail.queues.journey import JOURNEY_TABLE

TOM, ANN, CLIENT = "tom@zsupport.example", "ann@zsupport.example", "dana@acmedental.example"
STAFF = {"addresses": [TOM, ANN], "queue_addresses": [ANN, TOM], "timezone": "Europe/London"}
SECRET = {"secret": "a-test-secret-of-enough-length"}


def parsed(delivery: Delivery) -> EmailMessage:
    message = message_from_bytes(delivery.content, policy=default)
    assert isinstance(message, EmailMessage)
    return message


def text(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())  # type: ignore[attr-defined]


def for_rcpt(deliveries: list[Delivery], address: str) -> list[EmailMessage]:
    return [parsed(d) for d in deliveries if address in d.rcpt_tos]


def reply_all(copy: EmailMessage, sender: str, body: str) -> tuple[list[str], bytes]:
    """(envelope recipients, bytes) of what a mail client sends for "reply all"."""
    reply = EmailMessage()
    reply["From"] = f"Tom Tech <{sender}>"
    reply["To"] = str(copy["Reply-To"])
    others = [a.addr_spec for a in copy["To"].addresses if a.addr_spec != sender]
    reply["Cc"] = ", ".join(others)
    reply["Subject"] = "Re: " + str(copy["Subject"])
    reply["Message-ID"] = "<answer-1@zsupport.example>"
    reply["In-Reply-To"] = str(copy["Message-ID"]).strip()
    reply["References"] = str(copy["Message-ID"]).strip()
    reply.set_content(body)
    return [str(copy["Reply-To"]), *others], reply.as_bytes(policy=SMTP)


def reply_only(raw: bytes) -> bytes:
    """The same answer sent with "reply": no Cc."""
    message = message_from_bytes(raw, policy=default)
    del message["Cc"]
    return message.as_bytes(policy=SMTP)


def test_a_report_reaches_two_staff_one_answers_and_everyone_sees_it(start_serve, relay):
    serve = start_serve(outbound=relay_mode(relay), staff=STAFF, safety=SECRET)
    with smtplib.SMTP("127.0.0.1", serve.port) as client:
        client.sendmail(CLIENT, [SUPPORT], make_mail())
    deliveries = relay.wait_for(2)
    [ack] = for_rcpt(deliveries, CLIENT)
    assert "ZS-000001" in str(ack["Subject"])
    [copy] = for_rcpt(deliveries, TOM)
    assert for_rcpt(deliveries, ANN)[0]["Message-ID"] == copy["Message-ID"]
    assert copy["Subject"] == "[ZS-000001] Phones drop calls after 30 seconds"
    assert copy["From"].addresses[0].display_name == "Dana Smith (Acme Dental) via Z-Support"
    assert copy["Reply-To"] == SUPPORT
    assert "(Europe/London)" in text(copy)

    # Tom answers with "reply": to the support address, the copy's Reply-To. (A reply-all
    # would add Ann, whom his MTA hands the mail directly; it never adds the client.)
    rcpts, raw = reply_all(copy, TOM, "#assign tom\n\nWe reset the trunk; please try again.")
    assert rcpts == [SUPPORT, ANN]
    raw = reply_only(raw)
    with smtplib.SMTP("127.0.0.1", serve.port) as staff_mta:
        staff_mta.sendmail(TOM, [SUPPORT], raw)
    deliveries = relay.wait_for(4)
    [_, answer] = for_rcpt(deliveries, CLIENT)
    assert answer["From"] == SUPPORT
    assert "We reset the trunk" in text(answer)
    assert TOM not in answer.as_string()
    [_, seen] = for_rcpt(deliveries, ANN)
    assert "We reset the trunk" in text(seen)
    assert f"Tom Tech answered {CLIENT} on ZS-000001" in text(seen)
    assert len(for_rcpt(deliveries, TOM)) == 1  # the writer is not sent their own answer
    serve.wait_for("message_processed", count=2)


def run(config, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "zsupport_mail", "--config", str(config), *args],
        capture_output=True,
        timeout=60,
    )


def test_a_phoned_in_report_becomes_a_ticket_with_its_acknowledgement(tmp_path, db_url):
    config = write_config(
        tmp_path / "config.toml", db_url, tmp_path, staff=STAFF, sla={"critical_keywords": []}
    )
    (tmp_path / "call.txt").write_text(TERSE_REPORT, encoding="utf-8")
    result = run(
        config,
        *("tickets", "open", "--client", "Acme Dental", "--contact", CLIENT),
        *("--subject", "Phoned in: calls drop", "--body-file", str(tmp_path / "call.txt")),
        *("--critical", "--received", "2026-11-24T10:05:00-07:00", "--json"),
    )
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout)
    assert (outcome["action"], outcome["ticket"], outcome["source"]) == (
        "created",
        "ZS-000001",
        "phone",
    )
    assert outcome["reply"] == "queued"  # the missing-information notice to the contact
    engine = make_engine(db_url)
    try:
        with make_session_factory(engine).begin() as session:
            ticket = session.scalars(select(Ticket)).one()
            assert ticket.critical is True
            assert ticket.status == "awaiting_info"
            steps = session.execute(
                select(JOURNEY_TABLE.c.step, JOURNEY_TABLE.c.reason).where(
                    JOURNEY_TABLE.c.inbound_id == outcome["inbound_id"]
                )
            ).all()
            received_at = ticket.messages[0].created_at
    finally:
        engine.dispose()
    assert ("received", f"phone for {SUPPORT}") in steps
    assert received_at.isoformat().startswith("2026-11-24T17:05:00")
    assert run(config, "outbox", "flush").returncode == 0
    outbox = sorted((tmp_path / "outbox" / "new").iterdir())
    kinds = [message_from_bytes(p.read_bytes(), policy=default) for p in outbox]
    assert {str(m["To"]) for m in kinds} >= {CLIENT, f"{ANN}, {TOM}"}


def test_a_phoned_in_report_counts_as_authenticated_where_mail_must_be(tmp_path, db_url):
    """With require_authentication, mail without DKIM/SPF is not the contact's; a report that
    staff took by telephone is, because nobody outside the server can write that source."""
    security = {"require_authentication": True, "trusted_authserv_ids": ["mx.zsupport.example"]}
    config = write_config(tmp_path / "config.toml", db_url, tmp_path, security=security)
    result = run(
        config,
        *("tickets", "open", "--client", "Acme Dental", "--contact", CLIENT),
        *("--subject", "Phoned in: calls drop", "--body", TERSE_REPORT, "--json"),
    )
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout)
    assert (outcome["action"], outcome["reason"]) == (
        "created",
        "report from an authorised contact",
    )


def test_a_phone_report_for_someone_else_s_contact_is_refused(tmp_path, db_url):
    config = write_config(tmp_path / "config.toml", db_url, tmp_path)
    result = run(
        config,
        *("tickets", "open", "--client", "Globex", "--contact", CLIENT),
        *("--subject", "x", "--body", "y"),
    )
    assert result.returncode != 0
    assert b"is not a contact of Globex" in result.stderr
    assert b"Traceback" not in result.stderr


def test_check_config_warns_when_no_staff_address_is_configured(tmp_path, db_url):
    config = write_config(
        tmp_path / "config.toml", db_url, tmp_path, staff={"addresses": [], "domains": []}
    )
    result = run(config, "check-config", "--json")
    assert result.returncode == 0, result.stderr
    warnings = json.loads(result.stdout)["warnings"]
    # The staff authority warnings (test_staff_authority.py) are not this test's concern.
    [warning] = [w for w in warnings if w.startswith("no staff queue address")]
    assert "SLA alerts go only to a ticket's assignee" in warning


def test_postfix_redirects_a_staff_reply_all_that_names_the_client(postfix_factory, relay):
    """OPERATIONS.md's advice, on a real Postfix: staff mail to a client domain goes to the
    support address only (permit_mynetworks stands in for permit_sasl_authenticated)."""
    postfix = postfix_factory(
        relay.port,
        extra_main_cf=(
            "smtpd_recipient_restrictions = check_recipient_access "
            "texthash:{config_dir}/client_domains, permit_mynetworks, reject\n"
        ),
        files={"client_domains": f"acmedental.example REDIRECT {SUPPORT}\n"},
    )
    answer = EmailMessage()
    answer["From"] = f"Tom Tech <{TOM}>"
    answer["To"] = CLIENT
    answer["Cc"] = f"{SUPPORT}, {ANN}"
    answer["Subject"] = "Re: [Z-Support #ZS-000001] Phones"
    answer.set_content("Try again now.")
    with smtplib.SMTP(postfix.host, postfix.port) as staff_mta:
        staff_mta.sendmail(TOM, [CLIENT, SUPPORT, ANN], answer.as_bytes(policy=SMTP))
    [delivered] = relay.wait_for(1)
    assert delivered.rcpt_tos == [SUPPORT]
    postfix.wait_for_empty_queue()
    assert len(relay.deliveries) == 1

    # Mail that names no client domain is not touched.
    with smtplib.SMTP(postfix.host, postfix.port) as staff_mta:
        staff_mta.sendmail(TOM, [ANN], answer.as_bytes(policy=SMTP))
    assert relay.wait_for(2)[1].rcpt_tos == [ANN]
