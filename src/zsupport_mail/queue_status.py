"""What the queues hold right now: one read shared by ``status``, sd_notify STATUS, the gauges
and ``/healthz``.

"Stuck" outbox mail is queued mail whose retry time passed more than ``STUCK_AFTER`` ago: a
working sender reschedules every attempt into the future, so overdue rows mean no sender is
running (or it hangs), not that the relay is down.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zsupport_mail.db.models import InboundMessage, OutboundMessage

STUCK_AFTER = timedelta(minutes=10)
_WAITING = ("pending", "processing")


@dataclass(frozen=True)
class QueueStatus:
    """Row counts by status, the newest arrival per edge, and overdue outbox mail."""

    inbox: dict[str, int]
    outbox: dict[str, int]
    last_received: dict[str, datetime]
    outbox_overdue: int

    @property
    def inbox_pending(self) -> int:
        return sum(self.inbox.get(status, 0) for status in _WAITING)

    @property
    def outbox_queued(self) -> int:
        return self.outbox.get("queued", 0)

    @property
    def quarantined(self) -> int:
        return self.inbox.get("quarantined", 0)

    @property
    def outbox_stuck(self) -> bool:
        return self.outbox_overdue > 0

    def as_json(self) -> dict[str, object]:
        return {
            "inbox": dict(sorted(self.inbox.items())),
            "outbox": dict(sorted(self.outbox.items())),
            "last_received": {k: v.isoformat() for k, v in sorted(self.last_received.items())},
            "quarantined": self.quarantined,
            "outbox_stuck": self.outbox_stuck,
        }


def read_queue_status(session: Session, now: datetime) -> QueueStatus:
    """Count the inbox and outbox in one short read."""
    inbox = session.execute(
        select(InboundMessage.status, func.count()).group_by(InboundMessage.status)
    )
    outbox = session.execute(
        select(OutboundMessage.status, func.count()).group_by(OutboundMessage.status)
    )
    last = session.execute(
        select(InboundMessage.source, func.max(InboundMessage.received_at)).group_by(
            InboundMessage.source
        )
    )
    overdue = session.scalar(
        select(func.count())
        .select_from(OutboundMessage)
        .where(
            OutboundMessage.status == "queued",
            OutboundMessage.next_attempt_at < now - STUCK_AFTER,
        )
    )
    return QueueStatus(
        inbox={status: int(n) for status, n in inbox},
        outbox={status: int(n) for status, n in outbox},
        last_received={source: at for source, at in last if at is not None},
        outbox_overdue=int(overdue or 0),
    )
