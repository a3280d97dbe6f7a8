"""Answers to our notices, on SQLite and PostgreSQL: kept on the notice's record without a
ticket, and the staff queue told when the answer needs someone (a question, a request to move
the date, the time to book an upgrade), never for a plain acknowledgement.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.helpers import SUPPORT, make_mail
from zsupport_mail.db.models import InboundMessage, JourneyEvent, OutboundMessage, Ticket
from zsupport_mail.queues.outbox import queue_mail
from zsupport_mail.settings.clock import utc_now

INTENT = Path(__file__).resolve().parents[1] / "fixtures" / "intent"
QUEUE = "queue@staffmail.example"
OUTAGES = ("<notice.outage.1@zsupport.example>", "<notice.outage.2@zsupport.example>")


@pytest.fixture
def settings(make_settings):
    return make_settings(
        staff={"addresses": [QUEUE], "queue_addresses": [QUEUE], "domains": ["zsupport.example"]}
    )


def announce_outage(sessions, settings) -> None:
    """Outage announcements as `outage announce` records them: outbox rows with their IDs."""
    for message_id, to in zip(
        OUTAGES, ("dana@acmedental.example", "hank@globex.example"), strict=True
    ):
        notice = EmailMessage()
        notice["From"], notice["To"] = SUPPORT, to
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


def staff_mails(sessions) -> list[tuple[list[str], str, str]]:
    with sessions.begin() as session:
        rows = session.scalars(
            select(OutboundMessage).where(OutboundMessage.kind == "notice_answer")
        ).all()
        parsed = [message_from_bytes(r.raw, policy=default) for r in rows]
        return [
            (r.to_addrs, str(m["Subject"]), m.get_content())
            for r, m in zip(rows, parsed, strict=True)
        ]


def test_an_answer_asking_to_move_the_window_reaches_the_staff_queue(pipeline, sessions, settings):
    announce_outage(sessions, settings)

    outcome = pipeline.ingest(
        next(INTENT.glob("065_*.eml")).read_bytes(), source="test", mailbox=SUPPORT
    )  # Hank: "Sunday early morning doesn't work for us ... Can you do it Monday night instead?"

    assert (outcome.action, outcome.ticket) == ("noted", None)
    [(to, subject, body)] = staff_mails(sessions)
    assert to == [QUEUE]
    assert subject.startswith("[Notice answer] Globex: ")
    assert "Hank Scorpio (Globex) answered our outage notice of " in body
    assert "the answer asks to move or cancel it." in body
    assert "Can you do it Monday night (23rd) after 11pm instead?" in body
    assert f"zsupport-mail messages show {outcome.inbound_id}" in body
    with sessions.begin() as session:
        assert session.scalars(select(Ticket)).all() == []
        steps = session.scalars(
            select(JourneyEvent).where(JourneyEvent.inbound_id == outcome.inbound_id)
        ).all()
        assert ("staff", "told") in [(s.step, s.outcome) for s in steps]


def test_an_answer_that_only_acknowledges_tells_nobody(pipeline, sessions, settings):
    announce_outage(sessions, settings)

    outcome = pipeline.ingest(
        next(INTENT.glob("064_*.eml")).read_bytes(), source="test", mailbox=SUPPORT
    )  # "ok thanks"

    assert outcome.action == "noted"
    assert staff_mails(sessions) == []


def test_an_upgrade_answer_giving_the_time_is_scheduled_and_staff_are_told(
    pipeline, sessions, settings
):
    command = [sys.executable, "-m", "zsupport_mail", "--config", str(settings.source)]
    announced = subprocess.run(
        [*command, "upgrade", "announce", "--version", "17.0.12"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    acme = next(n for n in json.loads(announced.stdout)["notices"] if n["client"] == "Acme Dental")

    outcome = pipeline.ingest(
        make_mail(
            subject="RE: [Z-Support] Zultys MX 17.0.12 is available: please schedule your upgrade",
            body="Yes go ahead. Weekend is best.",
            headers={"In-Reply-To": acme["message_id"], "References": acme["message_id"]},
        ),
        source="test",
        mailbox=SUPPORT,
    )

    assert outcome.action == "noted"
    [(_, _, body)] = staff_mails(sessions)
    assert "answered our upgrade notice" in body
    assert "the answer gives the time to book the upgrade." in body
    assert "Upgrade:  17.0.12 (zsupport-mail upgrade status --version 17.0.12)" in body


def run_cli(settings, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "zsupport_mail", "--config", str(settings.source), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def test_a_reply_to_a_real_outage_announcement_is_noted_on_it_and_staff_told(
    pipeline, sessions, settings
):
    start = (utc_now() + timedelta(days=10)).replace(microsecond=0)
    announced = run_cli(
        settings,
        *("outage", "announce", "--client", "Acme Dental", "--reason", "MX upgrade"),
        *("--start", start.isoformat(), "--end", (start + timedelta(hours=2)).isoformat()),
    )
    assert announced.returncode == 0, announced.stderr
    notice_id = json.loads(announced.stdout)["message_id"]

    outcome = pipeline.ingest(
        make_mail(
            subject="RE: Planned maintenance: Acme Dental",
            body="That evening is our late clinic. Could you do it the night after?",
            headers={"In-Reply-To": notice_id, "References": notice_id},
        ),
        source="test",
        mailbox=SUPPORT,
    )

    assert (outcome.action, outcome.kind, outcome.ticket) == ("noted", "notice_reply", None)
    with sessions.begin() as session:
        row = session.get_one(InboundMessage, outcome.inbound_id)
        assert row.notice_message_id == notice_id
    [(_, subject, body)] = staff_mails(sessions)
    assert subject.startswith("[Notice answer] Acme Dental: ")
    assert "Dana Smith (Acme Dental) answered our outage notice of " in body
    assert "the answer asks a question." in body


def test_staff_record_by_command_that_a_client_scheduled_the_upgrade(settings, sessions):
    assert run_cli(settings, "upgrade", "announce", "--version", "17.0.12").returncode == 0

    done = run_cli(
        settings,
        *("upgrade", "scheduled", "--client", "Globex", "--version", "17.0.12"),
        *("--note", "Sat 28 Mar 18:00, by phone"),
    )

    assert done.returncode == 0, done.stderr
    status = json.loads(run_cli(settings, "upgrade", "status", "--version", "17.0.12").stdout)
    globex = next(row for row in status if row["client"] == "Globex")
    acme = next(row for row in status if row["client"] == "Acme Dental")
    assert globex["scheduled_at"] is not None
    assert globex["note"] == "Sat 28 Mar 18:00, by phone"
    assert acme["scheduled_at"] is None
