"""The durable inbox: store raw bytes first, then claim, process and finish each message.

An edge calls ``store_raw`` and acknowledges only after it returns (the row is committed).
Processing claims a row in its own short transaction that counts the attempt *before* the work
starts, so a message that crashes the whole process is still counted and ends in quarantine
instead of crashing it forever (Mailman's .bak count, procrastinate's attempts).
"""

from __future__ import annotations

import errno
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.parser import BytesHeaderParser
from email.policy import compat32

from sqlalchemy import ColumnElement, Table, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from zsupport_mail.db.models import Base, InboundMessage, JourneyEvent
from zsupport_mail.db.session import TRANSIENT_DB_ERRORS as TRANSIENT_DB_ERRORS
from zsupport_mail.db.session import relax_sync
from zsupport_mail.mail.message import extract_message_ids
from zsupport_mail.queues.journey import JOURNEY_TABLE

CLAIM_LEASE = timedelta(minutes=5)
INBOUND_TABLE = Table("inbound_message", Base.metadata)  # the mapped table, for Core inserts
_MAX_KEY = 600
# SQLITE_FULL's message, and PostgreSQL's SQLSTATE class 53 (insufficient resources: 53100
# disk full, 53200 out of memory, 53300 too many connections are all "try later").
_FULL_TEXT = ("database or disk is full", "no space left on device")
_PG_DISK_FULL = "53100"


@dataclass(frozen=True)
class Arrival:
    """How a message reached us: the edge, the receiving mailbox, when, and its envelope."""

    source: str
    mailbox: str
    received_at: datetime
    envelope_from: str | None = None
    envelope_to: tuple[str, ...] = ()
    peer_address: str | None = None  # the SMTP client's IP address


@dataclass(frozen=True)
class StoreResult:
    """The inbox row a message is in; ``duplicate`` when it was stored before (a redelivery)."""

    inbound_id: int
    duplicate: bool


def header_block(raw: bytes) -> bytes:
    """The header block only: no need to copy a 25 MB body to read one header."""
    for separator in (b"\r\n\r\n", b"\n\n"):
        index = raw.find(separator)
        if index != -1:
            return raw[: index + len(separator)]
    return raw


def identity(raw: bytes) -> tuple[str, str, str | None]:
    """(dedupe key, content sha256, Message-ID) for raw bytes.

    The key is the Message-ID when there is one, because a redelivery through another relay
    adds Received headers and changes the bytes; otherwise it is the content hash.
    """
    sha = hashlib.sha256(raw).hexdigest()
    header = BytesHeaderParser(policy=compat32).parsebytes(header_block(raw)).get("Message-ID")
    ids = extract_message_ids(str(header) if header is not None else None)
    message_id = ids[0][:998] if ids else None
    key = f"mid:{message_id}"[:_MAX_KEY] if message_id else f"sha256:{sha}"
    return key, sha, message_id


def find_stored(session: Session, mailbox: str, key: str) -> int | None:
    """The id of the inbox row already holding this message for this mailbox, if any."""
    return session.scalar(
        select(InboundMessage.id).where(
            InboundMessage.mailbox == mailbox, InboundMessage.dedupe_key == key
        )
    )


def _inbound_values(
    raw: bytes, ident: tuple[str, str, str | None], arrival: Arrival, claimed_by: str | None
) -> dict[str, object]:
    key, sha, message_id = ident
    at = arrival.received_at
    return {
        "source": arrival.source,
        "mailbox": arrival.mailbox,
        "envelope_from": arrival.envelope_from,
        "envelope_to": list(arrival.envelope_to),
        "peer_address": arrival.peer_address,
        "dedupe_key": key,
        "content_sha256": sha,
        "header_message_id": message_id,
        "raw": raw,
        "size": len(raw),
        "received_at": at,
        "status": "processing" if claimed_by else "pending",
        "attempts": 1 if claimed_by else 0,
        "claimed_by": claimed_by,
        "claimed_at": at if claimed_by else None,
    }


def _add_journey(session: Session, inbound_id: int, arrival: Arrival, key: str) -> None:
    at = arrival.received_at
    session.connection().execute(
        insert(JOURNEY_TABLE),
        [
            {
                "inbound_id": inbound_id,
                "at": at,
                "step": "received",
                "outcome": "ok",
                "reason": f"{arrival.source} for {arrival.mailbox}",
            },
            {"inbound_id": inbound_id, "at": at, "step": "stored", "outcome": "ok", "reason": key},
        ],
    )


