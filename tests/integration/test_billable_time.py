"""Billable time with amounts: when the work was done decides overtime, the rate decides the
amount (the client's own, else billing.hourly_rate), on SQLite and PostgreSQL."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select

from tests.helpers import BASE_CONFIG, STAFF_SECRET, SUPPORT, ManualClock, make_mail, staff_thread
from zsupport_mail.db.models import Charge
from zsupport_mail.mail.replies import ReplyRenderer
from zsupport_mail.runtime.pipeline import Pipeline

TUE_10AM_DENVER = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)


SECRET = {"secret": STAFF_SECRET}  # staff replies prove themselves by the staff copy


def staff(body: str, number: int) -> bytes:
    return make_mail(
        sender="Tom Tech <tom@zsupport.example>",
        subject="Re: [Z-Support #ZS-000001] Phones",
        body=body,
        message_id=f"<staff-{number}@zsupport.example>",
        headers=staff_thread(),  # a reply to the staff copy: staff authority's proof
    )


def run(
    settings, sessions, clock, *bodies: str
) -> list[tuple[str, Decimal | None, Decimal | None]]:
    pipeline = Pipeline(settings, sessions, ReplyRenderer(settings), clock, "test")
    pipeline.ingest(make_mail(), source="test", mailbox=SUPPORT)
    for number, body in enumerate(bodies):
        pipeline.ingest(staff(body, number), source="test", mailbox=SUPPORT)
    with sessions.begin() as session:
        rows = session.scalars(select(Charge).order_by(Charge.id))
        return [(c.kind, c.hours, c.amount) for c in rows]


def test_overtime_is_judged_by_when_the_work_was_done(make_settings, sessions):
    settings = make_settings(billing={"hourly_rate": 120}, safety=SECRET)
    clock = ManualClock(TUE_10AM_DENVER)  # the staff mails arrive inside business hours

    charges = run(
        settings,
        sessions,
        clock,
        "#time 2h 2026-11-24 19:00\n#note\n\nSwapped the trunk card after hours.",
        "#time 1h\n#note\n\nChecked the logs.",
    )

    assert charges == [
        ("labour_overtime", Decimal("2"), Decimal("360.00")),  # 2 h x 120 x 1.5
        ("labour", Decimal("1"), Decimal("120.00")),
    ]


def test_a_clients_own_rate_wins_and_ntf_and_third_party_time_are_billed(
    make_settings, sessions, tmp_path
):
    clients = copy.deepcopy(BASE_CONFIG["clients"])
    clients[0]["hourly_rate"] = 150  # Acme Dental
    settings = make_settings(billing={"hourly_rate": 120}, clients=clients, safety=SECRET)
    clock = ManualClock(TUE_10AM_DENVER)

    charges = run(
        settings,
        sessions,
        clock,
        "#ntf 1h 2026-11-24 11:00\n#note\n\nNothing wrong on our side.",
        "#third-party 0.5h\n#note\n\nThe carrier's outage.",
    )

    assert charges == [
        ("no_trouble_found", Decimal("1"), Decimal("150.00")),
        ("third_party", Decimal("0.5"), Decimal("75.00")),
    ]
    listed = subprocess.run(
        [
            sys.executable,
            "-m",
            "zsupport_mail",
            "--config",
            str(settings.source),
            "charges",
            "list",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert listed.returncode == 0, listed.stderr
    assert [c["amount"] for c in json.loads(listed.stdout)] == ["150.00", "75.00"]
    exported = subprocess.run(
        [
            sys.executable,
            "-m",
            "zsupport_mail",
            "--config",
            str(settings.source),
            "charges",
            "export",
            "--csv",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert exported.returncode == 0, exported.stderr
    header, *rows = exported.stdout.splitlines()
    assert "amount" in header.split(",")
    assert [row.split(",")[header.split(",").index("amount")] for row in rows] == [
        "150.00",
        "75.00",
    ]


def test_without_a_rate_the_hours_are_recorded_without_an_amount(make_settings, sessions):
    settings = make_settings(safety=SECRET)
    charges = run(settings, sessions, ManualClock(TUE_10AM_DENVER), "#time 1.5h\n#note\n\nx")

    assert charges == [("labour", Decimal("1.5"), None)]
