"""The authorised-contact history: imports, config syncs, and the intake asking "who was
authorised when this mail arrived?" (on SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from structlog.testing import capture_logs

from tests.helpers import BASE_CONFIG, ManualClock, make_mail
from zsupport_mail.contacts.history import load_periods
from zsupport_mail.contacts.importer import ImportInvalid, apply_import, known, parse_csv
from zsupport_mail.contacts.repository import load_directory
from zsupport_mail.db.models import InboundMessage
from zsupport_mail.db.repos import sync_directory
from zsupport_mail.mail.replies import ReplyRenderer
from zsupport_mail.runtime.pipeline import Pipeline

NOTICE = """client,name,email,role,phone
Acme Dental,Lee Jones,lee@acmedental.example,primary,
Acme Dental,Kim New,kim@acmedental.example,backup,+1 303 555 0102
"""
SOURCE = "import:contacts.csv by ops"


def run_import(sessions, text, at):
    with sessions.begin() as session:
        rows = parse_csv(text, known(session))
        return apply_import(session, rows, at=at, source=SOURCE, note="letter of 20 Nov")


def authorised(sessions, client, at):
    with sessions.begin() as session:
        return {(p.email, p.role) for p in load_periods(session, client=client) if p.covers(at)}


def test_import_replaces_a_clients_set_and_ends_periods_instead_of_deleting(sessions):
    clock = ManualClock()
    [changes] = run_import(sessions, NOTICE, clock.now)

    assert [c["email"] for c in changes.added] == ["kim@acmedental.example"]
    assert [(c["email"], c["from_role"]) for c in changes.changed] == [
        ("lee@acmedental.example", "backup")
    ]
    assert [c["email"] for c in changes.removed] == ["dana@acmedental.example"]
    assert authorised(sessions, "Acme Dental", clock.now) == {
        ("lee@acmedental.example", "primary"),
        ("kim@acmedental.example", "backup"),
    }
    before = clock.now - timedelta(seconds=1)
    assert authorised(sessions, "Acme Dental", before) == {
        ("dana@acmedental.example", "primary"),
        ("lee@acmedental.example", "backup"),
    }
    # A client not in the file keeps its contacts.
    assert authorised(sessions, "Globex", clock.now) == {("hank@globex.example", "primary")}
    with sessions.begin() as session:
        [dana] = load_periods(session, email="dana@acmedental.example")
    assert (dana.valid_until, dana.ended_by) == (clock.now, SOURCE)
    assert "until" in dana.explain()
    assert SOURCE in dana.explain()


def test_every_invalid_row_is_reported_with_its_line(sessions):
    text = (
        "client,name,email,role\n"
        "Acme Dental,,lee@acmedental.example,boss\n"
        "Initech,Ann,ann@initech.example,primary\n"
        "Acme Dental,Hank,hank@globex.example,backup\n"
        "Acme Dental,Kim,kim@acmedental.example,backup\n"
        "Acme Dental,Kim,KIM@acmedental.example,primary\n"
    )
    with sessions.begin() as session, pytest.raises(ImportInvalid) as caught:
        parse_csv(text, known(session))
    assert caught.value.problems == [
        "line 2: name is empty",
        "line 2: role 'boss': expected primary or backup",
        "line 3: no client 'Initech' (clients come from the config)",
        "line 4: hank@globex.example is a contact of Globex, not Acme Dental",
        "line 6: kim@acmedental.example is already listed on line 5",
    ]


def test_a_reload_never_undoes_an_import(sessions, settings):
    clock = ManualClock()
    run_import(sessions, NOTICE, clock.now)
    with capture_logs() as logs, sessions.begin() as session:
        sync_directory(session, settings, clock.now + timedelta(hours=1))  # SIGHUP, same config
    [superseded] = [e for e in logs if e["event"] == "config_contacts_superseded"]
    assert superseded["client"] == "Acme Dental"
    assert "dana@acmedental.example" in superseded["contacts"]
    later = clock.now + timedelta(hours=2)
    assert ("dana@acmedental.example", "primary") not in authorised(sessions, "Acme Dental", later)
    assert ("kim@acmedental.example", "backup") in authorised(sessions, "Acme Dental", later)


def test_config_changes_end_and_open_periods_at_the_sync(make_settings, sessions):
    clock = ManualClock()
    clients = [dict(c) for c in BASE_CONFIG["clients"]]
    clients[0] = {**clients[0], "contacts": [clients[0]["contacts"][0]]}  # Lee removed
    with sessions.begin() as session:
        sync_directory(session, make_settings(clients=clients), clock.now)
    assert authorised(sessions, "Acme Dental", clock.now) == {
        ("dana@acmedental.example", "primary")
    }
    with sessions.begin() as session:
        [lee] = load_periods(session, email="lee@acmedental.example")
    assert (lee.valid_until, lee.ended_by) == (clock.now, "config")


def ingest(pipeline, sender, message_id):
    return pipeline.ingest(
        make_mail(sender=sender, message_id=message_id), source="cli", mailbox="support@x"
    )


def test_intake_uses_who_was_authorised_when_the_mail_arrived(settings, sessions):
    clock = ManualClock()
    pipeline = Pipeline(settings, sessions, ReplyRenderer(settings), clock, worker="test")
    early_kim = ingest(pipeline, "kim@acmedental.example", "<k1@x>")
    early_dana = ingest(pipeline, "dana@acmedental.example", "<d1@x>")
    assert (early_kim.action, early_dana.action) == ("unauthorized", "created")

    notice_at = clock.now + timedelta(hours=1)
    run_import(sessions, NOTICE, notice_at)  # the pipeline's cached directory is now stale
    clock.advance(hours=2)
    assert ingest(pipeline, "kim@acmedental.example", "<k2@x>").action == "created"
    assert ingest(pipeline, "dana@acmedental.example", "<d2@x>").action == "unauthorized"

    # A message that arrived before the notice is still judged by the list of its time.
    with sessions.begin() as session:
        directory = load_directory(session, settings)
        received = session.get_one(InboundMessage, early_dana.inbound_id).received_at
    then, now = directory.as_of(received), directory.as_of(clock.now)
    assert then.contact("dana@acmedental.example").authorized
    assert now.contact("dana@acmedental.example") is None
    assert now.contact("kim@acmedental.example").authorized
    assert not then.contact("kim@acmedental.example").authorized  # known now, not then


def test_journey_records_why_the_sender_was_authorised(settings, sessions):
    clock = ManualClock()
    pipeline = Pipeline(settings, sessions, ReplyRenderer(settings), clock, worker="test")
    run_import(sessions, NOTICE, clock.now - timedelta(days=1))
    outcome = ingest(pipeline, "kim@acmedental.example", "<k3@x>")
    assert outcome.action == "created"
    with sessions.begin() as session:
        row = session.get_one(InboundMessage, outcome.inbound_id)
        [step] = [e for e in row.journey if e.step == "authorisation"]
        assert step.outcome == "ok"
        assert step.reason.startswith("backup contact of Acme Dental since ")
        assert SOURCE in step.reason
        assert "letter of 20 Nov" in step.reason


def test_migration_0007_keeps_existing_authorised_contacts_authorised(empty_db_url):
    """Mail stored before the history existed must still be explained as authorised."""
    from sqlalchemy import text

    from zsupport_mail.contacts.periods import RECORD_START
    from zsupport_mail.db import migrate
    from zsupport_mail.db.session import make_engine, make_session_factory

    migrate.upgrade(empty_db_url, "0006")
    engine = make_engine(empty_db_url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO client (id, name, timezone, monthly_fee, active) "
                "VALUES (1, 'Acme Dental', 'UTC', 0, :yes)"
            ),
            {"yes": True},
        )
        for n, (email, role, active) in enumerate(
            [
                ("dana@a.example", "primary", True),
                ("pat@a.example", "other", True),
                ("old@a.example", "backup", False),
            ]
        ):
            connection.execute(
                text(
                    "INSERT INTO contact (id, client_id, name, email, role, active, bounces) "
                    "VALUES (:id, 1, 'x', :email, :role, :active, 0)"
                ),
                {"id": n + 1, "email": email, "role": role, "active": active},
            )
    migrate.upgrade(empty_db_url)
    with make_session_factory(engine).begin() as session:
        periods = load_periods(session)
    engine.dispose()
    assert [(p.email, p.role, p.valid_from, p.source) for p in periods] == [
        ("dana@a.example", "primary", RECORD_START, "config")
    ]
