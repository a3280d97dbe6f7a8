"""score_intake: score the report against the contract's checklist and set the ticket's state.

First contact from an authorised contact: complete -> ticket open and an acknowledgement;
incomplete -> "awaiting_info", a notice listing exactly what is missing, and (by record_charges)
the surcharge. A later client reply is merged into the thread's score: complete -> "open" and
the acknowledgement; still incomplete -> a new notice only if the missing set changed, so the
same notice is never sent twice. Automatic mail is never scored or answered.
"""

from __future__ import annotations

from dataclasses import dataclass

from zsupport_mail.db.models import Contact, Ticket
from zsupport_mail.handlers.types import HandlerContext, HandlingState
from zsupport_mail.message import ParsedMessage
from zsupport_mail.scoring import Score, merge, score_input
from zsupport_mail.scoring.build import build_input
from zsupport_mail.scoring.types import ContactRecord

AWAITING_INFO = "awaiting_info"


def _record(ctx: HandlerContext, ticket: Ticket) -> ContactRecord:
    contact = ctx.assessment.context.sender.contact
    row = ctx.session.get(Contact, contact.id) if contact else None
    return ContactRecord(
        company=ticket.client.name,
        name=row.name if row else None,
        email=row.email if row else None,
        phone=row.phone if row else None,
    )


def _known_serials(ctx: HandlerContext, ticket: Ticket) -> dict[str, str]:
    client = next((c for c in ctx.settings.clients if c.name == ticket.client.name), None)
    return client.known_serials() if client else {}


def score_message(msg: ParsedMessage, ctx: HandlerContext, ticket: Ticket) -> Score:
    """This message's score merged into what the ticket's thread already furnished."""
    scoring = ctx.settings.scoring
    item = build_input(
        msg,
        received_at=ctx.inbound.received_at,
        timezone=ticket.client.timezone,
        holidays=ticket.client.holidays,
        record=_record(ctx, ticket),
        known_serials=_known_serials(ctx, ticket),
    )
    own = score_input(item, scoring.required, scoring.record_counts_as_furnished)
    return merge(ticket.intake, own)


def _is_client_follow_up(ctx: HandlerContext, ticket: Ticket) -> bool:
    sender = ctx.assessment.context.sender
    return (
        ctx.disposition.action == "appended"
        and ticket.status == AWAITING_INFO
        and ctx.assessment.automatic is None
        and not sender.staff
        and sender.client is not None
        and sender.client.id == ticket.client_id
    )


@dataclass(frozen=True)
class ScoreIntake:
    name: str = "score_intake"

    def run(self, msg: ParsedMessage, ctx: HandlerContext, state: HandlingState) -> None:
        ticket = state.ticket
        action = ctx.disposition.action
        if ticket is None or not (
            action in ("created", "unauthorized") or _is_client_follow_up(ctx, ticket)
        ):
            return
        score = score_message(msg, ctx, ticket)
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
