"""The outbox: queue rendered mail in the processing transaction, deliver it afterwards.

Delivery writes to a maildir (the embedded default) or hands the mail to an SMTP relay.
Temporary failures (4xx, connection errors) are retried with capped exponential backoff until
the row's deadline; permanent failures (5xx) and expired deadlines end as ``failed``, logged.
A row is marked sent in the same transaction that found it due, after the relay said 250, so a
crash can at worst resend one mail, never lose one.

Mail leaves in the order it was queued. When the relay cannot be reached at all (connection
refused or dropped, 421, a maildir that cannot be written) the pass stops at that row, without
pushing its retry time back: the rows behind it are not tried, and the caller waits (serve's
sender backs off) before the next pass starts again from the oldest row. A 4xx that concerns
one mail only defers that mail with its own backoff and does not hold up the others.
"""

from __future__ import annotations

import os
import smtplib
import socket
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.header import decode_header, make_header
from email.message import Message
from email.policy import compat32
from pathlib import Path

import dkim
import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from zsupport_mail.db.models import OutboundMessage, TicketMessage
from zsupport_mail.mail.addresses import parse_address_list
from zsupport_mail.mail.signing import dkim_sign
from zsupport_mail.queues.relay import relay_session
from zsupport_mail.settings import OutboundSettings

log = structlog.get_logger("zsupport_mail.queues.outbox")
_WIRE = compat32.clone(linesep="\r\n")  # SMTP line ends; headers as built by replies.py


class TemporaryDeliveryError(Exception):
    """Try again later."""


class PermanentDeliveryError(Exception):
    """Do not try again."""


class RelayUnavailable(TemporaryDeliveryError):
    """Nothing can be delivered now (relay down, 421, maildir unwritable): not the mail's fault."""


def queue_mail(
    session: Session,
    settings: OutboundSettings,
    message: Message,
    *,
    kind: str,
    now: datetime,
    ticket_id: int | None = None,
    inbound_id: int | None = None,
    automatic: bool = True,
) -> OutboundMessage:
    """Add a mail to the outbox inside the caller's transaction."""
    to_addrs = [a for _, a in parse_address_list([str(message["To"])])]
    row = OutboundMessage(
        ticket_id=ticket_id,
        inbound_id=inbound_id,
        kind=kind,
        mail_from=settings.from_address,
        to_addrs=to_addrs,
        recipient=to_addrs[0] if to_addrs else "",
        automatic=automatic,
        subject=str(make_header(decode_header(str(message["Subject"])))),
        message_id=str(message["Message-ID"]),
        raw=message.as_bytes(policy=_WIRE),
        status="queued",
        attempts=0,
        next_attempt_at=now,
        deadline_at=now + timedelta(hours=settings.max_queue_hours),
        created_at=now,
    )
    session.add(row)
    return row


