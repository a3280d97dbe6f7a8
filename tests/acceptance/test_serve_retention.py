"""serve applies the retention policy by itself: at start, then once a day."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.acceptance.conftest import db_count
from tests.helpers import SUPPORT, make_mail
from zsupport_mail.db.models import InboundMessage, Ticket
from zsupport_mail.mail.replies import ReplyRenderer
from zsupport_mail.runtime.pipeline import Pipeline
from zsupport_mail.settings.clock import utc_now


@pytest.mark.every_backend
def test_serve_purges_raw_mail_of_long_closed_tickets(settings, sessions, start_serve, db_url):
    pipeline = Pipeline(settings, sessions, ReplyRenderer(settings), utc_now)
    pipeline.ingest(make_mail(), source="smtp", mailbox=SUPPORT)
    other = make_mail(message_id="<other@acmedental.example>", subject="Voicemail down")
    pipeline.ingest(other, source="smtp", mailbox=SUPPORT)
    with sessions.begin() as session:
        old = session.scalars(select(Ticket).order_by(Ticket.id)).first()
        old.status, old.closed_at = "closed", utc_now() - timedelta(days=100)

    serve = start_serve(retention={"keep_raw_after_close": "90d"})

    [event] = serve.wait_for("retention_purged", timeout=30)
    assert (event["tickets"], event["inbound_messages"], event["dry_run"]) == (1, 1, False)
    assert db_count(db_url, InboundMessage, InboundMessage.purged_at.is_not(None)) == 1
    assert db_count(db_url, InboundMessage, InboundMessage.raw != b"") == 1
