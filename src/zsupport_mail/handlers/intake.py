"""score_intake: score the report against the contract's checklist and set the ticket's state.

First contact from an authorised contact: complete -> ticket open and an acknowledgement;
incomplete -> "awaiting_info", a notice listing exactly what is missing, and (by record_charges)
the surcharge. A later client reply is merged into the thread's score: complete -> "open" and
the acknowledgement; still incomplete -> a new notice only if the missing set changed, so the
same notice is never sent twice. Automatic mail is never scored or answered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from zsupport_mail.db.models import Ticket
from zsupport_mail.handlers.types import HandlerContext, HandlingState
from zsupport_mail.intake.types import Disposition, IntakeAssessment
from zsupport_mail.mail.message import ParsedMessage
from zsupport_mail.scoring import Score, merge
from zsupport_mail.scoring.ahead import Prescore, contact_record, score_message
from zsupport_mail.settings import Settings

AWAITING_INFO = "awaiting_info"
OPENING = frozenset({"created", "unauthorized"})


def score_before_writing(
    msg: ParsedMessage,
    settings: Settings,
    assessment: IntakeAssessment,
    disposition: Disposition,
    received_at: datetime,
    prescore: Prescore | None = None,
) -> Score | None:
    """This message's own score, when it will be needed; None otherwise.

    Computed from the settings alone, before the message's transaction writes anything, so
    the database's write lock is never held while the extractors run. A ``prescore`` from a
    worker process is used when it was computed for the same inputs.
    """
    sender = assessment.context.sender
    thread = disposition.ticket
    follow_up = (
        disposition.action == "appended"
        and thread is not None
        and thread.status == AWAITING_INFO
        and assessment.automatic is None
        and not sender.claims_staff
        and sender.client is not None
        and sender.client.id == thread.client_id
    )
    # Only a problem report is read against the checklist: a thank-you, a contact change or a
    # training request must never get the missing-information notice or its surcharge.
    opening = disposition.action in OPENING and assessment.kind.kind == "problem_report"
    if opening and disposition.action == "created" and not assessment.kind.sure:
        opening = False  # unsure: the ticket opens and we ask; staff decide with #kind
    if sender.client is None or not (follow_up or opening):
        return None
    client = next((c for c in settings.clients if c.name == sender.client.name), None)
    if client is None:
        return None
    # The directory's record (config or import, as of the received time) over the config's.
    contact = sender.contact or next(
        (c for c in client.contacts if c.email == sender.address), None
    )
    record = contact_record(client, contact)
    if prescore is not None and (prescore.client, prescore.record, prescore.received_at) == (
        client.name,
        record,
        received_at,
    ):
        return prescore.score
    return score_message(msg, settings, client, record, received_at)


@dataclass(frozen=True)
class ScoreIntake:
    """The thread's intake score, and from it the ticket's status and the reply to send."""

    name: str = "score_intake"

    def run(self, msg: ParsedMessage, ctx: HandlerContext, state: HandlingState) -> None:
        """Merge this mail's score into the thread's; open the ticket or ask for what is missing."""
        ticket = state.ticket
        action = ctx.disposition.action
        if ticket is None or ctx.own_score is None:  # not a report or a client follow-up
            return
        score = merge(ticket.intake, ctx.own_score)
        ticket.intake, state.score = score.state_json(), score
        missing = ", ".join(score.missing) or "nothing"
        ctx.journey.record(
            "scoring",
            "complete" if score.complete else "incomplete",
            f"score {score.value:.2f}; missing: {missing}",
        )
        if action == "unauthorized":
            return  # the unauthorised-sender notice stands; staff see the score
        if score.complete:
            self._complete(ctx, ticket, state)
        elif action == "created":
            ticket.status, ticket.notified_missing = AWAITING_INFO, score.missing
            state.reply, state.first_contact_incomplete = "missing_information", True
        else:
            self._still_missing(ctx, ticket, state, score)

    @staticmethod
    def _complete(ctx: HandlerContext, ticket: Ticket, state: HandlingState) -> None:
        ticket.status, ticket.intake_complete_at = "open", ctx.now
        state.reply = "acknowledgement"

    @staticmethod
    def _still_missing(
        ctx: HandlerContext, ticket: Ticket, state: HandlingState, score: Score
    ) -> None:
        if sorted(score.missing) == sorted(ticket.notified_missing or []):
            state.reply = None
            ctx.journey.record(
                "reply", "suppressed", "a notice for this same missing set was already sent"
            )
            return
        ticket.notified_missing = score.missing
        state.reply = "missing_information"
