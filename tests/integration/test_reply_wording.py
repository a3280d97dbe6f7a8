"""The replies as the client reads them: opened vs. completed, one no-CC paragraph, "target"
(the contract's times come "without making a guarantee"), phones in the notice, and the
default critical keywords. On SQLite and PostgreSQL."""

from __future__ import annotations

from email import message_from_bytes
from email.policy import default

from sqlalchemy import select

from tests.helpers import SUPPORT, TERSE_REPORT, make_mail
from zsupport_mail.db.models import OutboundMessage, Ticket


def ingest(pipeline, raw: bytes):
    return pipeline.ingest(raw, source="test", mailbox=SUPPORT)


def bodies(sessions) -> list[str]:
    with sessions.begin() as session:
        rows = session.scalars(select(OutboundMessage).order_by(OutboundMessage.id))
        return [
            " ".join(message_from_bytes(r.raw, policy=default).get_content().split()) for r in rows
        ]


def test_complete_first_report_says_we_opened_the_ticket_and_names_a_target(pipeline, sessions):
    ingest(pipeline, make_mail())

    [body] = bodies(sessions)
    assert "We have opened ticket ZS-000001" in body
    assert "We now have everything we need" not in body
    assert "at the latest" not in body
    assert "Our target for that response:" in body
    assert "response target" in body


def test_no_cc_paragraph_appears_once_when_staff_were_copied(pipeline, sessions):
    ingest(pipeline, make_mail(headers={"Cc": "Tom Tech <tom@zsupport.example>"}))

    [body] = bodies(sessions)
    assert body.count("do not copy individual members of our staff") == 1


def test_missing_information_notice_gives_the_response_target_and_the_phones(
    make_settings, pipeline, sessions
):
    ingest(pipeline, make_mail(body=TERSE_REPORT))

    [body] = bodies(sessions)
    assert "Our response target (2 business hours" in body
    assert "If your phones are down, please also call us:" in body
    assert "(303) 957-2884" in body


def test_configured_support_phones_replace_the_contracts(make_settings, sessions):
    from zsupport_mail.mail.replies import ReplyRenderer
    from zsupport_mail.runtime.pipeline import Pipeline
    from zsupport_mail.settings.clock import utc_now

    settings = make_settings(tickets={"support_phones": ["Support line: +1 555 0100"]})
    pipeline = Pipeline(settings, sessions, ReplyRenderer(settings), utc_now, "test")
    ingest(pipeline, make_mail(body=TERSE_REPORT))

    [body] = bodies(sessions)
    assert "Support line: +1 555 0100" in body
    assert "(303) 957-2884" not in body


def test_common_outage_phrasings_make_a_new_report_critical_by_default(pipeline, sessions):
    ingest(
        pipeline,
        make_mail(subject="Help", body="Since 8am we cannot make or receive calls at all."),
    )
    ingest(
        pipeline,
        make_mail(
            subject="Phones down at the front desk",
            body="Everything is dead here.",
            message_id="<r2@acmedental.example>",
        ),
    )

    with sessions.begin() as session:
        assert session.scalars(select(Ticket.critical).order_by(Ticket.id)).all() == [True, True]
