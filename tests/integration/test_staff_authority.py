"""Staff authority and money needing proof, through the pipeline on SQLite and PostgreSQL.

The forged mails are the ones of issue 21: a staff From address and a guessed subject tag,
asking the client to pay to an attacker's IBAN, with commands that would close the ticket,
waive the surcharge or bill hours. The forgeries through a running ``serve`` are in
tests/acceptance/test_serve_staff_authority.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
from email import message_from_bytes
from email.policy import default

from sqlalchemy import select
from structlog.testing import capture_logs

from tests.helpers import (
    STAFF_SECRET,
    SUPPORT,
    TERSE_REPORT,
    ManualClock,
    make_mail,
    staff_thread,
    write_config,
)
from zsupport_mail.db.models import Charge, JourneyEvent, OutboundMessage, Ticket, TicketMessage
from zsupport_mail.mail.replies import ReplyRenderer
from zsupport_mail.runtime.pipeline import Pipeline

MX = "mx.zsupport.example"
TOM = "Tom Tech <tom@zsupport.example>"
PHISHING = "#status closed\n#waive\n#time 3h\n\nPlease settle invoice 4471 by wire to IBAN "
PHISHING += "DE89 3704 0044 0532 0130 00 today.\n"


def make_pipeline(make_settings, sessions, **overrides) -> Pipeline:
    overrides.setdefault("safety", {"secret": STAFF_SECRET})
    settings = make_settings(**overrides)
    return Pipeline(
        settings=settings, sessions=sessions, renderer=ReplyRenderer(settings), clock=ManualClock()
    )


def ingest(pipeline, raw, **kwargs):
    return pipeline.ingest(raw, source="test", mailbox=SUPPORT, **kwargs)


def outbox(sessions) -> list[OutboundMessage]:
    with sessions.begin() as session:
        return list(session.scalars(select(OutboundMessage).order_by(OutboundMessage.id)))


def charges(sessions) -> list[tuple[str, str]]:
    with sessions.begin() as session:
        return [(c.kind, c.state) for c in session.scalars(select(Charge).order_by(Charge.id))]


def journey(sessions, inbound_id) -> dict[str, str]:
    with sessions.begin() as session:
        rows = session.scalars(select(JourneyEvent).where(JourneyEvent.inbound_id == inbound_id))
        return {f"{e.step}:{e.outcome}": e.reason for e in rows}


def forged(message_id="<forged@x>", **headers: str) -> bytes:
    return make_mail(
        sender=TOM,
        subject="Re: [Z-Support #ZS-000001] Phones",
        body=PHISHING,
        message_id=message_id,
        headers=headers,
    )


def test_forged_staff_reply_is_an_internal_note_and_staff_are_warned(make_settings, sessions):
    pipeline = make_pipeline(make_settings, sessions)
    ingest(pipeline, make_mail(body=TERSE_REPORT))  # incomplete: a pending $100 surcharge
    with capture_logs() as logs:
        outcome = ingest(pipeline, forged())

    [event] = [e for e in logs if e["event"] == "staff_mail_unverified"]
    assert (event["log_level"], event["address"], event["ticket"]) == (
        "warning",
        "tom@zsupport.example",
        "ZS-000001",
    )

    assert outcome.action == "appended"
    assert outcome.reply is None
    with sessions.begin() as session:
        ticket = session.scalars(select(Ticket)).one()
        assert ticket.status == "awaiting_info"
        assert ticket.first_response_at is None
        note = session.scalars(select(TicketMessage).where(TicketMessage.inbound_id == 2)).one()
        assert note.internal is True
    assert charges(sessions) == [("incomplete_report_surcharge", "pending")]  # no #waive, #time
    [notice, warning] = outbox(sessions)
    assert (notice.kind, notice.to_addrs) == ("missing_information", ["dana@acmedental.example"])
    assert (warning.kind, warning.to_addrs) == ("staff_warning", ["tom@zsupport.example"])
    assert all(b"IBAN" not in row.raw for row in outbox(sessions) if row.kind != "staff_warning")
    steps = journey(sessions, outcome.inbound_id)
    assert steps["authority:unverified"].startswith("no trusted MTA's Authentication-Results")
    assert steps["commands:ignored"].startswith("commands from a sender without staff authority")


def test_the_warning_reads_right_and_answering_it_is_proof(make_settings, sessions):
    pipeline = make_pipeline(make_settings, sessions)
    ingest(pipeline, make_mail())
    ingest(pipeline, forged())
    warning = outbox(sessions)[-1]
    mail = message_from_bytes(warning.raw, policy=default)
    body = mail.get_content().replace("\r\n", "\n")
    assert mail["Subject"] == "Re: [Z-Support #ZS-000001] Phones"
    assert mail["Auto-Submitted"] == "auto-replied"
    assert warning.message_id.startswith("<zs.ZS-000001.staff.")
    assert body.startswith(
        "WARNING: unverified mail claiming to be from tom@zsupport.example arrived on\n"
        "ticket ZS-000001. Nothing of it was sent to the client"
    )
    assert "    | Please settle invoice 4471 by wire to IBAN" in body
    assert body.count("reply to this warning") == 1

    # The real Tom answers the warning: a reply to staff-only mail is proof, so it is relayed.
    genuine = make_mail(
        sender=TOM,
        subject=mail["Subject"],
        body="#status pending\n\nPlease reboot the appliance and tell us.\n",
        message_id="<tom-real@zsupport.example>",
        headers={"In-Reply-To": warning.message_id, "References": warning.message_id},
    )
    outcome = ingest(pipeline, genuine)
    assert outcome.reply == "queued"
    relay = outbox(sessions)[-1]
    assert (relay.kind, relay.to_addrs) == ("staff_reply", ["dana@acmedental.example"])
    assert b"IBAN" not in relay.raw
    steps = journey(sessions, outcome.inbound_id)
    assert steps["sender:recognised"].endswith(f"replies to staff-only mail {warning.message_id}")


def test_forged_staff_mail_does_not_reopen_a_closed_ticket(make_settings, sessions):
    pipeline = make_pipeline(make_settings, sessions)
    ingest(pipeline, make_mail())
    ingest(
        pipeline,
        make_mail(
            sender=TOM,
            subject="Re: [Z-Support #ZS-000001] Phones",
            body="#status closed\n\nFixed.\n",
            message_id="<close@zsupport.example>",
            headers=staff_thread(),
        ),
    )
    assert ingest(pipeline, forged()).action == "appended"
    with sessions.begin() as session:
        assert session.scalars(select(Ticket.status)).one() == "closed"


def test_unverified_staff_mail_on_no_ticket_is_quarantined(make_settings, sessions):
    pipeline = make_pipeline(make_settings, sessions)
    outcome = ingest(
        pipeline,
        make_mail(sender=TOM, subject="Invoice 4471", body=PHISHING, message_id="<n@x>"),
    )
    assert outcome.action == "quarantined"
    assert outcome.reason.startswith("unverified mail claiming to be from tom@zsupport.example")
    [warning] = outbox(sessions)
    assert (warning.kind, warning.to_addrs, warning.ticket_id) == (
        "staff_warning",
        ["tom@zsupport.example"],
        None,
    )
    mail = message_from_bytes(warning.raw, policy=default)
    assert mail["Subject"] == "Re: Invoice 4471"
    body = " ".join(mail.get_content().split())
    assert "arrived, naming no ticket. Nothing of it was sent to anyone" in body
    assert f"(zsupport-mail messages show {outcome.inbound_id})" in body
    assert "| Please settle invoice 4471 by wire to IBAN" in body
    assert "reply to this warning" not in body


def test_automatic_unverified_staff_mail_gets_no_warning(make_settings, sessions):
    pipeline = make_pipeline(make_settings, sessions)
    ingest(pipeline, make_mail())
    outcome = ingest(pipeline, forged(**{"Auto-Submitted": "auto-replied"}))
    assert outcome.action == "appended"
    assert [r.kind for r in outbox(sessions)] == ["acknowledgement"]
    assert "warning:none" in journey(sessions, outcome.inbound_id)


def test_warnings_to_one_address_are_rate_limited(make_settings, sessions):
    pipeline = make_pipeline(
        make_settings, sessions, safety={"secret": STAFF_SECRET, "max_auto_replies_per_day": 2}
    )
    ingest(pipeline, make_mail())
    outcomes = [ingest(pipeline, forged(f"<f{n}@x>")) for n in range(4)]
    assert [r.kind for r in outbox(sessions)].count("staff_warning") == 2
    assert "warning:suppressed" in journey(sessions, outcomes[-1].inbound_id)


def test_genuine_staff_through_a_trusted_relay(make_settings, sessions):
    pipeline = make_pipeline(make_settings, sessions, staff={"trusted_relays": ["192.0.2.0/24"]})
    ingest(pipeline, make_mail())
    fresh = make_mail(
        sender=TOM,
        subject="Re: [Z-Support #ZS-000001] Phones",
        body="#status restored\n\nThe trunk is fixed.\n",
        message_id="<fresh@zsupport.example>",
    )
    assert ingest(pipeline, fresh, peer_address="192.0.2.25").reply == "queued"
    assert outbox(sessions)[-1].kind == "staff_reply"


# --- money needs proof -------------------------------------------------------------------


def test_forged_client_report_puts_no_charge_on_the_ledger_until_staff_confirm(
    make_settings, sessions
):
    pipeline = make_pipeline(make_settings, sessions, security={"trusted_authserv_ids": [MX]})
    outcome = ingest(pipeline, make_mail(body=TERSE_REPORT))  # no Authentication-Results
    assert outcome.action == "created"  # the ticket is opened; the notice is sent
    [notice] = outbox(sessions)
    assert notice.kind == "missing_information"
    text = " ".join(message_from_bytes(notice.raw, policy=default).get_content().split())
    assert "additional charge of $100.00 per occurrence. We could not verify that this " in text
    assert "it will be recorded only once we have confirmed that." in text
    assert "It has been recorded" not in text
    assert charges(sessions) == [("incomplete_report_surcharge", "unconfirmed")]
    reason = journey(sessions, outcome.inbound_id)["charge:unconfirmed"]
    assert reason.startswith("incomplete_report_surcharge: first report lacked required ")
    assert "no charge until staff confirm it, the sender is not proven: sender not " in reason

    # Staff (proven by the reply to the staff copy) confirm it: now it is a charge.
    ingest(
        pipeline,
        make_mail(
            sender=TOM,
            subject="Re: [Z-Support #ZS-000001] Phones",
            body="#confirm\n#note\nDana confirmed by phone that she wrote it.\n",
            message_id="<confirm@zsupport.example>",
            headers=staff_thread(),
        ),
    )
    assert charges(sessions) == [("incomplete_report_surcharge", "pending")]


def test_forged_mail_from_a_clients_person_bills_no_hours(make_settings, sessions):
    pipeline = make_pipeline(make_settings, sessions, security={"trusted_authserv_ids": [MX]})
    forged_pat = make_mail(sender="pat@acmedental.example", message_id="<pat@x>")
    assert ingest(pipeline, forged_pat).action == "unauthorized"
    assert charges(sessions) == [("billable_communication", "unconfirmed")]


def test_authenticated_client_is_charged_as_before(make_settings, sessions):
    pipeline = make_pipeline(make_settings, sessions, security={"trusted_authserv_ids": [MX]})
    dkim = f"{MX}; dkim=pass header.d=acmedental.example"
    ingest(pipeline, make_mail(body=TERSE_REPORT, headers={"Authentication-Results": dkim}))
    assert charges(sessions) == [("incomplete_report_surcharge", "pending")]
    [notice] = outbox(sessions)
    assert b"It has been recorded on this ticket." in notice.raw


def test_without_trusted_authserv_ids_charges_rest_on_the_address(make_settings, sessions):
    pipeline = make_pipeline(make_settings, sessions)
    ingest(pipeline, make_mail(body=TERSE_REPORT))
    assert charges(sessions) == [("incomplete_report_surcharge", "pending")]


def test_charges_confirm_and_check_config_from_the_cli(make_settings, sessions, tmp_path, db_url):
    pipeline = make_pipeline(make_settings, sessions, security={"trusted_authserv_ids": [MX]})
    ingest(pipeline, make_mail(body=TERSE_REPORT))
    unsafe = write_config(tmp_path / "unsafe.toml", db_url, tmp_path)
    safe = write_config(
        tmp_path / "safe.toml",
        db_url,
        tmp_path,
        safety={"secret": STAFF_SECRET},
        security={"trusted_authserv_ids": [MX]},
        staff={"trusted_relays": ["10.0.0.25"]},
    )

    def run(config, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "zsupport_mail", "--config", str(config), *args],
            capture_output=True,
            text=True,
            timeout=60,
        )

    [held] = json.loads(run(safe, "charges", "list", "--json", "--state", "unconfirmed").stdout)
    refused = run(safe, "charges", "confirm", str(held["id"] + 1), "--reason", "x")
    assert (refused.returncode, refused.stderr.strip()) == (1, f"error: no charge {held['id'] + 1}")
    confirmed = json.loads(
        run(safe, "charges", "confirm", str(held["id"]), "--reason", "phone").stdout
    )
    assert confirmed["state"] == "pending"
    assert confirmed["reason"].endswith(" | confirmed: phone")
    again = run(safe, "charges", "confirm", str(held["id"]), "--reason", "phone")
    assert "is pending, not unconfirmed" in again.stderr

    warnings = json.loads(run(unsafe, "check-config", "--json").stdout)["warnings"]
    # Warnings about where staff copies go (test_staff_desk.py) are not this test's concern.
    warnings = [w for w in warnings if not w.startswith("no staff queue address")]
    assert [w.split(":")[0] for w in warnings] == [
        "charges rest on the From address alone",
        "no [safety] secret",
        "staff authority rests on replies to staff-only mail alone",
    ]
    checked = json.loads(run(safe, "check-config", "--json").stdout)
    # Warnings about where staff copies go (test_staff_desk.py) are not this test's concern.
    authority = [w for w in checked["warnings"] if not w.startswith("no staff queue address")]
    assert (authority, checked["staff_trusted_relays"]) == ([], ["10.0.0.25/32"])
    assert "warning: charges rest on the From address alone" in run(unsafe, "check-config").stdout
