"""A client's helpdesk system relaying an end user's fault, end to end on SQLite and PostgreSQL.

The notification is automatic (Auto-Submitted, "do not reply", a "[Ticket #4471] New ticket"
subject) but what it carries is a person's fault: it opens a ticket we are not sure of (never
charged), staff are copied, and nothing at all is sent to the helpdesk address (RFC 3834).
A second notification carrying our ticket tag joins that ticket; the helpdesk's own
acknowledgement of our mail is still ignored; a person's "out of office tomorrow" is a person's.
"""

from __future__ import annotations

from email import message_from_bytes
from email.policy import default

import pytest
from sqlalchemy import select

from tests.helpers import SUPPORT, make_mail
from zsupport_mail.db.models import Charge, JourneyEvent, OutboundMessage, Ticket

QUEUE = "queue@staffmail.example"
HELPDESK = "Acme IT Helpdesk <helpdesk@acmedental.example>"
NOTIFICATION = (
    "A new ticket has been created by Maria Lopez (front desk).\n\n"
    "Description: The reception phone drops every call after about 30 seconds, "
    "since Monday morning.\n"
    "Priority: normal\n\n"
    "This is an automated message. Please do not reply to this message."
)


@pytest.fixture
def settings(make_settings):
    return make_settings(
        staff={"addresses": [QUEUE], "queue_addresses": [QUEUE], "domains": ["zsupport.example"]}
    )


def ingest(pipeline, raw: bytes):
    return pipeline.ingest(raw, source="test", mailbox=SUPPORT)


def notification(subject: str, body: str, message_id: str) -> bytes:
    return make_mail(
        sender=HELPDESK,
        subject=subject,
        body=body,
        message_id=message_id,
        headers={"Auto-Submitted": "auto-generated", "X-Autoreply": "yes"},
    )


def outbound(sessions) -> list[tuple[str, str, str]]:
    """(kind, recipient, body) of every mail we queued."""
    with sessions.begin() as session:
        rows = session.scalars(select(OutboundMessage).order_by(OutboundMessage.id))
        return [
            (r.kind, r.recipient, message_from_bytes(r.raw, policy=default).get_content())
            for r in rows
        ]


def test_relayed_fault_opens_an_unsure_ticket_copies_staff_and_answers_nothing(pipeline, sessions):
    outcome = ingest(
        pipeline,
        notification("[Ticket #4471] New ticket: reception phone", NOTIFICATION, "<hd-1@acme>"),
    )

    assert (outcome.action, outcome.kind, outcome.reply, outcome.missing) == (
        "created",
        "problem_report",
        None,
        None,
    )
    assert "relayed by the client's helpdesk system" in outcome.reason
    sent = outbound(sessions)
    assert [to for _, to, _ in sent] == [QUEUE]  # staff only: nothing to the helpdesk
    [(kind, _, body)] = sent
    assert kind == "staff_copy"
    assert "drops every call after about 30 seconds" in body
    flat = " ".join(body.split())
    assert "a fault relayed by the client's helpdesk system" in flat
    assert "no reply was sent; nothing charged" in flat
    with sessions.begin() as session:
        ticket = session.scalars(select(Ticket)).one()
        assert (ticket.kind, ticket.number) == ("problem_report", outcome.ticket)
        assert session.scalars(select(Charge)).all() == []  # never charged
        steps = dict(
            session.execute(
                select(JourneyEvent.step, JourneyEvent.outcome).where(
                    JourneyEvent.inbound_id == outcome.inbound_id
                )
            ).all()
        )
        assert steps["kind"] == "problem_report?"
        assert steps["reply"] == "none"


def test_second_notification_with_our_tag_joins_the_ticket_and_gets_no_reply(pipeline, sessions):
    first = ingest(
        pipeline,
        notification("[Ticket #4471] New ticket: reception phone", NOTIFICATION, "<hd-1@acme>"),
    )
    update = (
        "Ticket #4471 has been updated by Maria Lopez.\n\n"
        "Description: Still dropping calls after 30 seconds, now the billing phone too.\n\n"
        "Please do not reply to this message."
    )
    second = ingest(
        pipeline,
        notification(f"[Ticket #4471] Updated: [Z-Support #{first.ticket}]", update, "<hd-2@acme>"),
    )

    assert (second.action, second.ticket, second.reply) == ("appended", first.ticket, None)
    with sessions.begin() as session:
        assert len(session.scalars(select(Ticket)).all()) == 1
        assert session.scalars(select(Charge)).all() == []
    sent = outbound(sessions)
    assert all(to == QUEUE for _, to, _ in sent)  # still nothing to the helpdesk
    assert "now the billing phone too" in sent[-1][2]


def test_helpdesk_acknowledgement_of_our_mail_is_still_ignored(pipeline, sessions):
    ack = (
        "This is an automated message from the Acme Dental IT Helpdesk.\n\n"
        "Your request has been received and assigned incident number INC0012461.\n"
        "Queue: Telephony\n\nPlease do not reply to this message."
    )
    outcome = ingest(pipeline, notification("[Acme IT] Request received: INC0012461", ack, "<a@x>"))

    assert (outcome.action, outcome.reply) == ("ignored", None)
    assert outbound(sessions) == []


