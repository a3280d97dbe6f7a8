"""Messages of one thread are applied in arrival order, also across instances.

One worker claims the inbox in id order, so a reply is never processed before the message it
answers. Two instances on one PostgreSQL claim side by side (``FOR UPDATE SKIP LOCKED``): a
client's report and the reply that follows it a second later can be claimed at once, and the
reply, processed first, would find no ticket to join and open a second one. So before it is
processed, a claimed message looks for an earlier message of its thread (one whose Message-ID
its In-Reply-To or References name) that another worker holds or that is due now; if there is
one, the claim is handed back unspent and the message waits a moment. A predecessor waiting
out a retry delay does not hold its thread up: order then yields to progress.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from email.parser import BytesHeaderParser
from email.policy import compat32

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from zsupport_mail.db.models import InboundMessage
from zsupport_mail.mail.message import extract_message_ids
from zsupport_mail.queues.inbox import due, header_block

THREAD_WAIT = timedelta(seconds=1)  # how long a message waits for its thread's earlier one


def thread_parents(raw: bytes) -> tuple[str, ...]:
    """The Message-IDs a stored message answers (In-Reply-To, then References)."""
    headers = BytesHeaderParser(policy=compat32).parsebytes(header_block(raw))
    found: dict[str, None] = {}
    for name in ("In-Reply-To", "References"):
        for value in headers.get_all(name) or ():
            found.update(dict.fromkeys(extract_message_ids(str(value))))
    return tuple(found)


def earlier_in_thread(
    session: Session, row: InboundMessage, worker: str, now: datetime
) -> int | None:
    """The id of an earlier message of row's thread that must be applied first: held by
    another worker, or pending and due. None when row may go ahead."""
    parents = thread_parents(row.raw)
    if not parents:
        return None
    held_elsewhere = (InboundMessage.status == "processing") & (InboundMessage.claimed_by != worker)
    return session.scalar(
        select(InboundMessage.id)
        .where(InboundMessage.id < row.id)
        .where(InboundMessage.header_message_id.in_(parents[:50]))
        .where(or_(held_elsewhere, (InboundMessage.status == "pending") & due(now)))
        .order_by(InboundMessage.id)
        .limit(1)
    )


def wait_for_thread(row: InboundMessage, now: datetime) -> None:
    """Hand the claim back unspent: the message is tried again in THREAD_WAIT, and waiting
    for its thread does not count as a failed attempt."""
    row.status, row.claimed_by, row.claimed_at = "pending", None, None
    row.attempts = max(row.attempts - 1, 0)
    row.next_attempt_at = now + THREAD_WAIT
