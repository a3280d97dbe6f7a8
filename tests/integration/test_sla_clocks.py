"""SLA due times kept on tickets by the pipeline, on the client's business calendar."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.policy import default

from sqlalchemy import select

from tests.helpers import STAFF_SECRET, SUPPORT, TERSE_REPORT, ManualClock, make_mail, staff_thread
from zsupport_mail.db.models import OutboundMessage, Ticket
from zsupport_mail.mail.replies import ReplyRenderer
from zsupport_mail.runtime.pipeline import Pipeline

WED_4PM_DENVER = datetime(2026, 11, 25, 23, 0, tzinfo=UTC)  # the day before Thanksgiving
STAFF = "Tom Tech <tom@zsupport.example>"


def pipeline_at(make_settings, sessions, clock, **overrides) -> Pipeline:
    overrides.setdefault("safety", {"secret": STAFF_SECRET})
    settings = make_settings(**overrides)
    return Pipeline(
        settings=settings, sessions=sessions, renderer=ReplyRenderer(settings), clock=clock
    )


def ingest(pipeline, raw):
    return pipeline.ingest(raw, source="test", mailbox=SUPPORT)


def ticket(sessions) -> Ticket:
    with sessions.begin() as session:
        return session.scalars(select(Ticket)).one()


def test_complete_report_starts_the_clock_and_the_ack_names_the_due_time(make_settings, sessions):
    pipeline = pipeline_at(make_settings, sessions, ManualClock(WED_4PM_DENVER))
    ingest(pipeline, make_mail())

    current = ticket(sessions)
    assert current.sla_started_at == WED_4PM_DENVER
    # 16:00-17:00 Wednesday, Thursday is Thanksgiving, 08:00-09:00 Friday.
    assert current.response_due_at == datetime(2026, 11, 27, 16, 0, tzinfo=UTC)
    assert current.restoration_due_at is None  # not critical
    with sessions.begin() as session:
        ack = session.scalars(select(OutboundMessage)).one()
    body = message_from_bytes(ack.raw, policy=default).get_content()
    assert "Fri 27 Nov 2026 09:00 MST (America/Denver)" in body


def test_clock_starts_when_the_intake_becomes_complete(make_settings, sessions):
    clock = ManualClock(WED_4PM_DENVER)
    pipeline = pipeline_at(make_settings, sessions, clock)
    ingest(pipeline, make_mail(body=TERSE_REPORT))
    assert ticket(sessions).sla_started_at is None

    clock.advance(days=5)  # Monday 30 Nov, 16:00 in Denver
    form = (
        "Board serial: 620LQ\nAppliance serial: 6326V\nSoftware version: MX 17.0.10 patch "
        "17161\nReproducible: yes\nCall example: 2026-11-25 10:42, from ext 2045, to "
        "+1 303 555 0199\nInternal ticket: INC0012345\n\nEvery external call drops after "
        "thirty seconds on all lines since the morning.\n"
    )
    ingest(
        pipeline,
        make_mail(subject="Re: [Z-Support #ZS-000001] x", body=form, message_id="<complete@x>"),
    )
    current = ticket(sessions)
    assert current.sla_started_at == clock.now
    assert current.response_due_at == datetime(2026, 12, 1, 16, 0, tzinfo=UTC)  # Tue 09:00


def test_first_receipt_mode(make_settings, sessions):
    pipeline = pipeline_at(
        make_settings, sessions, ManualClock(WED_4PM_DENVER), sla={"clock_start": "first_receipt"}
    )
    ingest(pipeline, make_mail(body=TERSE_REPORT))
    assert ticket(sessions).sla_started_at == WED_4PM_DENVER


def test_critical_restoration_adds_back_time_waiting_on_the_client(make_settings, sessions):
    start = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)  # Tuesday 10:00 in Denver
    clock = ManualClock(start)
    pipeline = pipeline_at(make_settings, sessions, clock)
    ingest(pipeline, make_mail())
    ingest(
        pipeline,
        make_mail(
            sender=STAFF,
            subject="Re: [Z-Support #ZS-000001] x",
            body="#critical\n#status pending\nPlease power-cycle the unit.",
            message_id="<staff-1@zsupport.example>",
            headers=staff_thread(),
        ),
    )
    assert ticket(sessions).restoration_due_at == start + timedelta(hours=4)

    clock.advance(hours=1, minutes=30)
    ingest(
        pipeline,
        make_mail(
            subject="Re: [Z-Support #ZS-000001] x",
            body="Done, no change.",
            message_id="<client-2@x>",
        ),
    )
    current = ticket(sessions)
    assert current.status == "open"
    assert current.pending_log
    assert len(current.pending_log) == 1
    assert current.restoration_due_at == start + timedelta(hours=5, minutes=30)


def test_sla_report_and_credits_from_the_cli(make_settings, sessions, tmp_path, db_url):
    import json
    import subprocess
    import sys

    from tests.helpers import write_config

    start = datetime(2026, 11, 10, 17, 0, tzinfo=UTC)  # Tuesday 10:00 in Denver
    clock = ManualClock(start)
    pipeline = pipeline_at(make_settings, sessions, clock)
    ingest(pipeline, make_mail())
    clock.advance(minutes=30)
    ingest(
        pipeline,
        make_mail(
            sender=STAFF,
            subject="Re: [Z-Support #ZS-000001] x",
            body="#critical\nLooking at the trunk now.",
            message_id="<s-1@zsupport.example>",
            headers=staff_thread(),
        ),
    )
    clock.advance(hours=9, minutes=30)  # restored 10 h after the start: 6 h past due
    ingest(
        pipeline,
        make_mail(
            sender=STAFF,
            subject="Re: [Z-Support #ZS-000001] x",
            body="#status restored\n#credit-requested\nFixed.",
            message_id="<s-2@zsupport.example>",
            headers=staff_thread(),
        ),
    )
    config = write_config(tmp_path / "cli.toml", db_url, tmp_path)

    def run(*args):
        result = subprocess.run(
            [sys.executable, "-m", "zsupport_mail", "--config", str(config), *args],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    [row] = run("sla", "report", "--month", "2026-11", "--json")["clients"]
    assert (row["tickets"], row["responses_met"], row["restorations_missed"]) == (1, 1, 1)
    assert row["median_response_hours"] == 0.5
    report = run("credits", "--client", "Acme Dental", "--month", "2026-11", "--json")
    [credit] = report["credits"]
    # monthly fee 450 x portion 1.0 x 6 h / 720 h in November
    assert (credit["hours_past_due"], credit["amount"], credit["requested"]) == (
        "6.00",
        "3.75",
        True,
    )
    assert report["total"] == "3.75"


def test_a_client_that_works_thanksgiving_gets_an_earlier_due_time(make_settings, sessions):
    from tests.helpers import BASE_CONFIG

    acme = {
        **BASE_CONFIG["clients"][0],
        "working_holidays": ["2026-11-26"],
        "business_hours": {"fri": "closed"},
    }
    clients = [acme, BASE_CONFIG["clients"][1]]
    pipeline = pipeline_at(make_settings, sessions, ManualClock(WED_4PM_DENVER), clients=clients)
    ingest(pipeline, make_mail())
    # 1 h on Wednesday, then Thursday 08:00-09:00: Thanksgiving is a working day here.
    assert ticket(sessions).response_due_at == datetime(2026, 11, 26, 16, 0, tzinfo=UTC)


def test_staff_set_the_affected_portion(make_settings, sessions):
    pipeline = pipeline_at(make_settings, sessions, ManualClock(WED_4PM_DENVER))
    ingest(pipeline, make_mail())
    ingest(
        pipeline,
        make_mail(
            sender=STAFF,
            subject="Re: [Z-Support #ZS-000001] x",
            body="#affected 0.25\n#critical\nOne site down.",
            message_id="<aff@zsupport.example>",
            headers=staff_thread(),
        ),
    )
    assert str(ticket(sessions).affected_portion) == "0.250"


def test_restoration_can_be_measured_in_business_hours(make_settings, sessions):
    clock = ManualClock(WED_4PM_DENVER)
    pipeline = pipeline_at(make_settings, sessions, clock, sla={"restoration_measure": "business"})
    ingest(pipeline, make_mail())
    ingest(
        pipeline,
        make_mail(
            sender=STAFF,
            subject="Re: [Z-Support #ZS-000001] x",
            body="#critical\nOn it.",
            message_id="<c@zsupport.example>",
            headers=staff_thread(),
        ),
    )
    # 4 business hours from Wed 16:00: 1 h Wednesday, Thanksgiving, 3 h Friday -> Fri 11:00.
    assert ticket(sessions).restoration_due_at == datetime(2026, 11, 27, 18, 0, tzinfo=UTC)


def test_configured_keywords_make_a_report_critical(make_settings, sessions):
    clock = ManualClock(WED_4PM_DENVER)
    pipeline = pipeline_at(
        make_settings, sessions, clock, sla={"critical_keywords": ["system down", "no dial tone"]}
    )
    ingest(pipeline, make_mail(subject="URGENT: no dial tone on any phone"))
    current = ticket(sessions)
    assert current.critical is True
    assert current.restoration_due_at == WED_4PM_DENVER + timedelta(hours=4)
