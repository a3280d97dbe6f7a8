"""A written contact-change notice, end to end on SQLite and PostgreSQL: staff see it read into
who becomes primary or backup and who is removed, and confirm it with one command that applies
it with the same rules and history as ``contacts import``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.helpers import STAFF_SECRET, SUPPORT, make_mail, staff_thread
from zsupport_mail.contacts.history import load_periods
from zsupport_mail.db.models import OutboundMessage, Ticket
from zsupport_mail.settings.clock import utc_now

INTENT = Path(__file__).resolve().parents[1] / "fixtures" / "intent"
QUEUE = "queue@staffmail.example"


@pytest.fixture
def settings(make_settings):
    return make_settings(
        safety={"secret": STAFF_SECRET},
        staff={"addresses": [QUEUE], "queue_addresses": [QUEUE], "domains": ["zsupport.example"]},
    )


def ingest(pipeline, raw: bytes):
    return pipeline.ingest(raw, source="test", mailbox=SUPPORT)


def fixture(name: str) -> bytes:
    return next(INTENT.glob(f"{name}_*.eml")).read_bytes()


def staff_copy(sessions) -> str:
    with sessions.begin() as session:
        row = session.scalars(select(OutboundMessage).where(OutboundMessage.kind == "staff_copy"))
        return message_from_bytes(row.one().raw, policy=default).get_content()


def run_cli(settings, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "zsupport_mail", "--config", str(settings.source), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def current(sessions, client: str) -> list[tuple[str, str]]:
    now = utc_now()
    with sessions.begin() as session:
        periods = load_periods(session, client=client)
        return sorted((p.email, p.role) for p in periods if p.covers(now))


def test_staff_see_the_notice_as_read_and_confirm_it_with_one_command(pipeline, sessions, settings):
    ingest(pipeline, fixture("042"))  # Dana: "pls make Pat our backup instead of Lee"

    copy = staff_copy(sessions)
    assert "+ Pat Reception <pat@acmedental.example> backup" in copy
    assert "- Lee Jones <lee@acmedental.example> no longer authorised" in copy
    assert "= afterwards: Dana Smith primary; Pat Reception backup" in copy
    assert "contacts import --ticket ZS-000001" in copy
    assert "Response:     no clock (a contact change, not a problem report)" in copy
    dry = run_cli(settings, "contacts", "import", "--ticket", "ZS-000001", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert current(sessions, "Acme Dental") == [
        ("dana@acmedental.example", "primary"),
        ("lee@acmedental.example", "backup"),
    ]

    result = run_cli(settings, "contacts", "import", "--json", "--ticket", "ZS-000001")

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["file"] is None
    assert report["read_from_notice"] == [
        "+ Pat Reception <pat@acmedental.example> backup",
        "- Lee Jones <lee@acmedental.example> no longer authorised",
    ]
    assert current(sessions, "Acme Dental") == [
        ("dana@acmedental.example", "primary"),
        ("pat@acmedental.example", "backup"),
    ]
    with sessions.begin() as session:
        ticket = session.scalars(select(Ticket)).one()
        assert ticket.status == "closed"
        lee = list(load_periods(session, email="lee@acmedental.example"))
        assert lee[-1].ended_by is not None
        assert "notice on ZS-000001" in lee[-1].ended_by
        assert [p.note for p in load_periods(session, email="pat@acmedental.example")][-1] == (
            "written notice on ticket ZS-000001"
        )


def test_a_notice_that_cannot_be_read_whole_changes_nothing_and_says_to_write_the_csv(
    pipeline, sessions, settings
):
    ingest(
        pipeline,
        make_mail(
            subject="New backup contact",
            body="Please add Robin Hale as our backup contact from Monday, authorized contacts.",
        ),
    )
    assert "Robin Hale: the notice gives no e-mail address" in staff_copy(sessions)

    result = run_cli(settings, "contacts", "import", "--ticket", "ZS-000001")

    assert result.returncode == 2
    assert "Robin Hale: the notice gives no e-mail address" in result.stderr
    assert "write FILE.csv instead" in result.stderr
    assert current(sessions, "Acme Dental") == [
        ("dana@acmedental.example", "primary"),
        ("lee@acmedental.example", "backup"),
    ]


def staff_reply(pipeline, body: str):
    return ingest(
        pipeline,
        make_mail(
            sender=f"Queue <{QUEUE}>",
            subject="Re: [ZS-000001] backup",
            body=body,
            message_id="<staff-1@staffmail.example>",
            headers=staff_thread(),  # a reply to the staff copy: staff authority's proof
        ),
    )


def test_staff_confirm_the_notice_by_mail_with_the_contacts_command(pipeline, sessions):
    ingest(pipeline, fixture("038"))  # Hank: "Add Carl Bauer as our backup contact"

    outcome = staff_reply(pipeline, "#contacts\n\nDone: Carl can open tickets from now on.")

    assert outcome.action == "appended"
    assert current(sessions, "Globex") == [
        ("carl.bauer@globex.example", "backup"),
        ("hank@globex.example", "primary"),
    ]
    with sessions.begin() as session:
        ticket = session.scalars(select(Ticket)).one()
        assert ticket.status == "closed"
        [note] = [m for m in ticket.messages if m.subject.startswith("contacts confirmed")]
        assert "+ Carl Bauer <carl.bauer@globex.example> backup" in note.body_text
        relayed = session.scalars(
            select(OutboundMessage).where(OutboundMessage.kind == "staff_reply")
        ).one()
        assert "Done: Carl can open tickets" in relayed.raw.decode()


def test_a_contacts_command_that_cannot_be_applied_changes_nothing_and_tells_staff(
    pipeline, sessions
):
    ingest(
        pipeline,
        make_mail(
            subject="New backup contact",
            body="Please add Robin Hale as our backup contact from Monday, authorized contacts.",
        ),
    )

    staff_reply(pipeline, "#contacts\n\nDone.")

    with sessions.begin() as session:
        rows = session.scalars(select(OutboundMessage).order_by(OutboundMessage.id)).all()
        kinds = [r.kind for r in rows]
        help_mail = " ".join(rows[-1].raw.decode().split())
    assert "staff_reply" not in kinds
    assert kinds[-1] == "staff_commands", kinds
    assert "#contacts: ZS-000001: Robin Hale: the notice gives no e-mail address" in help_mail
    assert "zsupport-mail contacts import FILE.csv --ticket ZS-000001" in help_mail
    assert current(sessions, "Acme Dental") == [
        ("dana@acmedental.example", "primary"),
        ("lee@acmedental.example", "backup"),
    ]
