"""Process one stored message: parse, assess, decide, handle, finish, all in one transaction.

One transaction per message is the point: the ticket, the stored mail, the ledger entry, the
queued reply, the journey log and the inbox row's outcome commit together or not at all. An
unexpected exception rolls all of it back and is recorded as a failed attempt (see inbox).
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from datetime import datetime, timedelta

import structlog
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from zsupport_mail.contacts.history import history_version
from zsupport_mail.contacts.repository import load_directory
from zsupport_mail.db.models import InboundMessage, MessageReference, Ticket, TicketMessage
from zsupport_mail.db.repos import SqlTicketLookup, known_notices
from zsupport_mail.handlers import HandlerContext, HandlingState, run_handlers
from zsupport_mail.handlers.intake import score_before_writing
from zsupport_mail.intake import assess
from zsupport_mail.intake.decide import decide
from zsupport_mail.intake.directory import Directory
from zsupport_mail.intake.types import Disposition
from zsupport_mail.mail.message import MessageParseError, ParsedMessage, parse_message
from zsupport_mail.mail.replies import ReplyRenderer
from zsupport_mail.queues.inbox import (
    TRANSIENT_DB_ERRORS,
    Arrival,
    add_inbound,
    claim,
    find_stored,
    identity,
    record_failure,
    store_raw,
)
from zsupport_mail.queues.journey import Journey
from zsupport_mail.queues.thread_order import earlier_in_thread, wait_for_thread
from zsupport_mail.runtime.assessment_journey import record_assessment
from zsupport_mail.runtime.outcome import Outcome as Outcome  # re-exported: workers, loops
from zsupport_mail.runtime.parse_ahead import NOTHING, Prepared
from zsupport_mail.settings import Settings
from zsupport_mail.settings.clock import Clock

log = structlog.get_logger("zsupport_mail.runtime.pipeline")
# Only the portal stores inbox rows with source "web", from the address its user signed in with.
PORTAL_VOUCHES = "signed in to the portal with a link mailed to this address"
# Sources that no one on the internet can write: the portal (a person who proved the address
# by a mailed link) and `tickets open` (staff typing in a phoned-in report on the server).
VOUCHED_SOURCES = {
    "web": PORTAL_VOUCHES,
    "phone": "taken by telephone and entered by staff with `tickets open`",
}


class Pipeline:
    """What processing needs, built once per process (the contact directory is cached)."""

    def __init__(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        renderer: ReplyRenderer,
        clock: Clock,
        worker: str = "worker",
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.renderer = renderer
        self.clock = clock
        self.worker = worker
        self._directory: Directory | None = None
        self._directory_version: tuple[int, int] | None = None

    def refresh_directory(self) -> None:
        """Forget the cached contacts (after the config's clients changed)."""
        self._directory = None

    def _directory_for(self, session: Session, at: datetime) -> Directory:
        """Who was who at the instant at; re-read when the authorisation history changed
        (a ``contacts import`` by another process), so serve needs no reload for it."""
        version = history_version(session)
        if self._directory is None or version != self._directory_version:
            self._directory = load_directory(session, self.settings)
            self._directory_version = version
        return self._directory.as_of(at)

    def ingest(
        self,
        raw: bytes,
        *,
        source: str,
        mailbox: str,
        envelope_from: str | None = None,
        envelope_to: tuple[str, ...] = (),
        peer_address: str | None = None,
        received_at: datetime | None = None,
        ahead: Prepared = NOTHING,
    ) -> Outcome:
        """Store and process raw bytes in one transaction (the `ingest` command's path).

        The input is already durable (a file), so storing and processing can commit together;
        if processing fails, the message is stored on its own and the failure counted, exactly
        as if it had arrived by SMTP. ``received_at`` backdates the arrival (a phoned-in
        report, whose SLA clock starts when the call came in); the default is now.
        ``ahead`` is the bytes already parsed (and scored) by a worker process (``ingest
        --jobs``), so the transaction holds only the database's work; NOTHING parses here.
        """
        now = self.clock()
        ident = identity(raw)
        arrival = Arrival(
            source, mailbox, received_at or now, envelope_from, envelope_to, peer_address
        )
        try:
            with self.sessions.begin() as session:
                done = self.ingest_in(session, raw, arrival, now, ahead)
            if isinstance(done, Outcome):
                return logged(done)
            existing: int | None = done
        except IntegrityError:
            existing = None  # stored concurrently by someone else: report it below
        except Exception as exc:
            stored = store_raw(self.sessions, raw, arrival)
            self._claim(now, stored.inbound_id)
            return self._failed(stored.inbound_id, exc, now)
        if existing is None:
            with self.sessions.begin() as session:
                existing = find_stored(session, mailbox, ident[0])
            assert existing is not None, "an IntegrityError means the row exists"
        return self.unclaimed_outcome(existing)

    def ingest_in(
        self, session: Session, raw: bytes, arrival: Arrival, now: datetime, ahead: Prepared
    ) -> Outcome | int:
        """Store and process raw bytes inside the caller's transaction (runtime/batch.py);
        the inbox id of the stored message instead when it was stored before."""
        ident = identity(raw)
        existing = find_stored(session, arrival.mailbox, ident[0])
        if existing is not None:
            return existing
        row = add_inbound(session, raw, ident, arrival, claimed_by=self.worker)
        return self.process_row(session, row, now, fresh=True, ahead=ahead)

    def process(self, inbound_id: int) -> Outcome:
        """Claim and process one stored message, recording a failure instead of raising."""
        now = self.clock()
        claimed = self._claim(now, inbound_id)
        if claimed is None:
            return self.unclaimed_outcome(inbound_id)
        return self.process_claimed(claimed, now)

    def process_next(self, ahead: Callable[[int], Prepared] | None = None) -> Outcome | None:
        """Claim and process the next due message, if any; ``ahead`` gives what a worker
        process prepared for it (runtime/prefetch.py)."""
        now = self.clock()
        claimed = self._claim(now)
        if claimed is None:
            return None
        return self.process_claimed(claimed, now, NOTHING if ahead is None else ahead(claimed))

    def _claim(self, now: datetime, inbound_id: int | None = None) -> int | None:
        lease = timedelta(seconds=self.settings.processing.claim_lease_seconds)
        return claim(self.sessions, self.worker, now, inbound_id, lease=lease)

    def process_claimed(self, inbound_id: int, now: datetime, ahead: Prepared = NOTHING) -> Outcome:
        """Process a message this worker claimed, in its own transaction (runtime/batch.py
        too, for the messages of a batch that was rolled back)."""
        try:
            with self.sessions.begin() as session:
                # Locked while we work: another instance's claim skips it even past the lease.
                row = session.get_one(InboundMessage, inbound_id, with_for_update=True)
                ours = (row.status, row.claimed_by) == ("processing", self.worker)
                if ours and (first := earlier_in_thread(session, row, self.worker, now)):
                    log.info("message_waits_for_thread", inbound_id=inbound_id, earlier=first)
                    wait_for_thread(row, now)
                    ours = False
                # Not ours any more: taken over after our lease ran out, and finished.
                outcome = self.process_row(session, row, now, ahead=ahead) if ours else None
        except Exception as exc:
            return self._failed(inbound_id, exc, now)
        if outcome is None:
            return self.unclaimed_outcome(inbound_id)
        return logged(outcome)

    def process_row(
        self,
        session: Session,
        row: InboundMessage,
        now: datetime,
        *,
        fresh: bool = False,
        ahead: Prepared = NOTHING,
    ) -> Outcome:
        """Process a stored, claimed row inside the caller's transaction; its journey too."""
        structlog.contextvars.bind_contextvars(inbound_id=row.id)
        try:
            journey = Journey(session, row.id, now)
            outcome = _process_in(
                session,
                self.settings,
                self.renderer,
                self._directory_for(session, row.received_at),
                row,
                journey,
                now,
                fresh=fresh,
                ahead=ahead,
            )
            journey.save()
            return outcome
        finally:
            structlog.contextvars.unbind_contextvars("inbound_id")

    def _failed(self, inbound_id: int, exc: Exception, now: datetime) -> Outcome:
        """Count a failed attempt: the message's transaction was rolled back.

        A database that is away, locked or full is not the message's fault: that attempt is
        not counted towards quarantine. (If the failure cannot be recorded either, the error
        propagates and serve's worker waits for the database.)
        """
        log.error("message_failed", inbound_id=inbound_id, error=repr(exc), exc_info=exc)
        status = record_failure(
            self.sessions,
            inbound_id,
            "".join(traceback.format_exception_only(exc)).strip(),
            now=now,
            max_attempts=self.settings.processing.max_attempts,
            retry_base_seconds=self.settings.processing.retry_base_seconds,
            counted=not isinstance(exc, TRANSIENT_DB_ERRORS),
        )
        action = "quarantined" if status == "quarantined" else "failed"
        return Outcome(inbound_id, None, action, None, None, f"processing failed: {exc!r}")

    def unclaimed_outcome(self, inbound_id: int) -> Outcome:
        """Outcome for a stored message that is not due: done before, or waiting to retry."""
        with self.sessions.begin() as session:
            row = session.get_one(InboundMessage, inbound_id)
            number = session.scalar(select(Ticket.number).where(Ticket.id == row.ticket_id))
            if row.status == "pending" and row.next_attempt_at is not None:
                return Outcome(
                    inbound_id,
                    row.header_message_id,
                    "deferred",
                    None,
                    None,
                    f"stored; next attempt at {row.next_attempt_at.isoformat()}",
                )
            return Outcome(
                inbound_id,
                row.header_message_id,
                "duplicate",
                number,
                None,
                f"already stored as inbound message {inbound_id} ({row.status})",
            )


def logged(outcome: Outcome) -> Outcome:
    """Log the outcome once its transaction has committed (readers then find it stored)."""
    log.info(
        "message_processed",
        inbound_id=outcome.inbound_id,
        action=outcome.action,
        message_id=outcome.message_id,
        ticket=outcome.ticket,
        reason=outcome.reason,
    )
    return outcome


def _finish(
    row: InboundMessage, disposition: Disposition, ticket: Ticket | None, now: datetime
) -> None:
    row.status = "quarantined" if disposition.action == "quarantined" else "done"
    row.action, row.reason = disposition.action, disposition.reason
    row.ticket_id = ticket.id if ticket is not None else None
    row.processed_at, row.claimed_by, row.claimed_at, row.last_error = now, None, None, None


def _process_in(
    session: Session,
    settings: Settings,
    renderer: ReplyRenderer,
    directory: Directory,
    row: InboundMessage,
    journey: Journey,
    now: datetime,
    *,
    fresh: bool = False,
    ahead: Prepared = NOTHING,
) -> Outcome:
    inbound_id = row.id
    parsed = ahead.parsed
    # A reprocessed message may already be on a ticket; a row inserted just now cannot be.
    already = (
        None
        if fresh
        else session.scalar(select(TicketMessage).where(TicketMessage.inbound_id == inbound_id))
    )
    if already is not None:
        ticket = session.get_one(Ticket, already.ticket_id)
        disposition = Disposition(row.action or "appended", f"already on {ticket.number}")
        _finish(row, disposition, ticket, now)
        journey.record("decision", "duplicate", disposition.reason)
        return Outcome(
            inbound_id, row.header_message_id, "duplicate", ticket.number, None, disposition.reason
        )
    try:
        if isinstance(parsed, MessageParseError):
            raise parsed
        msg = parsed if parsed is not None else parse_message(row.raw)
    except MessageParseError as exc:
        journey.record("parsed", "failed", str(exc))
        disposition = Disposition("quarantined", str(exc))
        _finish(row, disposition, None, now)
        journey.record("decision", "quarantined", str(exc))
        return Outcome(inbound_id, row.header_message_id, "quarantined", None, None, str(exc))
    journey.record("parsed", "ok", f"{len(msg.text)} chars, {len(msg.attachments)} attachments")
    assessment, thread_reason = assess(
        msg,
        settings=settings,
        directory=directory,
        tickets=SqlTicketLookup(session),
        now=now,
        envelope_from=row.envelope_from,
        peer=row.peer_address,
        notices=known_notices(session, msg.referenced_ids),
        vouched=VOUCHED_SOURCES.get(row.source),
    )
    record_assessment(journey, assessment, thread_reason)
    row.kind, row.notice_message_id = assessment.kind.kind, assessment.notice_id
    disposition = decide(assessment)
    journey.record("decision", disposition.action, disposition.reason)
    state = run_handlers(
        msg,
        HandlerContext(
            session=session,
            settings=settings,
            renderer=renderer,
            inbound=row,
            assessment=assessment,
            disposition=disposition,
            journey=journey,
            now=now,
            own_score=score_before_writing(
                msg, settings, assessment, disposition, row.received_at, ahead.prescore
            ),
        ),
    )
    _finish(row, disposition, state.ticket, now)
    write_pending(session, state)
    return _outcome(row, msg, disposition, state)


def write_pending(session: Session, state: HandlingState) -> None:
    """The writes the handlers left to the end: everything they added (a new ticket first: the
    mappings' relationships order the flush; on SQLite its id was allocated without a
    write), then the message references, which point to the ticket.

    Writing last keeps SQLite's write lock, which the SMTP edge's stores queue for, to
    these inserts, the journey's and the commit.
    """
    if state.references:
        session.flush()
        session.execute(insert(MessageReference), state.references)


def _outcome(
    row: InboundMessage, msg: ParsedMessage, disposition: Disposition, state: HandlingState
) -> Outcome:
    score = state.score
    return Outcome(
        row.id,
        msg.message_id,
        disposition.action,
        state.ticket.number if state.ticket else None,
        "queued" if state.reply_queued else None,
        disposition.reason,
        missing=score.missing if score else None,
        found=score.found_json() if score else None,
        score=score.value if score else None,
        kind=row.kind,
    )