def write_maildir(folder: Path, raw: bytes) -> Path:
    """Deliver into a maildir: write and fsync under tmp/, then rename into new/."""
    for sub in ("tmp", "new", "cur"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    name = f"{time.time_ns()}.P{os.getpid()}.{socket.gethostname()}"
    tmp_path = folder / "tmp" / name
    with open(tmp_path, "wb") as handle:
        handle.write(raw)
        handle.flush()
        os.fsync(handle.fileno())
    final = folder / "new" / name
    os.rename(tmp_path, final)
    return final


def signed(settings: OutboundSettings, raw: bytes) -> bytes:
    """The mail as it leaves: DKIM-signed when [outbound] names a key, else unchanged.

    Raises:
        PermanentDeliveryError: the mail cannot be signed (no From header).
    """
    if settings.dkim is None:
        return raw
    try:
        return dkim_sign(raw, settings.dkim)
    except dkim.DKIMException as exc:
        raise PermanentDeliveryError(f"cannot DKIM-sign: {exc}") from exc


def send_smtp(settings: OutboundSettings, row: OutboundMessage, timeout: float = 30.0) -> None:
    """Hand one mail to the relay.

    Raises:
        RelayUnavailable: the relay cannot be reached, secured (TLS, certificate) or logged in to.
        TemporaryDeliveryError: a 4xx answer.
        PermanentDeliveryError: a 5xx answer for every recipient.
    """
    try:
        with relay_session(settings, timeout) as client:
            refused = client.sendmail(row.mail_from, row.to_addrs, signed(settings, row.raw))
    except smtplib.SMTPResponseException as exc:
        text = f"{exc.smtp_code} {exc.smtp_error!r}"
        if exc.smtp_code == 421 or isinstance(
            exc, smtplib.SMTPConnectError | smtplib.SMTPHeloError
        ):
            raise RelayUnavailable(text) from exc  # the relay is closing or not talking
        if 400 <= exc.smtp_code < 500:
            raise TemporaryDeliveryError(text) from exc
        raise PermanentDeliveryError(text) from exc
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        text = f"recipients refused: {exc.recipients!r}"
        if any(400 <= code < 500 for code in codes):
            raise TemporaryDeliveryError(text) from exc
        raise PermanentDeliveryError(text) from exc
    # refused, reset, timed out, disconnected; a certificate that did not verify; no STARTTLS
    # offered or the login refused (RelaySecurityError): every mail would fail alike.
    except (OSError, smtplib.SMTPException) as exc:
        raise RelayUnavailable(f"{type(exc).__name__}: {exc}") from exc
    if refused:
        raise PermanentDeliveryError(f"some recipients refused: {refused!r}")


def deliver(settings: OutboundSettings, row: OutboundMessage) -> None:
    """Deliver one outbox row by the configured mode."""
    if settings.mode == "maildir":
        try:
            write_maildir(settings.maildir, signed(settings, row.raw))
        except OSError as exc:
            raise RelayUnavailable(f"maildir: {exc}") from exc
    else:
        send_smtp(settings, row)


@dataclass(frozen=True)
class DeliveryReport:
    """What one pass over the due outbox rows did, counted by outcome."""

    sent: int = 0
    deferred: int = 0
    failed: int = 0
    relay_unavailable: bool = False  # the pass stopped there; wait before the next one


def _backoff(settings: OutboundSettings, attempts: int) -> timedelta:
    seconds = min(settings.retry_max_seconds, settings.retry_base_seconds * 2 ** (attempts - 1))
    return timedelta(seconds=seconds)


def _attempt(settings: OutboundSettings, row: OutboundMessage, now: datetime) -> tuple[str, str]:
    """Try one delivery and update the row; returns (log event, reason)."""
    try:
        deliver(settings, row)
    except RelayUnavailable as exc:
        row.last_error = str(exc)
        if now > row.deadline_at:
            row.status = "failed"
            return "delivery_failed", f"gave up at the deadline: {exc}"
        # next_attempt_at stays: this row is still the first to go once the relay is back.
        return "delivery_held", f"{exc}; relay unavailable: held, first in line for the next pass"
    except TemporaryDeliveryError as exc:
        row.last_error = str(exc)
        retry_at = now + _backoff(settings, row.attempts)
        if retry_at > row.deadline_at:
            row.status = "failed"
            return "delivery_failed", f"gave up at the deadline: {exc}"
        row.next_attempt_at = retry_at
        return "delivery_deferred", f"{exc}; retry at {retry_at.isoformat()}"
    except PermanentDeliveryError as exc:
        row.status, row.last_error = "failed", str(exc)
        return "delivery_failed", str(exc)
    row.status, row.sent_at, row.last_error = "sent", now, None
    return "delivery_sent", settings.mode


def _note_failure(session: Session, row: OutboundMessage, reason: str, now: datetime) -> None:
    """A failed reply is recorded on its ticket as an internal note, so staff see it."""
    if row.ticket_id is None:
        return
    session.add(
        TicketMessage(
            ticket_id=row.ticket_id,
            direction="note",
            internal=True,
            message_id=None,
            in_reply_to=row.message_id,
            references="",
            from_addr="zsupport-mail",
            to_addrs=[],
            cc_addrs=[],
            subject=f"Delivery failed: {row.subject}",
            body_text=f"Could not deliver {row.kind} to {', '.join(row.to_addrs)}: {reason}",
            created_at=now,
        )
    )


# Rows the relay accepted (250) whose "sent" commit then failed (a full disk, the database
# gone): the next pass records them without sending again. Per process: the sender is one
# long-lived process, and if it dies the set is lost, which costs at most one extra copy
# (replies are sent at least once, never once per failed pass).
_RELAYED_NOT_RECORDED: set[int] = set()


def deliver_one(
    sessions: sessionmaker[Session], settings: OutboundSettings, now: datetime
) -> str | None:
    """Deliver the oldest due mail; returns its new status, or None when nothing is due.

    The status is "held" (the row stays queued) when the relay could not be reached.
    """
    relayed: int | None = None
    try:
        with sessions.begin() as session:
            row = session.scalar(
                select(OutboundMessage)
                .where(OutboundMessage.status == "queued", OutboundMessage.next_attempt_at <= now)
                .order_by(OutboundMessage.id)
                .limit(1)
                .with_for_update(skip_locked=True)
            )
            if row is None:
                return None
            row.attempts += 1  # rolled back with a failed record, like everything of that pass
            if row.id in _RELAYED_NOT_RECORDED:
                row.status, row.sent_at, row.last_error = "sent", now, None
                event, reason = "delivery_sent", "recorded now: the relay took it on a pass "
                reason += "whose own record failed, so it is not sent again"
            else:
                event, reason = _attempt(settings, row, now)
            if row.status == "sent":
                relayed = row.id
            if row.status == "failed":
                _note_failure(session, row, reason, now)
            status, fields = (
                row.status,
                {
                    "outbound_id": row.id,
                    "message_id": row.message_id,
                    "ticket_id": row.ticket_id,
                    "attempts": row.attempts,
                },
            )
    except Exception:
        if relayed is not None:
            _RELAYED_NOT_RECORDED.add(relayed)
        raise
    _RELAYED_NOT_RECORDED.discard(relayed or 0)
    # Logged after the commit, so whoever reads the log finds the row in this state.
    held = event == "delivery_held"  # logged as delivery_deferred, the operators' event name
    if held:
        event, fields["relay_unavailable"] = "delivery_deferred", True
    level = {"delivery_sent": log.info, "delivery_deferred": log.warning}.get(event, log.error)
    level(event, reason=reason, **fields)
    return "held" if held else status


def deliver_due(
    sessions: sessionmaker[Session], settings: OutboundSettings, now: datetime, limit: int = 1000
) -> DeliveryReport:
    """Deliver every due mail (up to limit), oldest first; stop when the relay is unavailable."""
    counts = {"sent": 0, "queued": 0, "failed": 0, "held": 0}
    for _ in range(limit):
        status = deliver_one(sessions, settings, now)
        if status is None:
            break
        counts[status] += 1
        if status == "held":
            break  # the rest would fail alike, and must not overtake the held row
    return DeliveryReport(
        sent=counts["sent"],
        deferred=counts["queued"] + counts["held"],
        failed=counts["failed"],
        relay_unavailable=bool(counts["held"]),
    )
