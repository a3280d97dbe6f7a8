"""What the queues hold right now: one read shared by ``status``, sd_notify STATUS, the gauges
and ``/healthz``.

It also counts open tickets whose SLA target passed unmet ("in breach"), for ``status`` and the
``sla_tickets_in_breach`` gauge: due times are stored on the ticket, so this is two counts, not
a calendar computation per ticket.

"Stuck" outbox mail is queued mail whose retry time passed more than ``STUCK_AFTER`` ago: a
working sender reschedules every attempt into the future, so overdue rows mean no sender is
running (or it hangs), not that the relay is down.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from zsupport_mail.db.models import Client, InboundMessage, OutboundMessage, Ticket

STUCK_AFTER = timedelta(minutes=10)
_WAITING = ("pending", "processing")
OPEN_STATES = ("open", "awaiting_info", "pending")  # the SLA jobs' open tickets
SLA_TARGETS = ("response", "restoration")


@dataclass(frozen=True)
class QueueStatus:
    """Row counts by status, the newest arrival per edge, and overdue outbox mail."""

    inbox: dict[str, int]
    outbox: dict[str, int]
    last_received: dict[str, datetime]
    outbox_overdue: int
    breaches: dict[str, int] = field(default_factory=dict)  # SLA target -> open tickets

    @property
    def inbox_pending(self) -> int:
        """Inbound mail not yet done: waiting for a worker or in a worker's hands."""
        return sum(self.inbox.get(status, 0) for status in _WAITING)

    @property
    def outbox_queued(self) -> int:
        """Outgoing mail still to be delivered."""
        return self.outbox.get("queued", 0)

    @property
    def quarantined(self) -> int:
        """Inbound mail set aside for a person to look at."""
        return self.inbox.get("quarantined", 0)

    @property
    def outbox_stuck(self) -> bool:
        """Whether queued mail is overdue: no sender is working the outbox."""
        return self.outbox_overdue > 0

    def as_json(self) -> dict[str, object]:
        """The counts as JSON, for ``status`` (which adds the breached tickets) and monitoring."""
        return {
            "inbox": dict(sorted(self.inbox.items())),
            "outbox": dict(sorted(self.outbox.items())),
            "last_received": {k: v.isoformat() for k, v in sorted(self.last_received.items())},
            "quarantined": self.quarantined,
            "outbox_stuck": self.outbox_stuck,
            "sla_breaches": {t: self.breaches.get(t, 0) for t in SLA_TARGETS},
        }


def _in_breach(target: str, now: datetime) -> ColumnElement[bool]:
    """Open tickets whose target's due time passed without being met."""
    if target == "response":
        return and_(
            Ticket.status.in_(OPEN_STATES),
            Ticket.response_due_at < now,
            Ticket.first_response_at.is_(None),
        )
    return and_(
        Ticket.status.in_(OPEN_STATES),
        Ticket.critical.is_(True),
        Ticket.restoration_due_at < now,
        Ticket.restored_at.is_(None),
    )


def breached_tickets(session: Session, now: datetime) -> list[dict[str, str]]:
    """Each open ticket in breach, per target, oldest due first (for ``status``)."""
    found = []
    for target in SLA_TARGETS:
        due = Ticket.response_due_at if target == "response" else Ticket.restoration_due_at
        rows = session.execute(
            select(Ticket.number, Client.name, due)
            .join(Client, Client.id == Ticket.client_id)
            .where(_in_breach(target, now))
            .order_by(due)
        )
        found += [
            {"ticket": number, "client": client, "target": target, "due_at": at.isoformat()}
            for number, client, at in rows
            if at is not None  # the where clause compared it
        ]
    return found


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
    breaches = {
        target: int(
            session.scalar(select(func.count()).select_from(Ticket).where(_in_breach(target, now)))
            or 0
        )
        for target in SLA_TARGETS
    }
    return QueueStatus(
        inbox={status: int(n) for status, n in inbox},
        outbox={status: int(n) for status, n in outbox},
        last_received={source: at for source, at in last if at is not None},
        outbox_overdue=int(overdue or 0),
        breaches=breaches,
    )