def add_inbound(
    session: Session,
    raw: bytes,
    ident: tuple[str, str, str | None],
    arrival: Arrival,
    *,
    claimed_by: str | None = None,
) -> InboundMessage:
    """Add an inbox row (pending, or claimed by `claimed_by`) to the caller's transaction."""
    row = InboundMessage(**_inbound_values(raw, ident, arrival, claimed_by))
    session.add(row)
    session.flush()
    _add_journey(session, row.id, arrival, ident[0])
    return row


def _insert_inbound(
    session: Session, raw: bytes, ident: tuple[str, str, str | None], arrival: Arrival
) -> int | None:
    """A pending inbox row by one Core insert (no ORM object: the edge needs only its id);
    None when (mailbox, dedupe key) is stored already: ON CONFLICT DO NOTHING, so the common
    case is one statement and a redelivery is no error in the database's log."""
    insert_for = (
        postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    )
    statement = (
        insert_for(INBOUND_TABLE)
        .values(_inbound_values(raw, ident, arrival, None))
        .on_conflict_do_nothing(index_elements=["mailbox", "dedupe_key"])
        .returning(INBOUND_TABLE.c.id)
    )
    inbound_id = session.connection().execute(statement).scalar()
    if inbound_id is None:
        return None
    _add_journey(session, inbound_id, arrival, ident[0])
    return int(inbound_id)


def store_raw(sessions: sessionmaker[Session], raw: bytes, arrival: Arrival) -> StoreResult:
    """Commit raw bytes as a pending inbox row, or recognise a message stored before.

    Raises:
        sqlalchemy.exc.OperationalError (and other DB errors): nothing was stored; the edge
        must answer with a temporary failure so the sender retries.
    """
    ident = identity(raw)
    with sessions.begin() as session:
        inbound_id = _insert_inbound(session, raw, ident, arrival)
        if inbound_id is not None:
            return StoreResult(inbound_id, duplicate=False)
        existing = find_stored(session, arrival.mailbox, ident[0])  # stored before
    assert existing is not None, "a conflict means the row exists"
    return StoreResult(existing, duplicate=True)


def storage_full(exc: BaseException) -> bool:
    """Whether a store failed because the disk (or the database's file) is full."""
    if isinstance(exc, DBAPIError):
        if getattr(exc.orig, "sqlstate", None) == _PG_DISK_FULL:
            return True
        exc = exc.orig if isinstance(exc.orig, BaseException) else exc
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return True
    text = str(exc).lower()
    return any(marker in text for marker in _FULL_TEXT)


def due(now: datetime) -> ColumnElement[bool]:
    """Not waiting out a retry delay at ``now`` (a fresh message has no next attempt set)."""
    return or_(InboundMessage.next_attempt_at.is_(None), InboundMessage.next_attempt_at <= now)


def _claimable(now: datetime, lease: timedelta) -> ColumnElement[bool]:
    """Pending and due, or claimed by a worker whose lease ran out (it died)."""
    stale = (InboundMessage.status == "processing") & (InboundMessage.claimed_at < now - lease)
    return or_((InboundMessage.status == "pending") & due(now), stale)


def claim(
    sessions: sessionmaker[Session],
    worker: str,
    now: datetime,
    inbound_id: int | None = None,
    *,
    lease: timedelta = CLAIM_LEASE,
) -> int | None:
    """Claim the next due message (or a given one): mark it processing, count the attempt.

    On PostgreSQL concurrent workers skip each other's rows (FOR UPDATE SKIP LOCKED); a claim
    whose worker died is taken over after `lease` (``processing.claim_lease_seconds``). A live
    worker keeps its row locked while processing it, so even an overrun lease does not hand
    the row to a second worker before the first one's transaction ends.
    """
    with sessions.begin() as session:
        # Lost in a power cut, a claim only repeats an attempt: no fsync of its own; the
        # processing commit that follows makes it durable.
        relax_sync(session)
        query = select(InboundMessage.id).where(_claimable(now, lease))
        if inbound_id is not None:
            query = query.where(InboundMessage.id == inbound_id)
        claimed = session.scalar(
            query.order_by(InboundMessage.id).limit(1).with_for_update(skip_locked=True)
        )
        if claimed is None:
            return None
        _mark_claimed(session, [claimed], worker, now)
        return claimed


