"""serve's processing reads ahead: the next due inbox messages are parsed and scored in
worker processes while the processing child applies the one in hand.

The claim, the assessment, the handlers and the commit stay in the processing child, one
message per transaction in id order, exactly as without workers: the workers only fill a
cache keyed by inbox id (runtime/parse_ahead.py's ``prepare``). A message nobody prepared
(a retry, a message too big to hold twice, a worker that crashed) is parsed by the child as
before, so nothing here decides what is acknowledged, claimed or lost.

Only a small window of messages is held at once, each at most ``MAX_BYTES``, so the read-ahead
adds little to the child's memory. The workers die with the child (``PR_SET_PDEATHSIG``).
"""

from __future__ import annotations

import functools
import os
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from zsupport_mail.db.models import InboundMessage
from zsupport_mail.queues.inbox import due
from zsupport_mail.runtime.parents import quiet_child
from zsupport_mail.runtime.parse_ahead import NOTHING, Prepared, prepare, worker_pool
from zsupport_mail.settings import Settings

log = structlog.get_logger("zsupport_mail.runtime.prefetch")
MAX_BYTES = 4_000_000  # bigger mail is parsed by the child itself: never held twice
WINDOW_PER_JOB = 4


class Prefetch:
    """A pool of ``jobs`` workers preparing the next due messages, and what they prepared."""

    def __init__(self, sessions: sessionmaker[Session], settings: Settings, jobs: int) -> None:
        self._sessions = sessions
        self._settings = settings
        self._jobs = jobs
        self._window = jobs * WINDOW_PER_JOB
        self._pool = self._new_pool()
        self._ready: dict[int, Future[Prepared]] = {}
        self._after = 0  # the highest inbox id handed to a worker

    def top_up(self, now: datetime) -> None:
        """Hand the next due messages after the last one handed out to the workers."""
        room = self._window - len(self._ready)
        if room <= 0:
            return
        with self._sessions.begin() as session:
            rows = session.execute(
                select(InboundMessage.id, InboundMessage.raw, InboundMessage.received_at)
                .where(InboundMessage.status == "pending", InboundMessage.id > self._after)
                .where(due(now), InboundMessage.size <= MAX_BYTES)
                .order_by(InboundMessage.id)
                .limit(room)
            ).all()
        for inbound_id, raw, received_at in rows:
            self._ready[inbound_id] = self._pool.submit(prepare, raw, received_at)
            self._after = inbound_id

    def take(self, inbound_id: int) -> Prepared:
        """What the workers prepared for this claimed message, or NOTHING (the child parses).

        Messages before it that were handed out and not taken were claimed by another
        instance (or are waiting for a retry): their answers are dropped.
        """
        for passed in [key for key in self._ready if key < inbound_id]:
            self._ready.pop(passed).cancel()
        task = self._ready.pop(inbound_id, None)
        if task is None:
            return NOTHING
        try:
            return task.result()
        except BrokenProcessPool as exc:  # a worker died under a hostile mail: start over
            log.warning("prefetch_workers_died", error=repr(exc))
            self.close()
            self._pool = self._new_pool()
            return NOTHING

    def _new_pool(self) -> ProcessPoolExecutor:
        """``jobs`` workers that die with this process."""
        return worker_pool(self._jobs, self._settings, functools.partial(quiet_child, os.getpid()))

    def close(self, wait: bool = False) -> None:
        """Stop the workers (``wait``: until they have exited) and forget what they prepared."""
        for task in self._ready.values():
            task.cancel()
        self._ready.clear()
        self._pool.shutdown(wait=wait, cancel_futures=True)
