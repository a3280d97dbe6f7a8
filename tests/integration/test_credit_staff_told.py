"""A written credit request, on SQLite and PostgreSQL: staff are told on the staff copy which
tickets it was recorded on, or that it matched none and they must record it by hand.
"""

from __future__ import annotations

from email import message_from_bytes
from email.policy import default

import pytest
from sqlalchemy import select

from tests.helpers import STAFF_SECRET, SUPPORT, TERSE_REPORT, make_mail
from zsupport_mail.db.models import OutboundMessage

QUEUE = "queue@staffmail.example"


@pytest.fixture
def settings(make_settings):
    return make_settings(
        safety={"secret": STAFF_SECRET},
        staff={"addresses": [QUEUE], "queue_addresses": [QUEUE], "domains": ["zsupport.example"]},
    )


def ingest(pipeline, raw: bytes):
    return pipeline.ingest(raw, source="test", mailbox=SUPPORT)


def last_staff_copy(sessions) -> str:
    with sessions.begin() as session:
        rows = session.scalars(
            select(OutboundMessage)
            .where(OutboundMessage.kind == "staff_copy")
            .order_by(OutboundMessage.id)
        ).all()
        return message_from_bytes(rows[-1].raw, policy=default).get_content()


def test_the_staff_copy_says_which_tickets_the_credit_request_is_recorded_on(pipeline, sessions):
    ingest(pipeline, make_mail(body=TERSE_REPORT))  # ZS-000001, Dana's

    ingest(
        pipeline,
        make_mail(
            subject="SLA credit ZS-000001",
            body="Please consider this our written request for the SLA credit for ZS-000001.",
            message_id="<credit-1@acmedental.example>",
        ),
    )

    copy = last_staff_copy(sessions)
    assert "wrote on ZS-000002: a new credit request." in copy
    assert "Credit:       recorded as the written request on ZS-000001" in copy
    assert "Response:     no clock (a credit request, not a problem report)" in copy


def test_a_credit_request_matching_no_ticket_asks_staff_to_record_it_by_hand(pipeline, sessions):
    ingest(
        pipeline,
        make_mail(
            subject="Credit",
            body="We request the service credit for the outage we had, please.",
            message_id="<credit-2@acmedental.example>",
        ),
    )

    copy = last_staff_copy(sessions)
    assert "Credit:       on no ticket (none named, or none missed restoration" in copy
    assert "match it by hand with #credit-requested" in copy
