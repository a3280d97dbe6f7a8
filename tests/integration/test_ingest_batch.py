"""Batches (runtime/batch.py): several messages in one transaction (SQLite, PostgreSQL): `ingest`'s
and serve's worker's."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.helpers import SUPPORT, TERSE_REPORT, ManualClock, make_mail
from zsupport_mail.db.models import InboundMessage, Ticket
from zsupport_mail.mail.replies import ReplyRenderer
from zsupport_mail.queues.inbox import Arrival, store_raw
from zsupport_mail.runtime.batch import Incoming, ingest_batch, process_batch
from zsupport_mail.runtime.parse_ahead import NOTHING
from zsupport_mail.runtime.pipeline import Pipeline
from zsupport_mail.settings.clock import utc_now

REPORT = make_mail(body=TERSE_REPORT, message_id="<batch-1@acmedental.example>")
REPLY = make_mail(
    subject="Re: Phones drop calls after 30 seconds",
    body="It also happens on the second floor.\n",
    message_id="<batch-2@acmedental.example>",
    headers={"In-Reply-To": "<batch-1@acmedental.example>"},
)
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
STRANGER = make_mail(sender="Someone <someone@elsewhere.example>", message_id="<s-1@x.example>")


def _batch(*raws: bytes) -> list[Incoming]:
    return [Incoming(raw, "cli", SUPPORT, None, NOTHING) for raw in raws]


def _count(sessions: sessionmaker[Session], model: type) -> int:
    with sessions.begin() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_thread_in_one_batch_is_applied_in_order(
    pipeline: Pipeline, sessions: sessionmaker[Session]
) -> None:
    outcomes = ingest_batch(pipeline, _batch(REPORT, REPLY, STRANGER, REPORT))

    assert [o.action for o in outcomes] == ["created", "appended", "quarantined", "duplicate"]
    assert outcomes[1].ticket == outcomes[0].ticket
    assert outcomes[3].ticket == outcomes[0].ticket
    assert _count(sessions, Ticket) == 1
    assert _count(sessions, InboundMessage) == 3


def test_a_failing_message_rolls_the_batch_back_and_fails_alone(
    make_settings, sessions: sessionmaker[Session], tmp_path
) -> None:
    broken = shutil.copytree(TEMPLATES, tmp_path / "broken-templates")
    (broken / "acknowledgement.txt.j2").write_text("{{ no_such_variable }}")  # only this one
    settings = make_settings(templates={"directory": str(broken)})
    pipeline = Pipeline(
        settings=settings, sessions=sessions, renderer=ReplyRenderer(settings), clock=ManualClock()
    )
    complete = make_mail(message_id="<complete-1@acmedental.example>")  # acknowledged: fails

    outcomes = ingest_batch(pipeline, _batch(STRANGER, complete, REPORT))

    assert [o.action for o in outcomes] == ["quarantined", "failed", "created"]
    assert _count(sessions, InboundMessage) == 3  # each stored once, none lost
    assert _count(sessions, Ticket) == 1  # the failing report's ticket was rolled back
    with sessions.begin() as session:
        failed = session.get_one(InboundMessage, outcomes[1].inbound_id)
        assert failed.status == "pending"
        assert failed.attempts == 1
        assert "no_such_variable" in (failed.last_error or "")


def _stored(sessions: sessionmaker[Session], *raws: bytes) -> list[int]:
    arrival = Arrival("smtp", SUPPORT, utc_now())
    return [store_raw(sessions, raw, arrival).inbound_id for raw in raws]


def test_serve_applies_a_claimed_batch_in_id_order(
    pipeline: Pipeline, sessions: sessionmaker[Session]
) -> None:
    _stored(sessions, REPORT, REPLY, STRANGER)

    outcomes = process_batch(pipeline, 8)

    assert [o.action for o in outcomes] == ["created", "appended", "quarantined"]
    assert outcomes[1].ticket == outcomes[0].ticket
    assert process_batch(pipeline, 8) == []  # nothing due any more
    with sessions.begin() as session:
        statuses = session.scalars(select(InboundMessage.status)).all()
    assert sorted(statuses) == ["done", "done", "quarantined"]


def test_a_retry_is_claimed_alone_not_in_a_batch(
    pipeline: Pipeline, sessions: sessionmaker[Session]
) -> None:
    retried, fresh = _stored(sessions, REPORT, STRANGER)
    with sessions.begin() as session:  # as after a crash of the worker under it
        session.get_one(InboundMessage, retried).attempts = 1

    assert process_batch(pipeline, 8) == []  # the oldest due message was tried before
    alone = pipeline.process_next()
    assert alone is not None
    assert (alone.inbound_id, alone.action) == (retried, "created")
    [then] = process_batch(pipeline, 8)
    assert (then.inbound_id, then.action) == (fresh, "quarantined")


def test_a_failing_message_rolls_a_claimed_batch_back_and_fails_alone(
    make_settings, sessions: sessionmaker[Session], tmp_path
) -> None:
    broken = shutil.copytree(TEMPLATES, tmp_path / "broken-templates")
    (broken / "acknowledgement.txt.j2").write_text("{{ no_such_variable }}")  # only this one
    settings = make_settings(templates={"directory": str(broken)})
    pipeline = Pipeline(
        settings=settings, sessions=sessions, renderer=ReplyRenderer(settings), clock=ManualClock()
    )
    ids = _stored(sessions, STRANGER, make_mail(message_id="<complete-2@acmedental.example>"))
    ids += _stored(sessions, REPORT)

    outcomes = process_batch(pipeline, 8)

    assert [o.action for o in outcomes] == ["quarantined", "failed", "created"]
    assert _count(sessions, Ticket) == 1
    with sessions.begin() as session:
        failed = session.get_one(InboundMessage, ids[1])
        assert failed.status == "pending"
        assert "no_such_variable" in (failed.last_error or "")
