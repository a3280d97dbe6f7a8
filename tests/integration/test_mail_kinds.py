"""What each mail is, end to end on SQLite and PostgreSQL: only a problem report is charged.

Mails from the tuned intent set (tests/fixtures/intent) go through the real pipeline; the
tests assert the kind in ingest's outcome, on the ticket and in the journey, the reply the
client gets and the ledger.
"""

from __future__ import annotations

from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.helpers import STAFF_SECRET, SUPPORT, TERSE_REPORT, make_mail, staff_thread
from zsupport_mail.db.models import (
    Charge,
    InboundMessage,
    JourneyEvent,
    OutboundMessage,
    Ticket,
)
from zsupport_mail.queues.outbox import queue_mail
from zsupport_mail.settings.clock import utc_now

INTENT = Path(__file__).resolve().parents[1] / "fixtures" / "intent"


def ingest(pipeline, raw: bytes):
    return pipeline.ingest(raw, source="test", mailbox=SUPPORT)


@pytest.fixture
def settings(make_settings):
    """Staff replies in these tests prove themselves by the staff copy, which needs a secret."""
    return make_settings(safety={"secret": STAFF_SECRET})


def fixture(name: str) -> bytes:
    return next(INTENT.glob(f"{name}_*.eml")).read_bytes()


def replies(sessions) -> list[tuple[str, str]]:
    with sessions.begin() as session:
        rows = session.scalars(select(OutboundMessage).order_by(OutboundMessage.id))
        return [(r.kind, message_from_bytes(r.raw, policy=default).get_content()) for r in rows]


def charges(sessions) -> list[tuple[str, str]]:
    with sessions.begin() as session:
        return [(c.kind, c.state) for c in session.scalars(select(Charge).order_by(Charge.id))]


def ticket_kind(sessions) -> str:
    with sessions.begin() as session:
        return session.scalars(select(Ticket.kind)).one()


@pytest.mark.parametrize(
    ("name", "kind", "says"),
    [
        ("037", "contact_change", "changing your authorised IT contacts"),
        ("045", "scheduling_request", "advance engineering review"),
        ("053", "scheduling_request", "at least 7 calendar days' notice"),
        ("056", "credit_request", "on ZS-000118"),
        ("080", "rma_shipment", "tracking 771845203361"),
        ("091", "other", "A member of our team will answer it."),
    ],
)
def test_mail_that_is_not_a_problem_report_gets_a_receipt_and_no_charge(
    pipeline, sessions, name, kind, says
):
    outcome = ingest(pipeline, fixture(name))

    assert (outcome.action, outcome.kind, outcome.missing) == ("created", kind, None)
    assert ticket_kind(sessions) == kind
    [(reply_kind, body)] = replies(sessions)
    assert reply_kind == "received"
    assert says in " ".join(body.split())
    assert "$100" not in body
    assert "recorded on this ticket" not in body
    assert charges(sessions) == []
    with sessions.begin() as session:
        row = session.get_one(InboundMessage, outcome.inbound_id)
        assert row.kind == kind
        steps = session.scalars(
            select(JourneyEvent.outcome).where(
                JourneyEvent.inbound_id == outcome.inbound_id, JourneyEvent.step == "kind"
            )
        ).all()
        assert steps == [kind]
        # No SLA clock: the contract's times run from notification of a problem.
        assert session.scalars(select(Ticket.sla_started_at)).one() is None


def test_problem_report_still_gets_the_checklist_notice_and_the_surcharge(pipeline, sessions):
    outcome = ingest(pipeline, make_mail(body=TERSE_REPORT))

    assert (outcome.action, outcome.kind) == ("created", "problem_report")
    assert outcome.missing
    [(reply_kind, _body)] = replies(sessions)
    assert reply_kind == "missing_information"
    assert charges(sessions) == [("incomplete_report_surcharge", "pending")]


