"""A temporary contact change, end to end on SQLite and PostgreSQL: "while Dana is on leave,
Lee is our primary" holds for its period only, and the set in force before it holds again
after the end without anyone doing anything; a report from the temporary contact after the end
is judged by the restored set.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, datetime, timedelta
from email import message_from_bytes
from email.policy import default
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tests.helpers import STAFF_SECRET, SUPPORT, make_mail, staff_thread
from zsupport_mail.contacts.history import load_periods
from zsupport_mail.db.models import OutboundMessage, Ticket
from zsupport_mail.edges.portal.viewer import find_viewer
from zsupport_mail.intake.notice_period import long_day
from zsupport_mail.mail.replies import ReplyRenderer
from zsupport_mail.runtime.pipeline import Pipeline
from zsupport_mail.settings.clock import utc_now

DENVER = ZoneInfo("America/Denver")  # Acme Dental's zone (tests/helpers.py)
QUEUE = "queue@staffmail.example"


@pytest.fixture
def settings(make_settings):
    return make_settings(
        safety={"secret": STAFF_SECRET},
        staff={"addresses": [QUEUE], "queue_addresses": [QUEUE], "domains": ["zsupport.example"]},
    )


def run_cli(settings, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "zsupport_mail", "--config", str(settings.source), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def authorised_at(sessions, at: datetime) -> list[tuple[str, str]]:
    with sessions.begin() as session:
        periods = load_periods(session, client="Acme Dental")
        return sorted((p.email.split("@")[0], p.role) for p in periods if p.covers(at))


def listed_at(settings, at: datetime) -> list[tuple[str, str]]:
    """``contacts list --at`` as staff run it."""
    result = run_cli(
        settings, "contacts", "list", "--json", "--client", "Acme Dental", "--at", at.isoformat()
    )
    assert result.returncode == 0, result.stderr
    return sorted((row["email"].split("@")[0], row["role"]) for row in json.loads(result.stdout))


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), DENVER)


def outbound(sessions, kind: str) -> str:
    with sessions.begin() as session:
        row = session.scalars(select(OutboundMessage).where(OutboundMessage.kind == kind)).one()
        return message_from_bytes(row.raw, policy=default).get_content()


@pytest.fixture
def days():
    """The notice's first and last day, ahead of today in the client's zone."""
    today = utc_now().astimezone(DENVER).date()
    return today + timedelta(days=3), today + timedelta(days=10)


def notice(first: date, last: date) -> bytes:
    return make_mail(
        subject="Change of authorised contacts while I am on leave",
        body=(
            "Hello,\n\nwritten notice of a change of our authorised contacts: while I am on "
            f"leave from {first.isoformat()} until {last.isoformat()}, please treat Lee Jones as "
            "our primary contact and Pat Reception <pat@acmedental.example> as our backup.\n\n"
            "Thanks,\nDana"
        ),
        message_id="<notice-1@acmedental.example>",
    )


def report_from_pat(pipeline_at, at: datetime, number: int):
    pipeline = pipeline_at(at)
    raw = make_mail(
        sender="Pat Reception <pat@acmedental.example>",
        subject=f"Phones drop calls after 30 seconds ({number})",
        message_id=f"<pat-{number}@acmedental.example>",
    )
    return pipeline.ingest(raw, source="test", mailbox=SUPPORT, received_at=at)


@pytest.fixture
def pipeline_at(settings, sessions):
    def make(at: datetime) -> Pipeline:
        return Pipeline(
            settings=settings,
            sessions=sessions,
            renderer=ReplyRenderer(settings),
            clock=lambda: at,
            worker="test",
        )

    return make


def test_a_temporary_notice_holds_for_its_period_and_the_old_set_comes_back(
    pipeline, pipeline_at, sessions, settings, days
):
    first, last = days
    outcome = pipeline.ingest(notice(first, last), source="test", mailbox=SUPPORT)
    assert outcome.kind == "contact_change", outcome
    period = f"from {long_day(first)} until {long_day(last)} inclusive"
    copy = outbound(sessions, "staff_copy")
    lines = [line.strip() for line in copy.splitlines()]
    assert "+ Lee Jones <lee@acmedental.example> primary" in lines
    assert "= for a period: Lee Jones primary; Pat Reception backup" in lines
    assert f"({period})" in lines
    after = long_day(last + timedelta(days=1))
    assert f"= then the current set again from {after}: Dana Smith primary; Lee Jones backup" in (
        " ".join(copy.split())
    )
    receipt = " ".join(outbound(sessions, "received").split())
    assert f"We read the change as temporary, {period}." in receipt
    assert "After that, Dana Smith (primary) and Lee Jones (backup) are your authorised" in receipt
    assert receipt.count("temporary") == 1

    result = run_cli(settings, "contacts", "import", "--json", "--ticket", "ZS-000001")

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    start, end = local_midnight(first), local_midnight(last + timedelta(days=1))
    assert report["period"] == {"from": start.isoformat(), "until": end.isoformat()}
    assert report["restored"][0]["client"] == "Acme Dental"
    assert report["read_from_notice"][-1] == f"for a period: {period}, then the set before it again"
    before = [("dana", "primary"), ("lee", "backup")]
    during = [("lee", "primary"), ("pat", "backup")]
    assert authorised_at(sessions, utc_now()) == before
    assert authorised_at(sessions, start - timedelta(seconds=1)) == before
    assert authorised_at(sessions, start) == during
    assert authorised_at(sessions, end - timedelta(seconds=1)) == during
    assert authorised_at(sessions, end) == before
    assert listed_at(settings, start - timedelta(hours=1)) == before
    assert listed_at(settings, start + timedelta(days=1)) == during
    assert listed_at(settings, end + timedelta(days=1)) == before
    with sessions.begin() as session:
        assert session.scalars(select(Ticket)).one().status == "closed"

    in_period = report_from_pat(pipeline_at, start + timedelta(hours=10), 1)
    after_end = report_from_pat(pipeline_at, end + timedelta(hours=10), 2)

    assert in_period.action == "created", in_period
    assert after_end.action == "unauthorized", after_end
    lee_notice = make_mail(
        sender="Lee Jones <lee@acmedental.example>",
        subject="Authorised contacts",
        body="Written notice of a change of our authorised contacts: please make Kim New "
        "<kim@acmedental.example> our backup.",
        message_id="<lee-notice@acmedental.example>",
    )
    during = start + timedelta(hours=12)
    pipeline_at(during).ingest(lee_notice, source="test", mailbox=SUPPORT, received_at=during)
    with sessions.begin() as session:
        receipt_row = session.scalars(
            select(OutboundMessage)
            .where(OutboundMessage.kind == "received")
            .order_by(OutboundMessage.id.desc())
        ).first()
        to = message_from_bytes(receipt_row.raw, policy=default)["To"]
    assert "pat@acmedental.example" in to  # the backup in force when Lee wrote
    assert "dana@acmedental.example" not in to


def test_staff_confirm_a_temporary_notice_by_mail_and_the_ticket_says_when_it_ends(
    pipeline, sessions, days
):
    first, last = days
    pipeline.ingest(notice(first, last), source="test", mailbox=SUPPORT)
    reply = make_mail(
        sender=f"Queue <{QUEUE}>",
        subject="Re: [ZS-000001] Change of authorised contacts while I am on leave",
        body="#contacts\n\nDone: Lee and Pat cover while you are away.",
        message_id="<staff-1@staffmail.example>",
        headers=staff_thread(),
    )

    outcome = pipeline.ingest(reply, source="test", mailbox=SUPPORT)

    assert outcome.action == "appended", outcome
    start, end = local_midnight(first), local_midnight(last + timedelta(days=1))
    assert authorised_at(sessions, start) == [("lee", "primary"), ("pat", "backup")]
    assert authorised_at(sessions, end) == [("dana", "primary"), ("lee", "backup")]
    with sessions.begin() as session:
        ticket = session.scalars(select(Ticket)).one()
        [note] = [m for m in ticket.messages if m.subject.startswith("contacts confirmed")]
    assert "The set before the notice again from" in note.body_text
    assert "+ Dana Smith <dana@acmedental.example> primary" in note.body_text


def test_a_notice_that_sounds_temporary_without_an_end_asks_staff_for_the_last_day(
    pipeline, sessions, settings
):
    last = utc_now().astimezone(DENVER).date() + timedelta(days=6)
    raw = make_mail(
        subject="Authorised contacts while I am away",
        body="Written notice: while I am away, please treat Lee Jones as our primary contact.",
        message_id="<notice-2@acmedental.example>",
    )
    pipeline.ingest(raw, source="test", mailbox=SUPPORT)
    lines = [line.strip() for line in outbound(sessions, "staff_copy").splitlines()]
    assert '? it sounds temporary ("while") but names no last day; if it is, confirm it' in lines
    assert "with: zsupport-mail contacts import --ticket ZS-000001 --until DATE" in lines

    result = run_cli(
        settings, "contacts", "import", "--json", "--ticket", "ZS-000001", "--until", str(last)
    )

    assert result.returncode == 0, result.stderr
    end = local_midnight(last + timedelta(days=1))
    assert json.loads(result.stdout)["period"]["until"] == end.isoformat()
    assert authorised_at(sessions, utc_now()) == [("lee", "primary")]
    assert authorised_at(sessions, end) == [("dana", "primary"), ("lee", "backup")]


def test_staff_who_write_the_csv_give_the_period_with_from_and_until(settings, sessions, tmp_path):
    first = utc_now().astimezone(DENVER).date() + timedelta(days=2)
    last = first + timedelta(days=4)
    path = tmp_path / "cover.csv"
    path.write_text(
        "client,name,email,role\n"
        "Acme Dental,Dana Smith,dana@acmedental.example,primary\n"
        "Acme Dental,Carl Cover,carl@acmedental.example,backup\n",
        encoding="utf-8",
    )

    result = run_cli(
        settings,
        "contacts", "import", str(path), "--json",
        "--from", first.isoformat(), "--until", last.isoformat(),
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    start, end = local_midnight(first), local_midnight(last + timedelta(days=1))
    assert report["period"] == {"from": start.isoformat(), "until": end.isoformat()}
    assert report["clients"][0]["added"][0]["email"] == "carl@acmedental.example"
    assert [e["email"] for e in report["restored"][0]["added"]] == ["lee@acmedental.example"]
    before = [("dana", "primary"), ("lee", "backup")]
    assert authorised_at(sessions, utc_now()) == before
    assert authorised_at(sessions, start) == [("carl", "backup"), ("dana", "primary")]
    assert authorised_at(sessions, end) == before
    # The portal judges a signed-in contact by the same periods: Carl sees all of the
    # client's tickets during his cover only, Lee not during it and again after it.
    with sessions.begin() as session:
        portal = {
            (who, label): find_viewer(session, settings.staff, f"{who}@acmedental.example", at)
            for who in ("carl", "lee")
            for label, at in (("before", utc_now()), ("during", start), ("after", end))
        }
    assert {key: v is not None and v.authorized for key, v in portal.items()} == {
        ("carl", "before"): False,
        ("carl", "during"): True,
        ("carl", "after"): False,
        ("lee", "before"): True,
        ("lee", "during"): False,
        ("lee", "after"): True,
    }


def test_an_until_before_the_start_is_refused_and_changes_nothing(settings, sessions, tmp_path):
    path = tmp_path / "cover.csv"
    path.write_text(
        "client,name,email,role\nAcme Dental,Carl Cover,carl@acmedental.example,primary\n",
        encoding="utf-8",
    )
    yesterday = (utc_now().astimezone(DENVER).date() - timedelta(days=1)).isoformat()

    result = run_cli(settings, "contacts", "import", str(path), "--until", yesterday)

    assert result.returncode != 0
    assert "would already be over" in result.stderr
    assert authorised_at(sessions, utc_now()) == [("dana", "primary"), ("lee", "backup")]


def test_a_lasting_import_during_a_temporary_change_replaces_it_and_its_return(
    settings, sessions, tmp_path
):
    last = utc_now().astimezone(DENVER).date() + timedelta(days=5)
    cover = tmp_path / "cover.csv"
    cover.write_text(
        "client,name,email,role\n"
        "Acme Dental,Lee Jones,lee@acmedental.example,primary\n"
        "Acme Dental,Pat Reception,pat@acmedental.example,backup\n",
        encoding="utf-8",
    )
    lasting = tmp_path / "lasting.csv"
    lasting.write_text(
        "client,name,email,role\n"
        "Acme Dental,Dana Smith,dana@acmedental.example,primary\n"
        "Acme Dental,Kim New,kim@acmedental.example,backup\n",
        encoding="utf-8",
    )
    temporary = run_cli(settings, "contacts", "import", str(cover), "--until", last.isoformat())
    assert temporary.returncode == 0, temporary.stderr
    assert authorised_at(sessions, utc_now()) == [("lee", "primary"), ("pat", "backup")]

    result = run_cli(settings, "contacts", "import", "--json", str(lasting))

    assert result.returncode == 0, result.stderr
    removed = json.loads(result.stdout)["clients"][0]["removed"]
    assert sorted(e["email"] for e in removed) == [
        "lee@acmedental.example",
        "pat@acmedental.example",
    ]
    kept = [("dana", "primary"), ("kim", "backup")]
    assert authorised_at(sessions, utc_now()) == kept
    end = local_midnight(last + timedelta(days=1))
    assert authorised_at(sessions, end) == kept
    assert authorised_at(sessions, end + timedelta(days=30)) == kept
