"""Scoring ahead in worker processes: the writer takes a worker's score only for the same inputs.

A worker (runtime/parse_ahead.py) guesses the sender's client and contact from the config and
scores the mail before the writer has read the sender from the directory. These tests hand the
writer a doctored score ahead (the complete report's, for a terse one) to see which one it
used, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from tests.helpers import COMPLETE_REPORT, TERSE_REPORT, make_mail
from zsupport_mail.runtime.parse_ahead import Prepared, prepare_with
from zsupport_mail.runtime.pipeline import Pipeline
from zsupport_mail.settings.clock import utc_now

TERSE = make_mail(body=TERSE_REPORT, message_id="<terse-1@acmedental.example>")


def _doctored(pipeline: Pipeline, at_score: timedelta = timedelta(0)) -> Prepared:
    """The terse report parsed, carrying the complete report's score as its score ahead."""
    at = utc_now().replace(microsecond=0)
    terse = prepare_with(TERSE, pipeline.settings, at)
    complete = prepare_with(make_mail(body=COMPLETE_REPORT), pipeline.settings, at + at_score)
    assert terse.prescore is not None
    assert complete.prescore is not None
    assert terse.prescore.score.missing, "the terse report misses items"
    assert not complete.prescore.score.missing, "the complete report misses nothing"
    return Prepared(terse.parsed, complete.prescore)


def test_the_writer_takes_a_score_ahead_made_for_the_same_inputs(pipeline: Pipeline) -> None:
    ahead = _doctored(pipeline)
    assert ahead.prescore is not None

    outcome = pipeline.ingest(
        TERSE,
        source="test",
        mailbox="support@zsupport.example",
        received_at=ahead.prescore.received_at,
        ahead=ahead,
    )

    assert outcome.action == "created"
    assert outcome.missing == []  # the doctored score: the worker's answer was used


def test_a_score_ahead_for_another_arrival_time_is_scored_again(pipeline: Pipeline) -> None:
    ahead = _doctored(pipeline)
    assert ahead.prescore is not None
    stale = replace(ahead.prescore, received_at=ahead.prescore.received_at - timedelta(hours=1))

    outcome = pipeline.ingest(
        TERSE,
        source="test",
        mailbox="support@zsupport.example",
        received_at=ahead.prescore.received_at,
        ahead=Prepared(ahead.parsed, stale),
    )

    assert outcome.action == "created"
    assert outcome.missing  # scored again by the writer: the terse report's own gaps


def test_a_score_ahead_for_another_contact_is_scored_again(pipeline: Pipeline) -> None:
    ahead = _doctored(pipeline)
    assert ahead.prescore is not None
    other = replace(ahead.prescore.record, phone="+1 303 555 0999")

    outcome = pipeline.ingest(
        TERSE,
        source="test",
        mailbox="support@zsupport.example",
        received_at=ahead.prescore.received_at,
        ahead=Prepared(ahead.parsed, replace(ahead.prescore, record=other)),
    )

    assert outcome.missing


def test_mail_from_outside_the_clients_is_not_scored_ahead(pipeline: Pipeline) -> None:
    stranger = make_mail(sender="Someone <someone@elsewhere.example>")

    prepared = prepare_with(stranger, pipeline.settings, utc_now())

    assert prepared.parsed is not None
    assert not isinstance(prepared.parsed, Exception)
    assert prepared.prescore is None