def test_unsure_report_opens_a_ticket_asks_and_charges_nothing(pipeline, sessions):
    outcome = ingest(pipeline, fixture("014"))  # "Need someone to call me asap about the phones"

    assert (outcome.action, outcome.kind, outcome.missing) == ("created", "problem_report", None)
    [(reply_kind, body)] = replies(sessions)
    assert reply_kind == "received"
    assert "If you are reporting a problem" in body
    assert "Nothing has been charged" in body
    assert charges(sessions) == []
    with sessions.begin() as session:
        [step] = session.scalars(select(JourneyEvent).where(JourneyEvent.step == "kind"))
        assert step.outcome == "problem_report?"
        assert "staff decide" in step.reason


def _announce_outage(sessions, settings, message_id: str) -> None:
    """An outage announcement as `outage announce` records it: an outbox row with its ID."""
    notice = EmailMessage()
    notice["From"], notice["To"] = SUPPORT, "lee@acmedental.example"
    notice["Subject"] = "[Z-Support] Planned maintenance on your MX system"
    notice["Message-ID"] = message_id
    notice.set_content("Planned maintenance.")
    with sessions.begin() as session:
        queue_mail(
            session,
            settings.outbound,
            notice,
            kind="outage_planned",
            now=utc_now(),
            automatic=False,
        )


def test_answer_to_our_outage_notice_is_noted_on_it_not_taken_for_a_report(
    pipeline, sessions, settings
):
    _announce_outage(sessions, settings, "<notice.outage.1@zsupport.example>")

    outcome = ingest(pipeline, fixture("064"))  # "ok thanks", in the notice's thread

    assert (outcome.action, outcome.kind, outcome.ticket) == ("noted", "notice_reply", None)
    assert "answers our outage notice" in outcome.reason
    assert [kind for kind, _ in replies(sessions)] == ["outage_planned"]  # no reply to it
    assert charges(sessions) == []
    with sessions.begin() as session:
        row = session.get_one(InboundMessage, outcome.inbound_id)
        assert (row.status, row.notice_message_id) == (
            "done",
            "<notice.outage.1@zsupport.example>",
        )
        assert session.scalars(select(Ticket)).all() == []


def test_fault_reported_in_reply_to_our_outage_notice_is_a_report(pipeline, sessions, settings):
    _announce_outage(sessions, settings, "<notice.outage.1@zsupport.example>")

    outcome = ingest(pipeline, fixture("011"))  # "Since your maintenance ... no calls"

    assert (outcome.action, outcome.kind) == ("created", "problem_report")
    # A fault since our own maintenance is asked about, never billed as missing information.
    assert [kind for kind, _ in replies(sessions)] == ["outage_planned", "received"]
    assert charges(sessions) == []


@pytest.mark.parametrize("name", ["093", "096"])
def test_domino_and_challenge_response_auto_replies_get_no_answer(pipeline, sessions, name):
    raw = fixture(name)
    if name == "096":  # the real challenge mails often carry no Auto-Submitted header
        raw = raw.replace(b"Auto-Submitted: auto-replied\r\n", b"")
    outcome = ingest(pipeline, raw)

    assert (outcome.action, outcome.reply) == ("ignored", None)
    assert replies(sessions) == []


def test_staff_kind_command_reclassifies_and_waives_the_surcharge(pipeline, sessions):
    ingest(pipeline, make_mail(body=TERSE_REPORT))
    outcome = ingest(
        pipeline,
        make_mail(
            sender="Tom Tech <tom@zsupport.example>",
            subject="Re: [Z-Support #ZS-000001] Phones",
            body="#kind other\n#note\n\nA question about billing, not a fault.",
            message_id="<staff-1@zsupport.example>",
            headers=staff_thread(),  # a reply to the staff copy: staff authority's proof
        ),
    )

    assert outcome.action == "appended"
    assert ticket_kind(sessions) == "other"
    assert charges(sessions) == [("incomplete_report_surcharge", "waived")]


