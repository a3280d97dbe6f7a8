"""Contracts of the handler pipeline: the per-message context, mutable state and stop signal."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from zsupport_mail.db.models import InboundMessage, Ticket, TicketMessage
from zsupport_mail.intake.types import Disposition, IntakeAssessment
from zsupport_mail.mail.message import ParsedMessage
from zsupport_mail.mail.replies import ReplyRenderer
from zsupport_mail.queues.journey import Journey
from zsupport_mail.scoring import Score
from zsupport_mail.settings import Settings


class StopPipeline(Exception):
    """Raised by a handler to end the pipeline early for this message; not an error."""


@dataclass(frozen=True)
class HandlerContext:
    """Everything a handler may use, fixed for the message."""

    session: Session
    settings: Settings
    renderer: ReplyRenderer
    inbound: InboundMessage
    assessment: IntakeAssessment
    disposition: Disposition
    journey: Journey
    now: datetime
    own_score: Score | None = None  # this message's score, computed before any write


@dataclass
class HandlingState:
    """What earlier handlers produced for later ones.

    ``reply`` starts as the disposition's reply; the scoring step may change it (a notice
    instead of an acknowledgement, or no reply when the same notice was already sent).
    """

    reply: str | None = None
    ticket: Ticket | None = None
    stored: TicketMessage | None = None
    score: Score | None = None
    first_contact_incomplete: bool = False
    staff_error: tuple[str, ...] = ()  # unknown staff commands: tell the staff member
    relay_text: str | None = None  # a staff reply's text to relay to the client
    relayed_to: tuple[str, ...] = ()  # who the relayed staff reply went to
    commands_applied: str = ""  # a staff reply's commands, as applied ("#assign tom, ...")
    rma_started: bool = False
    cc_reminder: bool = False  # the client copied a staff member: remind once per ticket
    reply_queued: bool = False
    notes: list[str] = field(default_factory=list)
    # message_reference rows, inserted after the handlers so the write lock is taken late
    references: list[dict[str, object]] = field(default_factory=list)


class Handler(Protocol):
    """One step that acts on a message after intake decided its disposition."""

    @property
    def name(self) -> str:
        """What the handler does, as verb_object (``open_ticket``, ``queue_reply``)."""

    def run(self, msg: ParsedMessage, ctx: HandlerContext, state: HandlingState) -> None:
        """Do this step's part, leaving in state what later handlers need; may StopPipeline."""
