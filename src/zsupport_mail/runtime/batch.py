"""Apply several messages in one transaction: one commit (one fsync) per batch.

``ingest --jobs`` batches the messages it reads; serve's worker, with
``processing.batch_size`` above 1, the due messages it claims (``process_batch``).

With parsing and scoring in worker processes (``ingest --jobs``), the writer's own time is
the database's work, and a commit's fsync is a fixed part of it per transaction; on a busy
disk it grows to several milliseconds. A batch applies its messages in arrival order inside
one transaction (each flushed before the next, so a reply finds the ticket its report made a
moment earlier) and commits once; only then are their outcomes returned, so a JSON line is
still printed only for a committed message, and a crash or Ctrl-C loses only the batch in
hand, which the next run of the same command applies again.

If anything in a batch fails, the whole batch is rolled back and its messages are applied
again one transaction each (Pipeline.ingest), so a failure stays the failing message's own:
counted, retried and quarantined exactly as without batches.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog

from zsupport_mail.db.models import InboundMessage
from zsupport_mail.queues.inbox import Arrival, claim_first_attempts
from zsupport_mail.queues.thread_order import earlier_in_thread
from zsupport_mail.runtime.outcome import Outcome
from zsupport_mail.runtime.parse_ahead import NOTHING, Prepared
from zsupport_mail.runtime.pipeline import Pipeline, logged

log = structlog.get_logger("zsupport_mail.runtime.batch")


@dataclass(frozen=True)
class Incoming:
    """One message of a batch: its bytes, where it came from, and what workers prepared."""

    raw: bytes
    source: str
    mailbox: str
    received_at: datetime | None
    ahead: Prepared


def ingest_batch(pipeline: Pipeline, batch: list[Incoming]) -> list[Outcome]:
    """Each message stored and processed, all in one transaction; outcomes in batch order."""
    if len(batch) == 1:
        return [_one(pipeline, batch[0])]
    now = pipeline.clock()
    try:
        with pipeline.sessions.begin() as session:
            done: list[Outcome | int] = []
            for item in batch:
                arrival = Arrival(item.source, item.mailbox, item.received_at or now)
                done.append(pipeline.ingest_in(session, item.raw, arrival, now, item.ahead))
                session.flush()  # the next message's queries see this one's rows
    except Exception as exc:
        log.warning("batch_rolled_back", messages=len(batch), error=repr(exc))
        return [_one(pipeline, item) for item in batch]
    return [
        logged(result) if isinstance(result, Outcome) else pipeline.unclaimed_outcome(result)
        for result in done
    ]


def _one(pipeline: Pipeline, item: Incoming) -> Outcome:
    return pipeline.ingest(
        item.raw,
        source=item.source,
        mailbox=item.mailbox,
        received_at=item.received_at,
        ahead=item.ahead,
    )


class _TakenOver(Exception):
    """A row of the batch is no longer ours (its claim was taken over): apply one by one."""


def process_batch(
    pipeline: Pipeline, limit: int, ahead: Callable[[int], Prepared] | None = None
) -> list[Outcome]:
    """serve's worker with ``processing.batch_size`` above 1: claim up to ``limit`` due
    first attempts and apply them in one transaction, in id order; [] when none is due (a
    retry is then claimed alone by Pipeline.process_next).

    The replies they queue are released to the sender by the commit, all at once; a batch
    in which anything fails is rolled back and its messages processed one transaction each.
    """
    now = pipeline.clock()
    lease = timedelta(seconds=pipeline.settings.processing.claim_lease_seconds)
    ids = claim_first_attempts(pipeline.sessions, pipeline.worker, now, limit, lease=lease)
    prepared = {i: NOTHING if ahead is None else ahead(i) for i in ids}
    if len(ids) <= 1:
        return [pipeline.process_claimed(i, now, prepared[i]) for i in ids]
    try:
        with pipeline.sessions.begin() as session:
            outcomes = []
            for inbound_id in ids:
                row = session.get_one(InboundMessage, inbound_id, with_for_update=True)
                if (row.status, row.claimed_by) != ("processing", pipeline.worker):
                    raise _TakenOver(inbound_id)
                if earlier_in_thread(session, row, pipeline.worker, now):
                    raise _TakenOver(inbound_id)  # one by one, where it waits for its thread
                outcomes.append(pipeline.process_row(session, row, now, ahead=prepared[inbound_id]))
                session.flush()  # the next message's queries see this one's rows
    except Exception as exc:
        log.warning("batch_rolled_back", messages=len(ids), error=repr(exc))
        return [pipeline.process_claimed(i, now, prepared[i]) for i in ids]
    return [logged(outcome) for outcome in outcomes]