def test_credit_request_is_recorded_on_the_ticket_it_names(pipeline, sessions):
    ingest(pipeline, make_mail(body=TERSE_REPORT))  # ZS-000001, Dana's (Acme Dental)
    outcome = ingest(
        pipeline,
        make_mail(
            subject="SLA credit ZS-000001",
            body="Please consider this our written request for the SLA credit for ZS-000001 "
            "and ZS-000777; we were down for nine hours.",
            message_id="<credit-1@acmedental.example>",
        ),
    )

    assert (outcome.action, outcome.kind) == ("created", "credit_request")
    with sessions.begin() as session:
        requested = session.scalars(
            select(Ticket.number)
            .join(Charge, Charge.ticket_id == Ticket.id)
            .where(Charge.kind == "sla_credit_requested")
        ).all()
        journey = session.scalars(
            select(JourneyEvent.reason).where(
                JourneyEvent.inbound_id == outcome.inbound_id, JourneyEvent.step == "credit"
            )
        ).all()
    assert requested == ["ZS-000001"]
    assert journey == ["ZS-000777: not this client's"]


@pytest.mark.parametrize(("days_ahead", "remark"), [(3, True), (20, False)])
def test_scheduling_request_on_short_notice_is_told_so_politely(
    pipeline, sessions, days_ahead, remark
):
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    day = (utc_now().astimezone(ZoneInfo("America/Denver")) + timedelta(days=days_ahead)).date()
    outcome = ingest(
        pipeline,
        make_mail(
            subject="MXIE training",
            body=f"Could we book an MXIE training session for two new people on {day:%Y-%m-%d}?",
        ),
    )

    assert outcome.kind == "scheduling_request"
    [(_kind, body)] = replies(sessions)
    text = " ".join(body.split())
    assert "at least 7 calendar days' notice" in text
    assert (f"You asked for {day:%A %d %B %Y}, which is less than 7 days away" in text) is remark
    assert "engineering review" not in text  # training is no network change


def _recipients(sessions, kind: str) -> list[list[str]]:
    with sessions.begin() as session:
        rows = session.scalars(select(OutboundMessage).where(OutboundMessage.kind == kind))
        return [list(r.to_addrs) for r in rows]


def test_contact_change_receipt_goes_to_the_sender_and_both_authorised_contacts(pipeline, sessions):
    outcome = ingest(pipeline, fixture("037"))  # Dana's written notice

    assert (outcome.action, outcome.kind) == ("created", "contact_change")
    assert _recipients(sessions, "received") == [
        ["dana@acmedental.example", "lee@acmedental.example"]
    ]


def test_new_contact_announcing_himself_gets_the_receipt_and_no_hourly_charge(pipeline, sessions):
    outcome = ingest(pipeline, fixture("044"))  # Carl, not yet a listed contact of Globex

    assert (outcome.action, outcome.kind) == ("unauthorized", "contact_change")
    assert _recipients(sessions, "received") == [
        ["carl.bauer@globex.example", "hank@globex.example"]
    ]
    assert _recipients(sessions, "unauthorized") == []
    assert charges(sessions) == []


def run_cli(settings, *args: str):
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-m", "zsupport_mail", "--config", str(settings.source), *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_staff_confirm_the_notice_with_contacts_import_on_its_ticket(
    pipeline, sessions, settings, tmp_path
):
    import json

    from zsupport_mail.contacts.history import load_periods

    ingest(pipeline, fixture("038"))  # Hank: "Add Carl Bauer as our backup contact"
    notice = tmp_path / "globex.csv"
    notice.write_text(
        "client,name,email,role\n"
        "Globex,Hank Scorpio,hank@globex.example,primary\n"
        "Globex,Carl Bauer,carl.bauer@globex.example,backup\n",
        encoding="utf-8",
    )
    result = run_cli(settings, "contacts", "import", "--json", "--ticket", "zs-000001", str(notice))

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["ticket"] == "ZS-000001"
    assert [a["email"] for a in report["clients"][0]["added"]] == ["carl.bauer@globex.example"]
    with sessions.begin() as session:
        ticket = session.scalars(select(Ticket)).one()
        assert ticket.status == "closed"
        [note] = [m for m in ticket.messages if m.internal]
        assert "+ Carl Bauer <carl.bauer@globex.example> backup" in note.body_text
        carl = [p for p in load_periods(session, client="Globex") if p.email.startswith("carl")]
        assert carl
        assert carl[0].note == "written notice on ticket ZS-000001"
    listed = run_cli(settings, "tickets", "list", "--json")
    assert [t["kind"] for t in json.loads(listed.stdout)] == ["contact_change"]


