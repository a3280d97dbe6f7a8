"""Confidence in the pipeline: a guess is echoed for confirmation and never charged, and the
client's serial register furnishes the serials of a one-system client or a named site."""

from __future__ import annotations

import copy
from email import message_from_bytes
from email.policy import default

from sqlalchemy import select

from tests.helpers import BASE_CONFIG, COMPLETE_REPORT, TERSE_REPORT, make_mail
from zsupport_mail.db.models import Charge, OutboundMessage
from zsupport_mail.mail.replies import ReplyRenderer
from zsupport_mail.runtime.pipeline import Pipeline
from zsupport_mail.settings.clock import utc_now


def ingest(pipeline, raw):
    return pipeline.ingest(raw, source="test", mailbox="support@zsupport.example")


def only_reply(sessions) -> tuple[str, str]:
    with sessions.begin() as session:
        [row] = session.scalars(select(OutboundMessage))
        text = message_from_bytes(row.raw, policy=default).get_content()
        return row.kind, text.replace("\r\n", "\n")


def charge_count(sessions) -> int:
    with sessions.begin() as session:
        return len(list(session.scalars(select(Charge))))


def pipeline_with_register(make_settings, sessions, **acme):
    clients = copy.deepcopy(BASE_CONFIG["clients"])
    clients[0].update(acme)
    settings = make_settings(clients=clients)
    return Pipeline(
        settings=settings, sessions=sessions, renderer=ReplyRenderer(settings), clock=utc_now
    )


def test_a_guessed_serial_completes_the_report_and_is_echoed_for_confirmation(pipeline, sessions):
    body = COMPLETE_REPORT.replace("Board S/N: 620LQ", "S/N 4C10M (the one on the back)")
    outcome = ingest(pipeline, make_mail(body=body))

    assert outcome.missing == []
    assert outcome.found["board_serial"][0]["confidence"] == "low"
    assert outcome.found["appliance_serial"][0]["confidence"] == "high"
    kind, text = only_reply(sessions)
    assert kind == "acknowledgement"
    assert 'Board serial number: 4C10M (we read "S/N 4C10M"; please tell us if' in text
    assert "Appliance serial number: 6326V\n" in text  # a certain reading is not questioned
    assert charge_count(sessions) == 0


def test_the_register_of_a_one_system_client_furnishes_its_serials(make_settings, sessions):
    pipeline = pipeline_with_register(
        make_settings, sessions, board_serials=["620LQ"], appliance_serials=["6326V"]
    )
    outcome = ingest(pipeline, make_mail(body=TERSE_REPORT))

    assert "board_serial" not in outcome.missing
    assert "appliance_serial" not in outcome.missing
    assert outcome.found["board_serial"][0]["origin"] == "register"
    _, text = only_reply(sessions)
    assert "Board serial number: 620LQ (from our records for your only system;" in text


def test_with_several_systems_only_a_named_site_furnishes_its_serials(make_settings, sessions):
    pipeline = pipeline_with_register(
        make_settings,
        sessions,
        board_serials=["620LQ", "711KR"],
        appliance_serials=["6326V", "7140M"],
        sites={"Lakewood": ["711KR", "7140M"], "Denver": ["620LQ", "6326V"]},
    )
    outcome = ingest(
        pipeline, make_mail(body="At the Lakewood office every external call drops.\n")
    )

    assert "board_serial" not in outcome.missing
    assert [f["value"] for f in outcome.found["board_serial"]] == ["711KR"]
    assert [f["value"] for f in outcome.found["appliance_serial"]] == ["7140M"]


def test_with_several_systems_and_no_site_named_the_serials_are_missing(make_settings, sessions):
    pipeline = pipeline_with_register(
        make_settings,
        sessions,
        board_serials=["620LQ", "711KR"],
        appliance_serials=["6326V", "7140M"],
        sites={"Lakewood": ["711KR", "7140M"]},
    )
    outcome = ingest(pipeline, make_mail(body=TERSE_REPORT))

    assert outcome.missing[:2] == ["board_serial", "appliance_serial"]


def test_the_register_can_be_switched_off(make_settings, sessions):
    clients = copy.deepcopy(BASE_CONFIG["clients"])
    clients[0].update(board_serials=["620LQ"], appliance_serials=["6326V"])
    settings = make_settings(clients=clients, scoring={"register_counts_as_furnished": False})
    pipeline = Pipeline(
        settings=settings, sessions=sessions, renderer=ReplyRenderer(settings), clock=utc_now
    )
    outcome = ingest(pipeline, make_mail(body=TERSE_REPORT))

    assert outcome.missing[:2] == ["board_serial", "appliance_serial"]
