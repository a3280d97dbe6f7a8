"""The journey log: every step of a message's way through the pipeline, with its reason.

Each step is written as a journey_event row in the message's own transaction (so the stored
journey and the outcome can never disagree; ``messages show ID`` prints it), with one
multi-row insert when the message is finished. Each step is also logged as ``pipeline_step``
at debug level: at info, the one ``message_processed`` line per message carries the outcome,
and eight more lines per message cost the worker about a tenth of its time.
"""

from __future__ import annotations

from datetime import datetime

import structlog
from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from zsupport_mail.db.models import Base

log = structlog.get_logger("zsupport_mail.queues.journey")
JOURNEY_TABLE = Table("journey_event", Base.metadata)  # the mapped table, for Core inserts


class Journey:
    """Records steps for one inbound message."""

    def __init__(self, session: Session, inbound_id: int, now: datetime) -> None:
        self._session = session
        self._inbound_id = inbound_id
        self._now = now
        self._steps: list[dict[str, object]] = []

    def record(self, step: str, outcome: str, reason: str = "") -> None:
        """Add one step; ``outcome`` is a short word, ``reason`` a sentence for people."""
        self._steps.append(
            {
                "inbound_id": self._inbound_id,
                "at": self._now,
                "step": step,
                "outcome": outcome,
                "reason": reason,
            }
        )
        log.debug("pipeline_step", step=step, outcome=outcome, reason=reason)

    @property
    def steps(self) -> list[str]:
        """The names of the steps recorded so far (not yet saved)."""
        return [str(step["step"]) for step in self._steps]

    def save(self) -> None:
        """Write the recorded steps (call once, before the transaction commits)."""
        if self._steps:
            # Core insert on the session's connection: one executemany, no ORM flush.
            self._session.connection().execute(insert(JOURNEY_TABLE), self._steps)
            self._steps = []
