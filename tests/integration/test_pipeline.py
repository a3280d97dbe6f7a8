"""The intake pipeline end to end on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from email import message_from_bytes
from email.policy import default

import pytest
from sqlalchemy import func, select

from tests.helpers import SUPPORT, ManualClock, make_mail
from zsupport_mail.db.models import (
    Charge,
    InboundMessage,
    JourneyEvent,
    OutboundMessage,
    Ticket,
    TicketMessage,
)
from zsupport_mail.db.repos import sync_directory
from zsupport_mail.mail.replies import ReplyRenderer
from zsupport_mail.queues.inbox import requeue
from zsupport_mail.queues.outbox import deliver_due
from zsupport_mail.runtime.pipeline import Pipeline
from zsupport_mail.settings.clock import utc_now


def ingest(pipeline: Pipeline, raw: bytes, mailbox: str = SUPPORT):
    return pipeline.ingest(raw, source="test", mailbox=mailbox)


def count(sessions, model) -> int:
    with sessions.begin() as session:
        return session.scalar(select(func.count()).select_from(model))


def outbox(sessions) -> list[OutboundMessage]:
    with sessions.begin() as session:
        return list(session.scalars(select(OutboundMessage).order_by(OutboundMessage.id)))


def journey(sessions, inbound_id: int) -> list[tuple[str, str]]:
    with sessions.begin() as session:
        events = session.scalars(
            select(JourneyEvent)
            .where(JourneyEvent.inbound_id == inbound_id)
            .order_by(JourneyEvent.id)
        )
        return [(e.step, e.outcome) for e in events]


def test_report_from_authorised_contact_creates_ticket_and_acknowledgement(pipeline, sessions):
    outcome = ingest(pipeline, make_mail())

    assert outcome.action == "created"
    assert outcome.ticket == "ZS-000001"
    assert outcome.reply == "queued"
    assert outcome.message_id == "<report-1@acmedental.example>"
    [reply] = outbox(sessions)
    assert reply.to_addrs == ["dana@acmedental.example"]
    assert reply.subject == "Re: [Z-Support #ZS-000001] Phones drop calls after 30 seconds"
    parsed = message_from_bytes(reply.raw, policy=default)
    assert parsed["In-Reply-To"] == "<report-1@acmedental.example>"
    assert parsed["Auto-Submitted"] == "auto-replied"
    assert parsed["X-Zsupport-Loop"] == SUPPORT
    assert "ticket ZS-000001" in parsed.get_content()
    with sessions.begin() as session:
        ticket = session.scalar(select(Ticket))
        assert (ticket.status, ticket.authorized, ticket.requester_email) == (
            "open",
            True,
            "dana@acmedental.example",
        )
        assert [m.direction for m in ticket.messages] == ["inbound", "outbound"]
    assert journey(sessions, outcome.inbound_id) == [
        ("received", "ok"),
        ("stored", "ok"),
        ("parsed", "ok"),
        ("sender", "recognised"),
        ("authorisation", "ok"),
        ("thread", "new"),
        ("kind", "problem_report"),
        ("decision", "created"),
        ("ticket", "created"),
        ("scoring", "complete"),
        ("sla", "started"),
        ("sla", "due"),
        ("reply", "queued"),
    ]


def test_same_message_twice_is_one_entry(pipeline, sessions):
    first = ingest(pipeline, make_mail())
    second = ingest(pipeline, make_mail())

    assert second.action == "duplicate"
    assert second.ticket == first.ticket
    assert count(sessions, InboundMessage) == 1
    assert count(sessions, Ticket) == 1
    assert len(outbox(sessions)) == 1


def test_same_message_to_two_support_addresses_is_kept_twice(pipeline, sessions):
    ingest(pipeline, make_mail(), mailbox=SUPPORT)
    other = ingest(pipeline, make_mail(), mailbox="billing@zsupport.example")

    assert other.action != "duplicate"
    assert count(sessions, InboundMessage) == 2


def test_message_without_message_id_is_deduplicated_by_content(pipeline, sessions):
    raw = make_mail(message_id=None)
    assert ingest(pipeline, raw).action == "created"
    assert ingest(pipeline, raw).action == "duplicate"
    assert ingest(pipeline, raw.replace(b"exactly 30", b"exactly 31")).action == "created"


def test_unknown_person_at_client_domain_gets_unauthorized_ticket_and_notice(pipeline, sessions):
    outcome = ingest(
        pipeline,
        make_mail(sender="Temp <temp@acmedental.example>", message_id="<u1@acmedental.example>"),
    )

    assert outcome.action == "unauthorized"
    assert outcome.ticket == "ZS-000001"
    assert outcome.reply == "queued"
    [reply] = outbox(sessions)
    body = message_from_bytes(reply.raw, policy=default).get_content()
    assert "billable" in body
    assert "Dana Smith (primary)" in body
    assert "Lee Jones (backup)" in body
    assert "Pat Reception" not in body
    with sessions.begin() as session:
        ticket = session.scalar(select(Ticket))
        assert ticket.authorized is False
        [charge] = session.scalars(select(Charge))
        assert (charge.kind, charge.state, charge.amount) == (
            "billable_communication",
            "pending",
            None,
        )


def test_listed_contact_with_role_other_is_unauthorized(pipeline):
    outcome = ingest(pipeline, make_mail(sender="pat@acmedental.example", message_id="<p@x>"))
    assert outcome.action == "unauthorized"
    assert "other contact" in outcome.reason


def test_unknown_domain_is_quarantined_without_reply(pipeline, sessions):
    outcome = ingest(pipeline, make_mail(sender="someone@stranger.example", message_id="<s@x>"))

    assert outcome.action == "quarantined"
    assert "stranger.example belongs to no client" in outcome.reason
    assert outcome.ticket is None
    assert outcome.reply is None
    assert outbox(sessions) == []
    with sessions.begin() as session:
        row = session.get_one(InboundMessage, outcome.inbound_id)
        assert row.status == "quarantined"
        assert row.raw.startswith(b"From: someone@stranger.example")


def test_display_name_of_a_contact_does_not_authorise(pipeline):
    outcome = ingest(
        pipeline,
        make_mail(sender='"dana@acmedental.example" <x@stranger.example>', message_id="<spoof@x>"),
    )
    assert outcome.action == "quarantined"


def test_contact_address_case_and_domain_case_are_ignored(pipeline):
    outcome = ingest(pipeline, make_mail(sender="DANA@AcmeDental.EXAMPLE"))
    assert outcome.action == "created"


def test_reply_referencing_our_acknowledgement_is_appended(pipeline, sessions):
    first = ingest(pipeline, make_mail())
    [ack] = outbox(sessions)
    reply = make_mail(
        subject="Re: something else entirely",
        message_id="<r2@acmedental.example>",
        headers={"In-Reply-To": ack.message_id, "References": ack.message_id},
    )

    outcome = ingest(pipeline, reply)

    assert outcome.action == "appended"
    assert outcome.ticket == first.ticket
    assert "references" in outcome.reason
    assert count(sessions, Ticket) == 1


def test_subject_tag_from_the_clients_contact_is_appended(pipeline, sessions):
    ingest(pipeline, make_mail())
    outcome = ingest(
        pipeline,
        make_mail(
            sender="lee@acmedental.example",
            subject="RE: [Z-Support #ZS-000001] more info",
            message_id="<r3@acmedental.example>",
        ),
    )
    assert (outcome.action, outcome.ticket) == ("appended", "ZS-000001")


def test_subject_tag_from_another_clients_contact_opens_a_new_ticket(pipeline, sessions):
    ingest(pipeline, make_mail())
    outcome = ingest(
        pipeline,
        make_mail(
            sender="hank@globex.example",
            subject="Re: [Z-Support #ZS-000001] me too",
            message_id="<g1@globex.example>",
        ),
    )
    assert outcome.action == "created"
    assert outcome.ticket == "ZS-000002"
    assert journey(sessions, outcome.inbound_id)[5] == ("thread", "new")


@pytest.mark.parametrize(
    ("headers", "expected_reason"),
    [
        ({"Auto-Submitted": "auto-replied"}, "Auto-Submitted"),
        ({"Precedence": "bulk"}, "Precedence"),
        ({"List-Id": "<list.example>"}, "list-id"),
        ({"X-Autoreply": "yes"}, "x-autoreply"),
    ],
)
def test_automatic_mail_gets_no_reply(pipeline, sessions, headers, expected_reason):
    outcome = ingest(pipeline, make_mail(headers=headers))
    assert outcome.action == "ignored"
    assert expected_reason in outcome.reason
    assert outbox(sessions) == []


def test_automatic_mail_on_a_ticket_is_stored_without_reply(pipeline, sessions):
    ingest(pipeline, make_mail())
    outcome = ingest(
        pipeline,
        make_mail(
            subject="Out of office: [Z-Support #ZS-000001]",
            message_id="<ooo@acmedental.example>",
            headers={"Auto-Submitted": "auto-replied"},
        ),
    )
    assert outcome.action == "appended"
    assert outcome.reply is None
    assert len(outbox(sessions)) == 1


def test_bounce_from_mailer_daemon_gets_no_reply(pipeline, sessions):
    outcome = ingest(
        pipeline, make_mail(sender="MAILER-DAEMON@acmedental.example", message_id="<b@x>")
    )
    assert outcome.action == "ignored"
    assert outbox(sessions) == []


def test_our_own_reply_coming_back_is_ignored(pipeline, sessions):
    ingest(pipeline, make_mail())
    [ack] = outbox(sessions)
    outcome = ingest(pipeline, ack.raw)
    assert outcome.action == "ignored"
    assert "loop" in outcome.reason or "own address" in outcome.reason
    assert len(outbox(sessions)) == 1


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "empty message"),
        (b"To: support@zsupport.example\r\nSubject: no sender\r\n\r\nbody\r\n", "no usable From"),
        (b"From: not an address\r\nSubject: x\r\n\r\nbody\r\n", "no usable From"),
    ],
)
def test_malformed_mail_is_stored_and_quarantined_with_reason(pipeline, sessions, raw, reason):
    outcome = ingest(pipeline, raw)
    assert outcome.action == "quarantined"
    assert reason in outcome.reason
    with sessions.begin() as session:
        row = session.get_one(InboundMessage, outcome.inbound_id)
        assert (row.status, row.raw) == ("quarantined", raw)


def test_undecodable_body_is_handled(pipeline):
    raw = (
        b"From: dana@acmedental.example\r\nTo: support@zsupport.example\r\nSubject: bytes\r\n"
        b"Message-ID: <bad-charset@x>\r\nContent-Type: text/plain; charset=x-no-such-charset\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n!!!not base64\xff\xfe\r\n"
    )
    outcome = ingest(pipeline, raw)
    assert outcome.action in ("created", "quarantined")
    assert outcome.reason


def test_reprocess_is_idempotent(pipeline, sessions):
    first = ingest(pipeline, make_mail())
    requeue(sessions, first.inbound_id, utc_now())
    again = pipeline.process(first.inbound_id)

    assert again.action == "duplicate"
    assert again.ticket == first.ticket
    assert count(sessions, Ticket) == 1
    assert len(outbox(sessions)) == 1


def test_reprocess_after_the_client_is_added_makes_the_ticket(make_settings, sessions):
    settings = make_settings()
    pipeline = Pipeline(
        settings=settings, sessions=sessions, renderer=ReplyRenderer(settings), clock=utc_now
    )
    stranger = ingest(pipeline, make_mail(sender="ops@initech.example", message_id="<i1@x>"))
    assert stranger.action == "quarantined"

    from tests.helpers import BASE_CONFIG

    clients = [
        *BASE_CONFIG["clients"],
        {
            "name": "Initech",
            "domains": ["initech.example"],
            "timezone": "UTC",
            "contacts": [{"name": "Ops", "email": "ops@initech.example", "role": "primary"}],
        },
    ]
    fixed = make_settings(clients=clients)
    with sessions.begin() as session:
        sync_directory(session, fixed)
    pipeline = Pipeline(
        settings=fixed, sessions=sessions, renderer=ReplyRenderer(fixed), clock=utc_now
    )
    requeue(sessions, stranger.inbound_id, utc_now())
    outcome = pipeline.process(stranger.inbound_id)
    assert outcome.action == "created"


def test_processing_error_rolls_back_retries_then_quarantines(make_settings, sessions, tmp_path):
    broken = tmp_path / "broken-templates"
    broken.mkdir()
    (broken / "acknowledgement.txt.j2").write_text("{{ no_such_variable }}")
    settings = make_settings(templates={"directory": str(broken)})
    clock = ManualClock()
    pipeline = Pipeline(
        settings=settings, sessions=sessions, renderer=ReplyRenderer(settings), clock=clock
    )

    first = ingest(pipeline, make_mail())

    assert first.action == "failed"
    assert count(sessions, Ticket) == 0  # the whole transaction rolled back
    assert pipeline.process(first.inbound_id).action == "deferred"  # backoff: not due yet
    outcomes = []
    for _ in range(settings.processing.max_attempts - 1):
        clock.advance(hours=1)
        outcomes.append(pipeline.process(first.inbound_id).action)
    assert outcomes == ["failed"] * (settings.processing.max_attempts - 2) + ["quarantined"]
    with sessions.begin() as session:
        row = session.get_one(InboundMessage, first.inbound_id)
        assert row.status == "quarantined"
        assert "no_such_variable" in row.last_error
        assert row.attempts == settings.processing.max_attempts
    assert count(sessions, Ticket) == 0


def test_outbox_delivers_to_maildir_once(pipeline, sessions, settings):
    ingest(pipeline, make_mail())
    report = deliver_due(sessions, settings.outbound, utc_now())
    again = deliver_due(sessions, settings.outbound, utc_now())

    assert (report.sent, again.sent) == (1, 0)
    [path] = (settings.outbound.maildir / "new").iterdir()
    assert b"[Z-Support #ZS-000001]" in path.read_bytes()
    [row] = outbox(sessions)
    assert row.status == "sent"


def test_attachments_metadata_is_recorded(pipeline, sessions):
    from email.message import EmailMessage
    from email.policy import SMTP

    message = EmailMessage()
    message["From"] = "dana@acmedental.example"
    message["To"] = SUPPORT
    message["Subject"] = "call log attached"
    message["Message-ID"] = "<att@acmedental.example>"
    message.set_content("see attached")
    message.add_attachment(
        b"date,from,to\n2026-11-26 10:00,2045,3035550199\n",
        maintype="text",
        subtype="csv",
        filename="calls.csv",
    )
    outcome = ingest(pipeline, message.as_bytes(policy=SMTP))

    assert outcome.action == "created"
    with sessions.begin() as session:
        stored = session.scalar(select(TicketMessage).where(TicketMessage.direction == "inbound"))
        [attachment] = stored.attachments
        assert (attachment.filename, attachment.content_type, attachment.size) == (
            "calls.csv",
            "text/csv",
            46,
        )
