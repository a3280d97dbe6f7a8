"""The journey log: every step of a message's way through the pipeline, with its reason.

Each step is written as a journey_event row in the message's own transaction (so the log and
the outcome can never disagree) and emitted as one structlog event, ``pipeline_step``.
"""

from __future__ import annotations

from datetime import datetime

import structlog
from sqlalchemy.orm import Session

from zsupport_mail.db.models import JourneyEvent

log = structlog.get_logger("zsupport_mail.journey")


class Journey:
    """Records steps for one inbound message."""

    def __init__(self, session: Session, inbound_id: int, now: datetime) -> None:
        self._session = session
        self._inbound_id = inbound_id
        self._now = now

    def record(self, step: str, outcome: str, reason: str = "") -> None:
        """Add one step; ``outcome`` is a short word, ``reason`` a sentence for people."""
        self._session.add(
            JourneyEvent(
                inbound_id=self._inbound_id,
                at=self._now,
                step=step,
                outcome=outcome,
                reason=reason,
            )
        )
        log.info("pipeline_step", step=step, outcome=outcome, reason=reason)
