"""The database schema as typed SQLAlchemy 2 models; Alembic migrations must match it exactly.

Tables are singular nouns. Status columns hold lowercase strings (not database enums) so that a
new state is a code change, not a type migration on PostgreSQL. Instants are stored as naive UTC
and returned aware, because SQLite has no time zone type.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from zsupport_mail.db.base import Base, UTCDateTime

# Re-exported: importing them from here also registers every table below in Base.metadata.
__all__ = ["Base", "UTCDateTime"]


class Client(Base):
    """A client organisation, mirrored from the config's [[clients]] tables."""

    __tablename__ = "client"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    timezone: Mapped[str] = mapped_column(String(64))
    holidays: Mapped[str | None] = mapped_column(String(16))
    monthly_fee: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    domains: Mapped[list[ClientDomain]] = relationship(back_populates="client")
    contacts: Mapped[list[Contact]] = relationship(back_populates="client")


class ClientDomain(Base):
    """A mail domain of one client (from the config), which tells whose a sender is."""

    __tablename__ = "client_domain"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    domain: Mapped[str] = mapped_column(String(255), unique=True)

    client: Mapped[Client] = relationship(back_populates="domains")


class Contact(Base):
    """A person at a client; role primary/backup may open tickets, other is billable hourly."""

    __tablename__ = "contact"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), unique=True)
    phone: Mapped[str | None] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    bounces: Mapped[int] = mapped_column(Integer, default=0)  # permanent delivery failures
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime)

    client: Mapped[Client] = relationship(back_populates="contacts")


