"""Threading, staff replies in-thread with commands, and loop safety, on a real database."""

from __future__ import annotations

import base64
from datetime import timedelta
from email import message_from_bytes
from email.policy import default

from sqlalchemy import select

from tests.helpers import STAFF_SECRET, SUPPORT, TERSE_REPORT, ManualClock, make_mail, staff_thread
from zsupport_mail.db.models import Charge, OutboundMessage, Ticket, TicketMessage
from zsupport_mail.mail.replies import ReplyRenderer
from zsupport_mail.mail.tokens import make_message_id
from zsupport_mail.runtime.pipeline import Pipeline

STAFF = "Tom Tech <tom@zsupport.example>"
SECRET = STAFF_SECRET


def make_pipeline(make_settings, sessions, clock=None, **overrides) -> Pipeline:
    overrides.setdefault("safety", {"secret": SECRET})
    settings = make_settings(**overrides)
    return Pipeline(
        settings=settings,
        sessions=sessions,
        renderer=ReplyRenderer(settings),
        clock=clock or ManualClock(),
    )


def ingest(pipeline, raw):
    return pipeline.ingest(raw, source="test", mailbox=SUPPORT)


def outbox(sessions) -> list[OutboundMessage]:
    with sessions.begin() as session:
        return list(session.scalars(select(OutboundMessage).order_by(OutboundMessage.id)))


def the_ticket(sessions, number="ZS-000001") -> Ticket:
    with sessions.begin() as session:
        return session.scalars(select(Ticket).where(Ticket.number == number)).one()


def staff_reply(body: str, number: int = 1, subject="Re: [Z-Support #ZS-000001] Phones") -> bytes:
    """A staff member's reply to the staff copy of the ticket named in subject."""
    ticket = subject.partition("#")[2].partition("]")[0]
    return make_mail(
        sender=STAFF,
        subject=subject,
        body=body,
        message_id=f"<staff-{number}@zsupport.example>",
        headers=staff_thread(ticket),
    )


def test_staff_reply_is_relayed_from_the_support_address_in_thread(make_settings, sessions):
    pipeline = make_pipeline(make_settings, sessions)
    ingest(pipeline, make_mail())
    outcome = ingest(
        pipeline,
        staff_reply(
            "#status restored\n#assign Tom\n\nWe replaced the trunk config; calls hold now.\n"
        ),
    )

    assert (outcome.action, outcome.reply) == ("appended", "queued")
    relay = outbox(sessions)[-1]
    parsed = message_from_bytes(relay.raw, policy=default)
    assert relay.kind == "staff_reply"
    assert relay.to_addrs == ["dana@acmedental.example"]
    assert parsed["From"] == SUPPORT
    assert b"tom@zsupport.example" not in relay.raw
    assert parsed["In-Reply-To"] == "<report-1@acmedental.example>"
    assert "Auto-Submitted" not in parsed
    body = parsed.get_content()
    assert "We replaced the trunk config" in body
    assert "#status" not in body
    ticket = the_ticket(sessions)
    assert (ticket.status, ticket.assignee) == ("restored", "Tom")
    assert ticket.first_response_at is not None
    assert ticket.restored_at is not None


def test_note_stays_internal(make_settings, sessions):
    pipeline = make_pipeline(make_settings, sessions)
    ingest(pipeline, make_mail())
    outcome = ingest(pipeline, staff_reply("#note\nClient's firewall drops RTP after 30s."))

    assert outcome.reply is None
    assert [r.kind for r in outbox(sessions)] == ["acknowledgement"]
    with sessions.begin() as session:
        stored = session.scalars(
            select(TicketMessage).where(TicketMessage.from_addr == "tom@zsupport.example")
        ).one()
        assert stored.internal is True
    assert the_ticket(sessions).first_response_at is None  # a note is not a response


def test_unknown_command_goes_back_to_staff_only(make_settings, sessions):
    pipeline = make_pipeline(make_settings, sessions)
    ingest(pipeline, make_mail())
    ingest(pipeline, staff_reply("#stats closed\nAll done."))

    [_ack, help_mail] = outbox(sessions)
    assert help_mail.kind == "staff_commands"
    assert help_mail.to_addrs == ["tom@zsupport.example"]
    body = message_from_bytes(help_mail.raw, policy=default).get_content()
    assert "#stats closed" in body
    assert "#status open|pending|restored|closed" in body
    assert the_ticket(sessions).status == "open"

    # The help mail went to staff only: answering it with the corrected command is proof.
    assert help_mail.message_id.startswith("<zs.ZS-000001.staff.")
    corrected = make_mail(
        sender=STAFF,
        subject="Re: [Z-Support #ZS-000001] Phones",
        body="#status closed\nAll done.",
        message_id="<staff-2@zsupport.example>",
        headers={"In-Reply-To": help_mail.message_id, "References": help_mail.message_id},
    )
    assert ingest(pipeline, corrected).reply == "queued"
    assert the_ticket(sessions).status == "closed"


