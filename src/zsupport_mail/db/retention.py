"""Retention: drop the raw bytes of mail on tickets closed longer ago than the policy.

What goes: ``inbound_message.raw`` (the mail as received, with every attachment's bytes) and
``outbound_message.raw`` (our sent or failed replies) of those tickets. What stays: the
ticket, its messages' text, attachment names, sizes and hashes, every inbound row's envelope,
size, hash and journey, and the ledger. A purged row is marked ``purged_at`` so reprocessing
refuses it instead of parsing nothing. Mail still queued or in processing is never touched,
and a ticket that was reopened is not closed, so it is not purged.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import ColumnElement, Select, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from zsupport_mail.db.models import InboundMessage, OutboundMessage, Ticket, TicketMessage

log = structlog.get_logger("zsupport_mail.db.retention")
# Only processed rows: never one a worker may still claim, nor a quarantined one (its raw
# bytes are what an operator requeues once the bug is fixed).
_INBOUND_DONE = ("done",)
_OUTBOUND_DONE = ("sent", "failed")


@dataclass(frozen=True)
class PurgeReport:
    """What a purge dropped (or, in a dry run, would drop): a stable JSON shape."""

    cutoff: datetime
    dry_run: bool
    tickets: int
    inbound_messages: int
    outbound_messages: int
    bytes: int

    def as_json(self) -> dict[str, Any]:
        """The CLI's JSON output (extend, never rename)."""
        return {**asdict(self), "cutoff": self.cutoff.isoformat()}


def _closed_before(cutoff: datetime) -> Select[int]:
    return select(Ticket.id).where(Ticket.status == "closed", Ticket.closed_at <= cutoff)


def _inbound_where(tickets: Select[int]) -> list[ColumnElement[bool]]:
    on_ticket = select(TicketMessage.inbound_id).where(TicketMessage.ticket_id.in_(tickets))
    return [
        or_(InboundMessage.ticket_id.in_(tickets), InboundMessage.id.in_(on_ticket)),
        InboundMessage.status.in_(_INBOUND_DONE),
        InboundMessage.purged_at.is_(None),
    ]


def _outbound_where(tickets: Select[int]) -> list[ColumnElement[bool]]:
    return [
        OutboundMessage.ticket_id.in_(tickets),
        OutboundMessage.status.in_(_OUTBOUND_DONE),
        OutboundMessage.purged_at.is_(None),
    ]


def _measure(session: Session, tickets: Select[int]) -> tuple[int, int, int, int]:
    """(tickets, inbound rows, outbound rows, raw bytes) that a purge would drop."""
    count_tickets = session.scalar(select(func.count()).select_from(tickets.subquery())) or 0
    inbound = session.execute(
        select(func.count(), func.coalesce(func.sum(func.length(InboundMessage.raw)), 0)).where(
            *_inbound_where(tickets)
        )
    ).one()
    outbound = session.execute(
        select(func.count(), func.coalesce(func.sum(func.length(OutboundMessage.raw)), 0)).where(
            *_outbound_where(tickets)
        )
    ).one()
    return count_tickets, inbound[0], outbound[0], int(inbound[1]) + int(outbound[1])


def purge_closed(
    sessions: sessionmaker[Session], older_than: timedelta, now: datetime, *, dry_run: bool = False
) -> PurgeReport:
    """Drop the raw bytes of tickets closed at least older_than before now, in one transaction.

    Args:
        sessions: the database.
        older_than: how long after its closing a ticket's raw mail is kept.
        now: the current instant (a clock is passed in so tests can move time).
        dry_run: only count what would be dropped.
    """
    cutoff = now - older_than
    tickets = _closed_before(cutoff)
    with sessions.begin() as session:
        count_tickets, inbound, outbound, size = _measure(session, tickets)
        if not dry_run:
            session.execute(
                update(InboundMessage)
                .where(*_inbound_where(tickets))
                .values(raw=b"", purged_at=now)
                .execution_options(synchronize_session=False)
            )
            session.execute(
                update(OutboundMessage)
                .where(*_outbound_where(tickets))
                .values(raw=b"", purged_at=now)
                .execution_options(synchronize_session=False)
            )
    report = PurgeReport(cutoff, dry_run, count_tickets, inbound, outbound, size)
    log.info("retention_purged", **report.as_json())
    return report