def test_persons_out_of_office_subject_with_a_fault_is_a_report_that_is_answered(
    pipeline, sessions
):
    outcome = ingest(
        pipeline,
        make_mail(
            subject="Out of office tomorrow, fax problem",
            body=(
                "Hi, I'm out of the office tomorrow, so please call Lee if you need anything.\n"
                "The fax has been failing since this morning: every outbound fax errors out."
            ),
        ),
    )

    assert (outcome.action, outcome.kind) == ("created", "problem_report")
    assert outcome.reply is not None
    assert any(to == "dana@acmedental.example" for _, to, _ in outbound(sessions))


def test_notification_marked_automatic_only_by_precedence_and_x_autoreply_is_relayed_too(
    pipeline, sessions
):
    raw = make_mail(
        sender=HELPDESK,
        subject="[Ticket #5120] New ticket: paging",
        body=(
            "Reported by: Tom Baker (warehouse)\n"
            "Description: Overhead paging in the warehouse has been silent since this morning."
        ),
        message_id="<hd-5120@acme>",
        headers={"Precedence": "bulk", "X-Autoreply": "yes"},
    )
    outcome = ingest(pipeline, raw)

    assert (outcome.action, outcome.kind, outcome.reply) == ("created", "problem_report", None)
    assert [to for _, to, _ in outbound(sessions)] == [QUEUE]
    with sessions.begin() as session:
        assert session.scalars(select(Charge)).all() == []


def test_out_of_office_reply_naming_a_fault_is_still_ignored(pipeline, sessions):
    raw = make_mail(
        sender="Dana Smith <dana@acmedental.example>",
        subject="Out of Office: Phones drop calls",
        body="I am out of the office until Monday. For urgent phone problems call Lee.",
        message_id="<ooo-1@acme>",
        headers={"X-Autoreply": "yes"},
    )
    outcome = ingest(pipeline, raw)

    assert (outcome.action, outcome.reply) == ("ignored", None)
    assert outbound(sessions) == []


def test_later_notification_about_the_same_helpdesk_ticket_joins_the_first_without_our_tag(
    pipeline, sessions
):
    first = ingest(
        pipeline,
        notification("[Ticket #4471] New ticket: reception phone", NOTIFICATION, "<hd-1@acme>"),
    )
    again = ingest(
        pipeline,
        notification("[Ticket #4471] New ticket: reception phone", NOTIFICATION, "<hd-1b@acme>"),
    )
    other = ingest(
        pipeline,
        notification(
            "[Ticket #4480] New ticket: fax",
            "A new ticket has been created by Tom Baker.\n\nDescription: The fax has failed"
            " every outbound job since this morning.\n\nPlease do not reply to this message.",
            "<hd-3@acme>",
        ),
    )

    assert (again.action, again.ticket, again.reply) == ("appended", first.ticket, None)
    assert other.action == "created"
    assert other.ticket != first.ticket
    with sessions.begin() as session:
        assert len(session.scalars(select(Ticket)).all()) == 2
    assert all(to == QUEUE for _, to, _ in outbound(sessions))


def test_notification_that_says_do_not_reply_without_any_header_gets_no_reply(pipeline, sessions):
    raw = make_mail(
        sender=HELPDESK,
        subject="[Ticket #4490] New ticket: voicemail",
        body=(
            "A new ticket has been created by Ana Ruiz.\n\n"
            "Description: Voicemail to e-mail stopped arriving since Friday for the billing"
            " team.\n\nPlease do not reply to this message."
        ),
        message_id="<hd-4490@acme>",
    )
    outcome = ingest(pipeline, raw)

    assert (outcome.action, outcome.kind, outcome.reply) == ("created", "problem_report", None)
    assert [to for _, to, _ in outbound(sessions)] == [QUEUE]


def test_a_notification_that_repeats_itself_without_a_ticket_number_opens_no_more_tickets(
    pipeline, sessions
):
    body = (
        "Reported by: Tom Baker\nDescription: Voicemail light stays on but there are no"
        " messages, and callers say the mailbox is full.\n\nDo not reply to this e-mail."
    )
    subject = "New helpdesk ticket - voicemail full"
    first = ingest(pipeline, notification(subject, body, "<loop-1@acme>"))
    repeats = [ingest(pipeline, notification(subject, body, f"<loop-{n}@acme>")) for n in (2, 3)]

    assert first.action == "created"
    assert [(r.action, r.ticket, r.reply) for r in repeats] == [
        ("appended", first.ticket, None)
    ] * 2
    with sessions.begin() as session:
        assert len(session.scalars(select(Ticket)).all()) == 1
    assert all(to == QUEUE for _, to, _ in outbound(sessions))  # nothing to the helpdesk
