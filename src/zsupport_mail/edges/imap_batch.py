"""The IMAP poller's socket-free parts: which UIDs are new, how to batch them, how to store them.

Kept apart from the poll loop so they can be tested on plain data. Batches are bounded by bytes
as well as count, so a folder holding a few 30 MB messages is not read into memory at once.
Storing isolates each message: a message that cannot be stored is logged and skipped and the
rest of the batch goes on, except when the database itself is unavailable, which would fail
every message alike; that propagates, so the poller backs off and nothing is acknowledged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import structlog
from sqlalchemy.exc import InterfaceError, OperationalError

from zsupport_mail.queues.inbox import StoreResult

log = structlog.get_logger("zsupport_mail.edges.imap")

BODY = b"BODY[]"  # the FETCH response key of BODY.PEEK[] (PEEK leaves \Seen unset)
INTERNALDATE = b"INTERNALDATE"
FETCH_ERROR = b"X-FETCH-ERROR"  # our marker: the server refused to FETCH this one message
TRANSIENT_DB_ERRORS = (OperationalError, InterfaceError)

StoreOne = Callable[[bytes, datetime], StoreResult]


@dataclass
class BatchResult:
    """What became of each UID of a batch."""

    stored: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    gone: list[int] = field(default_factory=list)
    fresh: int = 0


def new_uids(found: Iterable[int], last_uid: int) -> list[int]:
    """The UIDs above last_uid, ascending.

    ``UID SEARCH n:*`` always matches the folder's highest UID even when it is below n
    (RFC 3501 6.4.8: ``*`` is the largest UID in use), so the range alone is not enough.
    """
    return sorted(uid for uid in set(found) if uid > last_uid)


def plan_batches(sizes: Mapping[int, int], max_bytes: int, max_count: int) -> list[list[int]]:
    """Split UIDs (ascending) into batches of at most max_count messages and max_bytes.

    A message larger than max_bytes gets a batch of its own.
    """
    batches: list[list[int]] = []
    current: list[int] = []
    total = 0
    for uid in sorted(sizes):
        size = max(sizes[uid], 0)
        if current and (len(current) >= max_count or total + size > max_bytes):
            batches.append(current)
            current, total = [], 0
        current.append(uid)
        total += size
    if current:
        batches.append(current)
    return batches


def received_at(value: object, fallback: datetime) -> datetime:
    """INTERNALDATE as an aware UTC instant (fallback when the server sent none)."""
    if not isinstance(value, datetime):
        return fallback
    # Aware with the server's offset; a naive value (a client normalising times) is local time,
    # which is what astimezone assumes for naive datetimes.
    return value.astimezone(UTC)


def store_fetched(
    uids: Iterable[int],
    fetched: Mapping[int, Mapping[bytes, object]],
    store: StoreOne,
    now: datetime,
) -> BatchResult:
    """Store each fetched message; record and skip the ones that cannot be stored.

    Raises:
        OperationalError, InterfaceError: the database is unavailable; nothing after the
            failing message was stored, and nothing of this batch may be acknowledged.
    """
    result = BatchResult()
    for uid in uids:
        item = fetched.get(uid)
        if item is None:
            result.gone.append(uid)  # expunged meanwhile, e.g. moved by another poller
            log.info("imap_message_gone", uid=uid)
            continue
        raw = item.get(BODY)
        if not isinstance(raw, bytes) or not raw:
            _skip(result, uid, str(item.get(FETCH_ERROR, "the server returned no message body")))
            continue
        try:
            stored = store(raw, received_at(item.get(INTERNALDATE), now))
        except TRANSIENT_DB_ERRORS:
            raise
        except Exception as exc:
            _skip(result, uid, repr(exc))
            continue
        result.stored.append(uid)
        result.fresh += not stored.duplicate
        log.info(
            "imap_message_stored",
            uid=uid,
            inbound_id=stored.inbound_id,
            duplicate=stored.duplicate,
            size=len(raw),
        )
    return result


def _skip(result: BatchResult, uid: int, reason: str) -> None:
    result.skipped.append(uid)
    log.error("imap_message_skipped", uid=uid, reason=reason)
