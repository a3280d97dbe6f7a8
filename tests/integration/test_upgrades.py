"""The upgrade clause: ``upgrade announce`` notices, replies that schedule, the reminder
before day 30 (SQLite and PostgreSQL, the CLI run as a user runs it)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta

from sqlalchemy import select

from tests.helpers import SUPPORT, make_mail
from zsupport_mail.db.models import OutboundMessage
from zsupport_mail.mail.replies import ReplyRenderer
from zsupport_mail.runtime.jobs import sla_tick
from zsupport_mail.settings.clock import utc_now


def cli(settings, *args: str) -> dict | list:
    result = subprocess.run(
        [sys.executable, "-m", "zsupport_mail", "--config", str(settings.source), *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_announce_mails_every_clients_contacts_once_with_their_last_day(settings, sessions):
    sent = cli(settings, "upgrade", "announce", "--version", "17.0.12")
    again = cli(settings, "upgrade", "announce", "--version", "17.0.12")

    by_client = {n["client"]: n["to"] for n in sent["notices"]}
    assert by_client["Acme Dental"] == ["dana@acmedental.example", "lee@acmedental.example"]
    assert again["notices"] == []  # never twice for the same release
    with sessions.begin() as session:
        [notice, *_] = session.scalars(
            select(OutboundMessage).where(OutboundMessage.kind == "upgrade_notice")
        ).all()
        body = " ".join(notice.raw.decode().split())
    assert "within 30 calendar days of this notice" in body
    assert "MXIE, MX-Administrator, MX-Report" in body


def test_a_reply_schedules_it_and_only_the_unscheduled_are_reminded(settings, sessions, pipeline):
    sent = cli(settings, "upgrade", "announce", "--version", "17.0.12")
    acme = next(n for n in sent["notices"] if n["client"] == "Acme Dental")

    outcome = pipeline.ingest(
        make_mail(
            subject="RE: [Z-Support] Zultys MX 17.0.12 is available: please schedule your upgrade",
            body="Please schedule our upgrade for Friday the 20th, any time after 6 pm.",
            message_id="<sched-1@acmedental.example>",
            headers={"In-Reply-To": acme["message_id"], "References": acme["message_id"]},
        ),
        source="test",
        mailbox=SUPPORT,
    )

    assert (outcome.action, outcome.kind, outcome.ticket) == ("noted", "notice_reply", None)
    status = {
        row["client"]: row for row in cli(settings, "upgrade", "status", "--version", "17.0.12")
    }
    assert status["Acme Dental"]["scheduled_by"] == "dana@acmedental.example"
    assert "Friday the 20th" in status["Acme Dental"]["note"]
    assert status["Globex"]["scheduled_at"] is None

    renderer = ReplyRenderer(settings)
    assert sla_tick(sessions, settings, renderer, utc_now() + timedelta(days=20)) == []
    alerts = sla_tick(sessions, settings, renderer, utc_now() + timedelta(days=24))
    assert sorted(a.ticket for a in alerts if a.key == "upgrade_reminder") == sorted(
        c for c, row in status.items() if row["scheduled_at"] is None
    )
    assert sla_tick(sessions, settings, renderer, utc_now() + timedelta(days=25)) == []


def test_a_fault_reported_in_reply_to_the_upgrade_notice_is_a_report(settings, sessions, pipeline):
    sent = cli(settings, "upgrade", "announce", "--version", "17.0.12")
    acme = next(n for n in sent["notices"] if n["client"] == "Acme Dental")

    outcome = pipeline.ingest(
        make_mail(
            subject="RE: [Z-Support] Zultys MX 17.0.12 is available: please schedule your upgrade",
            body="Since the upgrade on Friday night voicemail fails for every mailbox.",
            message_id="<fault-1@acmedental.example>",
            headers={"In-Reply-To": acme["message_id"]},
        ),
        source="test",
        mailbox=SUPPORT,
    )

    assert (outcome.action, outcome.kind) == ("created", "problem_report")
