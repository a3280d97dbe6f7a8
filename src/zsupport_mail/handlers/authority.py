"""Unverified staff mail stays internal, and the staff member it names hears of it.

A mail from a staff address that nothing proves (intake/authority.py) may be a forgery meant to
reach a client from the support address ("please pay invoice 4471 to this IBAN"). On a ticket
it is kept as an internal note (hold_unverified_staff); apply_commands ignores its commands,
relay_reply sends nothing. Naming no ticket it is quarantined (warn_unverified_staff runs
before open_ticket stops the pipeline). Either way the staff member it claims to be from gets
a warning, at most ``safety.max_auto_replies_per_day`` a day and never for automatic mail. On a
ticket the warning's Message-ID is signed for staff only, so replying to it is itself a proof:
a genuine staff member whose mail was not believed answers the warning and it goes through.
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog

from zsupport_mail.handlers.loops import over_rate_limit
from zsupport_mail.handlers.outgoing import Outgoing, send_on_ticket
from zsupport_mail.handlers.types import HandlerContext, HandlingState
from zsupport_mail.mail.message import ParsedMessage
from zsupport_mail.mail.replies import build_reply, reply_subject
from zsupport_mail.mail.tokens import STAFF
from zsupport_mail.queues.outbox import queue_mail

log = structlog.get_logger("zsupport_mail.handlers.authority")

QUOTED_LINES = 15  # enough of the claimed text to recognise it, not the whole mail again
KIND = "staff_warning"


def _may_warn(ctx: HandlerContext, address: str) -> bool:
    """No warning to automatic mail (no loops), nor beyond the daily rate limit."""
    if ctx.assessment.automatic is not None:
        ctx.journey.record("warning", "none", "automatic mail: no warning (no loops)")
        return False
    if over_rate_limit(ctx, address):  # a flood of forgeries: staff know by now
        ctx.journey.record("warning", "suppressed", f"rate limit for {address}")
        return False
    return True


def _body(msg: ParsedMessage, ctx: HandlerContext, number: str | None) -> str:
    sender = ctx.assessment.context.sender
    lines = msg.text.strip().splitlines()
    return ctx.renderer.render(
        "staff_unverified",
        {
            "number": number,
            "inbound_id": ctx.inbound.id,
            "address": sender.address,
            "why": sender.staff_claim,
            "lines": lines[:QUOTED_LINES],
            "more": max(0, len(lines) - QUOTED_LINES),
        },
    )


def _warned(ctx: HandlerContext, message_id: str, ticket: str | None) -> None:
    address = ctx.assessment.context.sender.address
    log.warning(
        "staff_mail_unverified",
        address=address,
        ticket=ticket,
        reason=ctx.assessment.context.sender.staff_claim,
    )
    ctx.journey.record(
        "warning",
        "queued",
        f"unverified mail claiming to be from {address}: warning to {address} as {message_id}",
    )


@dataclass(frozen=True)
class WarnUnverifiedStaff:
    """Unverified staff mail naming no ticket (quarantined): a warning, then the pipeline ends."""

    name: str = "warn_unverified_staff"

    def run(self, msg: ParsedMessage, ctx: HandlerContext, state: HandlingState) -> None:
        """Warn the staff member named; open_ticket then stops the pipeline as usual."""
        sender = ctx.assessment.context.sender
        if sender.staff_claim is None or ctx.disposition.ticket is not None:
            return
        if ctx.disposition.action != "quarantined" or not _may_warn(ctx, sender.address):
            return
        message = build_reply(
            ctx.settings,
            to=sender.address,
            subject=reply_subject("", msg.subject),
            body=_body(msg, ctx, None),
            answers=(msg.message_id, msg.references),
            now=ctx.now,
        )
        row = queue_mail(
            ctx.session,
            ctx.settings.outbound,
            message,
            kind=KIND,
            now=ctx.now,
            inbound_id=ctx.inbound.id,
        )
        _warned(ctx, row.message_id, None)


@dataclass(frozen=True)
class HoldUnverifiedStaff:
    """Unverified staff mail on a ticket: an internal note and a warning to staff."""

    name: str = "hold_unverified_staff"

    def run(self, msg: ParsedMessage, ctx: HandlerContext, state: HandlingState) -> None:
        """Mark the stored mail internal, send no reply, warn the staff member it names."""
        sender = ctx.assessment.context.sender
        if sender.staff_claim is None or state.ticket is None or state.stored is None:
            return
        state.stored.internal = True
        state.reply = None
        ctx.journey.record("authority", "unverified", sender.staff_claim)
        if not _may_warn(ctx, sender.address):
            return
        warning = Outgoing(
            to=[sender.address],
            subject=msg.subject,
            body=_body(msg, ctx, state.ticket.number),
            answers=(msg.message_id, msg.references),
            kind=KIND,
            audience=STAFF,
        )
        row = send_on_ticket(ctx, state.ticket, warning, record=False)
        _warned(ctx, row.message_id, state.ticket.number)