def _mark_claimed(session: Session, ids: list[int], worker: str, now: datetime) -> None:
    """Mark locked rows processing by ``worker`` and count the attempt: one Core UPDATE, so
    a claim neither loads the rows (their raw bytes) nor flushes them through the ORM."""
    session.execute(
        update(InboundMessage)
        .where(InboundMessage.id.in_(ids))
        .values(
            status="processing",
            claimed_by=worker,
            claimed_at=now,
            attempts=InboundMessage.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )


def claim_first_attempts(
    sessions: sessionmaker[Session],
    worker: str,
    now: datetime,
    limit: int,
    *,
    lease: timedelta = CLAIM_LEASE,
) -> list[int]:
    """Claim up to ``limit`` next due messages for one batch, in id order, stopping before the
    first one that was tried before: a retry is claimed alone (``claim``), so a message that
    crashes the worker is not blamed on the messages of its batch a second time."""
    with sessions.begin() as session:
        relax_sync(session)  # as in claim: a lost claim only repeats an attempt
        rows = session.execute(
            select(InboundMessage.id, InboundMessage.attempts)
            .where(_claimable(now, lease))
            .order_by(InboundMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        batch = []
        for row_id, attempts in rows:
            if attempts:
                break
            batch.append(row_id)
        if batch:
            _mark_claimed(session, batch, worker, now)
        return batch


def release_claims(sessions: sessionmaker[Session], worker: str) -> int:
    """Put back what `worker` had claimed when the database failed under it (attempts stay)."""
    with sessions.begin() as session:
        result = session.execute(
            update(InboundMessage)
            .where(InboundMessage.status == "processing", InboundMessage.claimed_by == worker)
            .values(status="pending", claimed_by=None, claimed_at=None)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


def release_dead_claims(
    sessions: sessionmaker[Session], host: str, alive: Callable[[int], bool]
) -> int:
    """Put back claims of workers on this host (``HOST:PID``) whose process is gone.

    A worker killed mid-message (kill -9, OOM, power) leaves its claim behind; on a database
    shared by several instances a claim is otherwise only taken over after CLAIM_LEASE.
    Claims of other hosts, and of live processes here, are left alone.
    """
    with sessions.begin() as session:
        claimers = session.scalars(
            select(InboundMessage.claimed_by)
            .where(InboundMessage.status == "processing")
            .where(InboundMessage.claimed_by.startswith(f"{host}:", autoescape=True))
            .distinct()
        ).all()
        prefix = len(host) + 1
        dead = [c for c in claimers if c and c[prefix:].isdigit() and not alive(int(c[prefix:]))]
        if not dead:
            return 0
        result = session.execute(
            update(InboundMessage)
            .where(InboundMessage.status == "processing", InboundMessage.claimed_by.in_(dead))
            .values(status="pending", claimed_by=None, claimed_at=None)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


def record_failure(
    sessions: sessionmaker[Session],
    inbound_id: int,
    error: str,
    *,
    now: datetime,
    max_attempts: int,
    retry_base_seconds: int,
    counted: bool = True,
) -> str:
    """After a failed attempt: retry later with backoff, or quarantine at the cap.

    Args:
        counted: False when the database failed (away, locked, full), not the message: the
            attempt is given back and retried after retry_base_seconds, never quarantined.

    Returns:
        The new status, "pending" or "quarantined".
    """
    with sessions.begin() as session:
        row = session.get_one(InboundMessage, inbound_id)
        row.last_error = error[:4000]
        row.claimed_by = row.claimed_at = None
        if not counted:
            row.attempts = max(0, row.attempts - 1)
            row.status = "pending"
            row.next_attempt_at = now + timedelta(seconds=retry_base_seconds)
            outcome = "retry"
        elif row.attempts >= max_attempts:
            row.status, row.action = "quarantined", "quarantined"
            row.reason = f"processing failed {row.attempts} times: {error[:500]}"
            outcome = "quarantined"
        else:
            row.status = "pending"
            row.next_attempt_at = now + timedelta(
                seconds=retry_base_seconds * 2 ** (row.attempts - 1)
            )
            outcome = "retry"
        session.add(
            JourneyEvent(
                inbound_id=row.id, at=now, step="failed", outcome=outcome, reason=error[:2000]
            )
        )
        return row.status


def requeue(sessions: sessionmaker[Session], inbound_id: int, now: datetime) -> bool:
    """Make a stored message due for processing again (ops command after a fix)."""
    with sessions.begin() as session:
        row = session.get(InboundMessage, inbound_id)
        if row is None:
            return False
        row.status, row.next_attempt_at, row.attempts = "pending", None, 0
        row.claimed_by = row.claimed_at = None
        session.add(JourneyEvent(inbound_id=row.id, at=now, step="requeued", outcome="ok"))
        return True


def count_by_status(session: Session) -> dict[str, int]:
    """How many inbox rows are in each status (for status output and metrics)."""
    rows = session.execute(
        select(InboundMessage.status, func.count()).group_by(InboundMessage.status)
    ).all()
    return dict(rows)