def test_commands_from_a_client_are_ignored(make_settings, sessions):
    pipeline = make_pipeline(make_settings, sessions)
    ingest(pipeline, make_mail())
    ingest(
        pipeline,
        make_mail(
            subject="Re: [Z-Support #ZS-000001] x",
            body="#waive\n#critical",
            message_id="<client-cmd@x>",
        ),
    )
    ticket = the_ticket(sessions)
    assert ticket.critical is False


def test_waive_time_and_ntf_reach_the_ledger(make_settings, sessions):
    pipeline = make_pipeline(make_settings, sessions)
    ingest(pipeline, make_mail(body=TERSE_REPORT))
    ingest(pipeline, staff_reply("#waive\n#time 1.5h\n#ntf\n#critical\n\nIt was the ISP."))

    with sessions.begin() as session:
        charges = {c.kind: c for c in session.scalars(select(Charge))}
    assert charges["incomplete_report_surcharge"].state == "waived"
    # The test clock reads Thanksgiving 2026: a holiday, so the hours are overtime.
    assert charges["labour_overtime"].hours == 1.5
    assert "1.5x" in charges["labour_overtime"].reason
    assert "no_trouble_found" in charges
    assert the_ticket(sessions).critical is True


def test_pending_ticket_reopens_on_client_mail(make_settings, sessions):
    pipeline = make_pipeline(make_settings, sessions)
    ingest(pipeline, make_mail())
    ingest(pipeline, staff_reply("#status pending\nPlease test again tomorrow."))
    assert the_ticket(sessions).pending_since is not None
    ingest(
        pipeline,
        make_mail(
            subject="Re: [Z-Support #ZS-000001] x",
            body="Tested, still bad.",
            message_id="<client-2@x>",
        ),
    )
    ticket = the_ticket(sessions)
    assert (ticket.status, ticket.pending_since) == ("open", None)


def test_closed_ticket_reopens_within_reopen_days_else_a_linked_ticket(make_settings, sessions):
    clock = ManualClock()
    pipeline = make_pipeline(make_settings, sessions, clock, tickets={"reopen_days": 7})
    ingest(pipeline, make_mail())
    ingest(pipeline, staff_reply("#status closed\nFixed."))
    clock.advance(days=2)
    again = ingest(
        pipeline,
        make_mail(subject="Re: [Z-Support #ZS-000001] x", body="It is back.", message_id="<c-3@x>"),
    )
    assert (again.action, again.ticket) == ("appended", "ZS-000001")
    assert the_ticket(sessions).status == "open"

    ingest(pipeline, staff_reply("#status closed\nFixed again.", number=2))
    clock.advance(days=30)
    later = ingest(
        pipeline,
        make_mail(
            subject="Re: [Z-Support #ZS-000001] x", body="Back once more.", message_id="<c-4@x>"
        ),
    )
    assert later.action == "created"
    assert later.ticket == "ZS-000002"
    assert the_ticket(sessions, "ZS-000002").linked_ticket_id == the_ticket(sessions).id


def test_signed_reference_proves_the_ticket_without_the_subject(make_settings, sessions):
    pipeline = make_pipeline(make_settings, sessions)
    ingest(pipeline, make_mail())
    signed = make_message_id("ZS-000001", "zsupport.example", SECRET)
    forged = make_message_id("ZS-000001", "zsupport.example", "another-secret-entirely")

    ok = ingest(
        pipeline,
        make_mail(
            sender="hank@globex.example",
            subject="rewritten",
            message_id="<g-1@x>",
            headers={"In-Reply-To": signed},
        ),
    )
    bad = ingest(
        pipeline,
        make_mail(
            sender="hank@globex.example",
            subject="rewritten",
            message_id="<g-2@x>",
            headers={"In-Reply-To": forged},
        ),
    )
    assert (ok.action, ok.ticket) == ("appended", "ZS-000001")
    assert bad.ticket != "ZS-000001"


def test_our_replies_carry_signed_message_ids(make_settings, sessions):
    pipeline = make_pipeline(make_settings, sessions)
    ingest(pipeline, make_mail())
    [ack] = outbox(sessions)
    assert ack.message_id.startswith("<zs.ZS-000001.")