class ContactAuthorization(Base):
    """One period in which a contact was authorised (primary or backup) for a client.

    The contract changes the authorised-contact list by written notice, so a change never
    overwrites: it ends the open period (``valid_until``, ``ended_by``) and opens a new one.
    ``source`` says where a period came from (``config``, ``import:FILE by USER``), so an old
    ticket's authorisation can be explained. ``valid_until`` NULL means still authorised.
    """

    __tablename__ = "contact_authorization"
    __table_args__ = (
        Index("ix_contact_authorization_client_id_valid_until", "client_id", "valid_until"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"))
    role: Mapped[str] = mapped_column(String(16))
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(String(400))
    ended_by: Mapped[str | None] = mapped_column(String(400))
    note: Mapped[str | None] = mapped_column(Text)

    contact: Mapped[Contact] = relationship()
    client: Mapped[Client] = relationship()


class InboundMessage(Base):
    """The durable inbox: raw bytes as received, then the outcome of processing them.

    ``dedupe_key`` is the Message-ID (or, without one, the content hash); unique per receiving
    ``mailbox`` so a redelivery is recognised while the same mail sent to two support addresses
    is kept twice.
    """

    __tablename__ = "inbound_message"
    __table_args__ = (
        UniqueConstraint("mailbox", "dedupe_key"),
        Index("ix_inbound_message_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(16))
    mailbox: Mapped[str] = mapped_column(String(320))
    envelope_from: Mapped[str | None] = mapped_column(String(320))
    envelope_to: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The SMTP client's IP address (None from IMAP or a file): [staff] trusted_relays.
    peer_address: Mapped[str | None] = mapped_column(String(64))
    dedupe_key: Mapped[str] = mapped_column(String(600))
    content_sha256: Mapped[str] = mapped_column(String(64), index=True)
    header_message_id: Mapped[str | None] = mapped_column(String(998))
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    action: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), index=True)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    kind: Mapped[str | None] = mapped_column(String(32))  # intake/kind.py's reading
    notice_message_id: Mapped[str | None] = mapped_column(String(998))  # our notice it answers
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # raw dropped (retention)

    journey: Mapped[list[JourneyEvent]] = relationship(
        back_populates="inbound", order_by="JourneyEvent.id"
    )
    # Never loaded; it orders a flush: a new ticket is inserted before rows that point to it.
    ticket: Mapped[Ticket | None] = relationship(lazy="raise")


class JourneyEvent(Base):
    """One step of a message's way through the pipeline, with its reason: the audit trail."""

    __tablename__ = "journey_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inbound_id: Mapped[int] = mapped_column(ForeignKey("inbound_message.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    step: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text, default="")

    inbound: Mapped[InboundMessage] = relationship(back_populates="journey")


class Ticket(Base):
    """One support case of a client: its thread, intake findings, SLA clocks and charges."""

    __tablename__ = "ticket"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    requester_email: Mapped[str] = mapped_column(String(320))
    requester_contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id"))
    authorized: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(24))
    subject: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Intake scoring, cumulative over the thread (see scoring/score.py's state_json).
    intake: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    intake_complete_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notified_missing: Mapped[list[str] | None] = mapped_column(JSON)
    # Working the ticket (staff commands, threading).
    critical: Mapped[bool] = mapped_column(Boolean, default=False)
    # What the opening mail was (intake/kind.py); only a problem_report carries the surcharge.
    kind: Mapped[str] = mapped_column(
        String(32), default="problem_report", server_default="problem_report"
    )
    assignee: Mapped[str | None] = mapped_column(String(200))
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pending_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    restored_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    linked_ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"))
    rma_state: Mapped[str | None] = mapped_column(String(24))
    rma_tracking: Mapped[str | None] = mapped_column(String(64))
    cc_reminder_sent: Mapped[bool] = mapped_column(Boolean, default=False)
    # SLA clocks (sla/): when proper notification was received, the due times, and the
    # intervals spent waiting on the client (added back to restoration).
    sla_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    restoration_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pending_log: Mapped[list[list[str]] | None] = mapped_column(JSON)
    affected_portion: Mapped[Decimal | None] = mapped_column(Numeric(4, 3))
    sla_alerts: Mapped[list[str] | None] = mapped_column(JSON)  # warnings/breaches sent, once

    client: Mapped[Client] = relationship()
    messages: Mapped[list[TicketMessage]] = relationship(
        back_populates="ticket", order_by=lambda: (TicketMessage.created_at, TicketMessage.id)
    )
    charges: Mapped[list[Charge]] = relationship(back_populates="ticket", order_by="Charge.id")


class TicketMessage(Base):
    """A mail on a ticket, inbound or outbound; internal notes are never shown to clients."""

    __tablename__ = "message"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    inbound_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_message.id"), index=True)
    direction: Mapped[str] = mapped_column(String(8))
    internal: Mapped[bool] = mapped_column(Boolean, default=False)
    message_id: Mapped[str | None] = mapped_column(String(998), index=True)
    in_reply_to: Mapped[str | None] = mapped_column(String(998))
    references: Mapped[str] = mapped_column(Text, default="")
    from_addr: Mapped[str] = mapped_column(String(320))
    to_addrs: Mapped[list[str]] = mapped_column(JSON, default=list)
    cc_addrs: Mapped[list[str]] = mapped_column(JSON, default=list)
    subject: Mapped[str] = mapped_column(Text)
    body_text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    ticket: Mapped[Ticket] = relationship(back_populates="messages")
    attachments: Mapped[list[Attachment]] = relationship(back_populates="message")


class MessageReference(Base):
    """A Message-ID that a stored mail answers (In-Reply-To, References, a bounce's original).

    Indexed, so "which ticket already holds a reply to this message?" (mail arriving out of
    order) is one index lookup instead of a scan of every stored References header.
    """

    __tablename__ = "message_reference"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    referenced_id: Mapped[str] = mapped_column(String(998), index=True)


class Attachment(Base):
    """Metadata of an attachment; the bytes stay in the raw message."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("message.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))

    message: Mapped[TicketMessage] = relationship(back_populates="attachments")


class Charge(Base):
    """The ledger: surcharges, billable communication, labour. State pending/waived/billed."""

    __tablename__ = "charge"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    hours: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    reason: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    ticket: Mapped[Ticket] = relationship(back_populates="charges")


class OutboundMessage(Base):
    """The outbox: a rendered mail and its delivery state (queued, sent, failed), retry as data."""

    __tablename__ = "outbound_message"
    __table_args__ = (
        Index("ix_outbound_message_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), index=True)
    inbound_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_message.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    automatic: Mapped[bool] = mapped_column(Boolean, default=True)
    recipient: Mapped[str] = mapped_column(String(320), index=True)  # first To, for rate limits
    mail_from: Mapped[str] = mapped_column(String(320))
    to_addrs: Mapped[list[str]] = mapped_column(JSON)
    subject: Mapped[str] = mapped_column(Text)
    message_id: Mapped[str] = mapped_column(String(998), unique=True)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # raw dropped (retention)

    # Never loaded; it orders a flush: a new ticket is inserted before rows that point to it.
    ticket: Mapped[Ticket | None] = relationship(lazy="raise")


class UpgradeNotice(Base):
    """One client's notice of a software release: the contract's 30 calendar days to schedule.

    Scheduled by the client's reply to the notice (``scheduled_by`` their address) or by staff
    (``upgrade scheduled``); ``reminded_at`` when the reminder before day 30 went out.
    """

    __tablename__ = "upgrade_notice"
    __table_args__ = (UniqueConstraint("client_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    version: Mapped[str] = mapped_column(String(64))
    message_id: Mapped[str] = mapped_column(String(998), index=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    scheduled_by: Mapped[str | None] = mapped_column(String(320))
    scheduled_note: Mapped[str | None] = mapped_column(Text)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    client: Mapped[Client] = relationship()


class ImapMailboxState(Base):
    """Where an IMAP poller got to in one watched folder, so a restart resumes there.

    UIDs are only meaningful together with the folder's UIDVALIDITY: when the server reports a
    different one, ``last_uid`` is reset and the folder re-scanned (the inbox's dedupe key
    keeps that from storing anything twice). Both are 32-bit unsigned in IMAP, hence BigInteger.
    """

    __tablename__ = "imap_mailbox_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mailbox: Mapped[str] = mapped_column(String(320), unique=True)
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    last_uid: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PortalSignin(Base):
    """A single-use sign-in link of the web portal: only its SHA-256 is kept, never the token.

    ``email`` is the address the link was mailed to (a client's contact or staff); a link
    counts once (``used_at``) and only until ``expires_at`` (15 minutes after it was made).
    """

    __tablename__ = "portal_signin"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(320), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ip: Mapped[str | None] = mapped_column(String(64))
