"""The per-address reply limit stops loops, not people: on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import select

from tests.helpers import SUPPORT, make_mail
from zsupport_mail.db.models import JourneyEvent, OutboundMessage
from zsupport_mail.mail.replies import ReplyRenderer
from zsupport_mail.runtime.pipeline import Pipeline
from zsupport_mail.settings.clock import utc_now

FAULTS = [
    "the fax line to the lab fails after the first page",
    "voicemail to e-mail stopped arriving for the sales group",
    "the paging speakers in the warehouse are silent",
    "extension 2045 has no dial tone since this morning",
    "calls to the Lakewood clinic drop after ten seconds",
    "the hunt group 610 rings only the first phone",
]


def replies_to(sessions, address: str) -> int:
    with sessions.begin() as session:
        rows = session.scalars(select(OutboundMessage).where(OutboundMessage.recipient == address))
        return len(rows.all())


def make(make_settings, sessions, limit: int) -> Pipeline:
    settings = make_settings(safety={"max_auto_replies_per_day": limit})
    return Pipeline(settings, sessions, ReplyRenderer(settings), utc_now, "test")


def test_an_authorised_contact_with_distinct_reports_gets_every_ticket_number(
    make_settings, sessions
):
    pipeline = make(make_settings, sessions, limit=3)
    for number, fault in enumerate(FAULTS):
        pipeline.ingest(
            make_mail(
                subject=f"Outage follow-on: {fault[:20]}",
                body=f"Since 8am {fault}. Please look at it today.",
                message_id=f"<distinct-{number}@acmedental.example>",
            ),
            source="test",
            mailbox=SUPPORT,
        )

    assert replies_to(sessions, "dana@acmedental.example") == len(FAULTS)
    with sessions.begin() as session:
        over = session.scalars(
            select(JourneyEvent.reason).where(JourneyEvent.outcome == "over_limit")
        ).all()
    assert len(over) == len(FAULTS) - 3
    assert "a distinct mail from a person: answered" in over[0]


def test_the_same_text_again_and_again_is_a_loop_and_stays_capped(make_settings, sessions):
    pipeline = make(make_settings, sessions, limit=3)
    for number in range(6):
        pipeline.ingest(
            make_mail(
                subject=f"Re: [Z-Support #ZS-00000{number}] Your ticket",
                body=f"Thank you for your message {number}. I will get back to you shortly.",
                message_id=f"<same-{number}@acmedental.example>",
            ),
            source="test",
            mailbox=SUPPORT,
        )

    assert replies_to(sessions, "dana@acmedental.example") == 3
    with sessions.begin() as session:
        suppressed = session.scalars(
            select(JourneyEvent.reason).where(JourneyEvent.outcome == "suppressed")
        ).all()
    assert any("the same text again" in reason for reason in suppressed)


def test_a_sender_who_is_not_an_authorised_contact_keeps_the_plain_limit(make_settings, sessions):
    pipeline = make(make_settings, sessions, limit=2)
    for number, fault in enumerate(FAULTS[:4]):
        pipeline.ingest(
            make_mail(
                sender="Pat Reception <pat@acmedental.example>",
                subject=f"Problem {fault[:20]}",
                body=f"Since 8am {fault}.",
                message_id=f"<pat-{number}@acmedental.example>",
            ),
            source="test",
            mailbox=SUPPORT,
        )

    assert replies_to(sessions, "pat@acmedental.example") == 2
