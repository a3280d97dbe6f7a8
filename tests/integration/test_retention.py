"""Retention: ``messages purge`` drops the raw mail of long-closed tickets and keeps the rest.

Runs on SQLite and PostgreSQL. The tickets come from real mail through the pipeline; only
their closing time is set directly, as the auto-close job would have set it a year ago.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from email.message import EmailMessage
from email.policy import SMTP

import pytest
from sqlalchemy import select

from tests.helpers import COMPLETE_REPORT, SUPPORT, write_config
from zsupport_mail.db.models import (
    Attachment,
    InboundMessage,
    JourneyEvent,
    OutboundMessage,
    Ticket,
    TicketMessage,
)
from zsupport_mail.db.retention import purge_closed
from zsupport_mail.mail.replies import ReplyRenderer
from zsupport_mail.queues.outbox import deliver_due
from zsupport_mail.runtime.pipeline import Pipeline
from zsupport_mail.settings.clock import utc_now

LOG_BYTES = b"2026-11-25 10:42:01 SIP/2.0 408 Request Timeout\r\n" * 2000


def _with_log(number: int) -> bytes:
    message = EmailMessage()
    message["From"] = "Dana Smith <dana@acmedental.example>"
    message["To"] = SUPPORT
    message["Subject"] = f"Calls drop, report {number}"
    message["Message-ID"] = f"<retention-{number}@acmedental.example>"
    message.set_content(COMPLETE_REPORT)
    message.add_attachment(LOG_BYTES, maintype="text", subtype="plain", filename="calls.log")
    return message.as_bytes(policy=SMTP)


@pytest.fixture
def three_tickets(settings, sessions):
    """Closed 400 days ago, closed 10 days ago, and open; each with a sent reply."""
    pipeline = Pipeline(settings, sessions, ReplyRenderer(settings), utc_now)
    for number in range(3):
        pipeline.ingest(_with_log(number), source="smtp", mailbox=SUPPORT)
    assert deliver_due(sessions, settings.outbound, utc_now()).sent == 3
    now = utc_now()
    with sessions.begin() as session:
        old, recent, _ = session.scalars(select(Ticket).order_by(Ticket.id)).all()
        old.status, old.closed_at = "closed", now - timedelta(days=400)
        recent.status, recent.closed_at = "closed", now - timedelta(days=10)
    return now


def _raw_sizes(sessions) -> dict[int, tuple[int, int]]:
    """Per ticket id: (bytes of raw inbound mail, bytes of raw outbound mail)."""
    with sessions.begin() as session:
        inbound = session.execute(select(InboundMessage.ticket_id, InboundMessage.raw)).all()
        outbound = session.execute(select(OutboundMessage.ticket_id, OutboundMessage.raw)).all()
    return {
        ticket: (
            sum(len(raw) for t, raw in inbound if t == ticket),
            sum(len(raw) for t, raw in outbound if t == ticket),
        )
        for ticket in (1, 2, 3)
    }


def test_a_dry_run_counts_and_changes_nothing(sessions, three_tickets):
    before = _raw_sizes(sessions)

    report = purge_closed(sessions, timedelta(days=365), three_tickets, dry_run=True)

    assert (report.tickets, report.inbound_messages, report.outbound_messages) == (1, 1, 1)
    assert report.bytes == sum(before[1])
    assert report.bytes > len(LOG_BYTES)
    assert _raw_sizes(sessions) == before


def test_purge_drops_raw_mail_of_long_closed_tickets_only(sessions, three_tickets):
    before = _raw_sizes(sessions)

    report = purge_closed(sessions, timedelta(days=365), three_tickets)

    assert (report.tickets, report.inbound_messages, report.outbound_messages) == (1, 1, 1)
    after = _raw_sizes(sessions)
    assert after[1] == (0, 0)
    assert after[2] == before[2]
    assert after[3] == before[3]
    with sessions.begin() as session:
        purged = session.scalar(select(InboundMessage).where(InboundMessage.ticket_id == 1))
        assert purged.purged_at is not None
        assert purged.size > len(LOG_BYTES)
        assert session.scalar(
            select(JourneyEvent.step).where(JourneyEvent.inbound_id == purged.id).limit(1)
        )
        texts = session.scalars(select(TicketMessage.body_text).where(TicketMessage.ticket_id == 1))
        assert any("every external call drops" in text for text in texts)
        [attachment] = session.scalars(select(Attachment)).all()[:1]
        assert attachment.filename == "calls.log"
        assert attachment.size == len(LOG_BYTES)
    again = purge_closed(sessions, timedelta(days=365), three_tickets)
    assert (again.inbound_messages, again.outbound_messages, again.bytes) == (0, 0, 0)


def _cli(config, *args):
    return subprocess.run(
        [sys.executable, "-m", "zsupport_mail", "--config", str(config), *args],
        capture_output=True,
        timeout=60,
    )


def test_the_command_uses_the_policy_and_reprocess_refuses_purged_mail(
    sessions, three_tickets, tmp_path, db_url
):
    config = write_config(
        tmp_path / "retention.toml", db_url, tmp_path, retention={"keep_raw_after_close": "1y"}
    )
    dry = _cli(config, "messages", "purge", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert json.loads(dry.stdout)["dry_run"] is True
    assert json.loads(dry.stdout)["inbound_messages"] == 1

    done = json.loads(_cli(config, "messages", "purge", "--older-than", "5d").stdout)
    assert (done["tickets"], done["inbound_messages"], done["dry_run"]) == (2, 2, False)

    refused = _cli(config, "messages", "reprocess", "1")
    assert refused.returncode == 1
    assert b"purged by the retention policy" in refused.stderr
    shown = json.loads(_cli(config, "messages", "show", "1", "--json").stdout)
    assert shown["purged_at"] is not None
    assert shown["journey"]


def test_a_bad_duration_is_a_clear_error(tmp_path, db_url):
    config = write_config(tmp_path / "c.toml", db_url, tmp_path)
    result = _cli(config, "messages", "purge", "--older-than", "soon")
    assert result.returncode == 1
    assert b"expected a duration like 36h, 90d, 12w or 1y, got 'soon'" in result.stderr
    assert b"give --older-than" in _cli(config, "messages", "purge").stderr