def test_contacts_import_refuses_a_ticket_that_is_no_contact_change(
    pipeline, sessions, settings, tmp_path
):
    ingest(pipeline, make_mail(body=TERSE_REPORT))
    notice = tmp_path / "acme.csv"
    notice.write_text(
        "client,name,email,role\nAcme Dental,Dana Smith,dana@acmedental.example,primary\n",
        encoding="utf-8",
    )

    result = run_cli(settings, "contacts", "import", "--ticket", "ZS-000001", str(notice))

    assert result.returncode == 1
    assert "is a problem_report, not a contact_change" in result.stderr


def test_rma_shipment_details_go_on_the_rmas_ticket(pipeline, sessions):
    ingest(pipeline, make_mail())  # ZS-000001
    ingest(
        pipeline,
        make_mail(
            sender="Tom Tech <tom@zsupport.example>",
            subject="Re: [Z-Support #ZS-000001] Phones",
            body="#rma\n\nPlease test the board as described and ship it back.",
            message_id="<staff-rma@zsupport.example>",
            headers=staff_thread(),  # a reply to the staff copy: staff authority's proof
        ),
    )
    later = ingest(
        pipeline,
        make_mail(
            subject="RMA 30117 - return",
            body="We packed the defective board today; I will send the tracking information "
            "tomorrow. Our PO for it was PO 45871.",
            message_id="<rma-1@acmedental.example>",
        ),
    )
    with sessions.begin() as session:
        assert session.scalars(select(Ticket.rma_tracking)).one() is None
    shipped = ingest(
        pipeline,
        make_mail(
            subject="RMA 30117 shipped",
            body="The defective board for RMA 30117 went out this morning: UPS 1Z8V4E290311874420.",
            message_id="<rma-2@acmedental.example>",
        ),
    )

    assert (later.action, later.ticket, later.kind) == ("appended", "ZS-000001", "rma_shipment")
    assert (shipped.action, shipped.ticket) == ("appended", "ZS-000001")
    with sessions.begin() as session:
        ticket = session.scalars(select(Ticket)).one()
        assert (ticket.rma_state, ticket.rma_tracking) == ("returned", "1Z8V4E290311874420")


def test_credit_request_naming_only_a_day_is_recorded_on_the_missed_restoration(settings, sessions):
    from tests.helpers import ManualClock
    from zsupport_mail.mail.replies import ReplyRenderer
    from zsupport_mail.runtime.pipeline import Pipeline

    clock = ManualClock()  # Thu 26 Nov 2026 10:00 in Denver
    pipeline = Pipeline(settings, sessions, ReplyRenderer(settings), clock, "test")
    ingest(pipeline, make_mail(subject="Phones down: no calls in or out"))  # critical, complete
    clock.advance(days=3)  # never restored: the restoration target was missed
    outcome = ingest(
        pipeline,
        make_mail(
            subject="Credit for the outage",
            body="We were without phones on November 26 for the whole day. Please take this as "
            "our written request for the SLA credit.",
            message_id="<credit-2@acmedental.example>",
        ),
    )

    assert outcome.kind == "credit_request"
    with sessions.begin() as session:
        requested = session.scalars(
            select(Ticket.number)
            .join(Charge, Charge.ticket_id == Ticket.id)
            .where(Charge.kind == "sla_credit_requested")
        ).all()
    assert requested == ["ZS-000001"]