def test_reply_arriving_before_its_parent_lands_on_the_same_ticket(make_settings, sessions):
    pipeline = make_pipeline(make_settings, sessions)
    reply_first = ingest(
        pipeline,
        make_mail(
            subject="Re: Phones",
            body="Also: it started at 9am.",
            message_id="<b@acme>",
            headers={"In-Reply-To": "<a@acme>", "References": "<a@acme>"},
        ),
    )
    parent = ingest(pipeline, make_mail(message_id="<a@acme>"))
    assert parent.action == "appended"
    assert parent.ticket == reply_first.ticket


def test_quoted_history_is_stripped_from_stored_replies(make_settings, sessions):
    pipeline = make_pipeline(make_settings, sessions)
    ingest(pipeline, make_mail())
    body = (
        "Still broken after the reboot.\n\nOn Thu, Nov 26, 2026 at 10:00 AM Support "
        "<support@zsupport.example> wrote:\n> Thank you for your report.\n> More text.\n"
    )
    outcome = ingest(
        pipeline,
        make_mail(subject="Re: [Z-Support #ZS-000001] x", body=body, message_id="<quoted@x>"),
    )
    with sessions.begin() as session:
        stored = session.scalars(
            select(TicketMessage).where(TicketMessage.inbound_id == outcome.inbound_id)
        ).one()
    assert stored.body_text.strip() == "Still broken after the reboot."


def test_rma_asks_for_tracking_and_records_it(make_settings, sessions):
    pipeline = make_pipeline(make_settings, sessions)
    ingest(pipeline, make_mail())
    ingest(
        pipeline,
        staff_reply("#rma\nThe power supply is failing; please test with the spare first."),
    )
    relay = outbox(sessions)[-1]
    assert "tracking number" in message_from_bytes(relay.raw, policy=default).get_content()
    ingest(
        pipeline,
        make_mail(
            subject="Re: [Z-Support #ZS-000001] RMA",
            body="Shipped back, tracking 1Z999AA10123456784.",
            message_id="<rma-1@x>",
        ),
    )
    ticket = the_ticket(sessions)
    assert (ticket.rma_state, ticket.rma_tracking) == ("returned", "1Z999AA10123456784")


def test_copying_staff_gets_one_reminder_per_ticket(make_settings, sessions):
    pipeline = make_pipeline(make_settings, sessions)
    ingest(pipeline, make_mail())
    for number in (1, 2):
        ingest(
            pipeline,
            make_mail(
                subject="Re: [Z-Support #ZS-000001] x",
                body="More info.",
                message_id=f"<cc-{number}@x>",
                headers={"Cc": "tom@zsupport.example"},
            ),
        )
    kinds = [r.kind for r in outbox(sessions)]
    assert kinds == ["acknowledgement", "cc_reminder"]


def test_automatic_replies_per_sender_are_capped(make_settings, sessions):
    pipeline = make_pipeline(
        make_settings, sessions, safety={"secret": SECRET, "max_auto_replies_per_day": 3}
    )
    for number in range(6):
        ingest(pipeline, make_mail(message_id=f"<flood-{number}@x>", subject=f"Issue {number}"))
    assert len(outbox(sessions)) == 3


def test_outlook_thread_index_is_echoed_and_extended(make_settings, sessions):
    pipeline = make_pipeline(make_settings, sessions)
    index = base64.b64encode(bytes([1]) + bytes(range(1, 22))).decode()
    ingest(pipeline, make_mail(headers={"Thread-Index": index}))
    [ack] = outbox(sessions)
    echoed = message_from_bytes(ack.raw, policy=default)["Thread-Index"]
    raw = base64.b64decode(echoed)
    assert raw[:22] == base64.b64decode(index)
    assert len(raw) == 27


def test_rate_limit_window_is_24_hours(make_settings, sessions):
    clock = ManualClock()
    pipeline = make_pipeline(
        make_settings, sessions, clock, safety={"secret": SECRET, "max_auto_replies_per_day": 1}
    )
    ingest(pipeline, make_mail(message_id="<w-1@x>", subject="one"))
    ingest(pipeline, make_mail(message_id="<w-2@x>", subject="two"))
    clock.advance(hours=25)
    ingest(pipeline, make_mail(message_id="<w-3@x>", subject="three"))
    assert len(outbox(sessions)) == 2
    assert timedelta(hours=24) < clock.now - outbox(sessions)[0].created_at


def test_time_inside_business_hours_is_plain_labour(make_settings, sessions):
    from datetime import UTC, datetime

    clock = ManualClock(datetime(2026, 11, 24, 17, 0, tzinfo=UTC))  # Tuesday 10:00 Denver
    pipeline = make_pipeline(make_settings, sessions, clock)
    ingest(pipeline, make_mail())
    ingest(pipeline, staff_reply("#time 2h\nDone."))
    with sessions.begin() as session:
        [charge] = session.scalars(select(Charge))
    assert (charge.kind, charge.hours) == ("labour", 2)
