"""queue_reply: render the disposition's reply, put it in the outbox and on the ticket."""

from __future__ import annotations

from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from zsupport_mail.contacts.history import load_periods
from zsupport_mail.contacts.notice import read_notice_period
from zsupport_mail.contacts.periods import Period
from zsupport_mail.db.models import Ticket
from zsupport_mail.handlers.loops import over_reply_limit
from zsupport_mail.handlers.outgoing import Outgoing, send_on_ticket
from zsupport_mail.handlers.types import HandlerContext, HandlingState
from zsupport_mail.mail.message import ParsedMessage
from zsupport_mail.mail.replies import local_time, one_line
from zsupport_mail.scoring.summary import captured, missing_items, outdated_version


def _scoring_context(ctx: HandlerContext, state: HandlingState) -> dict[str, object]:
    score = state.score
    if score is None:
        return {
            "captured": [],
            "missing_items": [],
            "outdated_version": None,
            "first_contact": False,
            "surcharge": None,
            "current_version": None,
        }
    scoring = ctx.settings.scoring
    return {
        "captured": captured(score),
        "missing_items": missing_items(score),
        "outdated_version": outdated_version(score, scoring.current_mx_version),
        "current_version": scoring.current_mx_version,
        "first_contact": state.first_contact_incomplete,
        "surcharge": f"${scoring.surcharge_amount:,.2f}",
    }


NOTICE_DAYS = 7  # the contract's calendar days of notice for meetings, training, changes


def _kind_context(ctx: HandlerContext, timezone: str) -> dict[str, object]:
    """What the mail was read as (intake/kind.py), for the receipt of a non-report."""
    kind = ctx.assessment.kind
    asked = kind.requested_date
    today = ctx.inbound.received_at.astimezone(ZoneInfo(timezone)).date()
    return {
        "requested_date": f"{asked:%A %d %B %Y}" if asked else None,
        # A day already past when the mail arrived is a slip of the pen: no remark on it.
        "short_notice": asked is not None and 0 <= (asked - today).days < NOTICE_DAYS,
        "notice_days": NOTICE_DAYS,
        "kind": kind.kind,
        "kind_sure": kind.sure,
        "network_change": kind.network_change,
        "tickets": list(kind.tickets),
        "tracking": list(kind.tracking),
        "rma": kind.rma,
    }


def _temporary(msg: ParsedMessage, ctx: HandlerContext, ticket: Ticket) -> str | None:
    """A temporary contact change's period as the client reads it, None for a lasting one."""
    if ctx.assessment.kind.kind != "contact_change":
        return None
    period = read_notice_period(msg, ctx.inbound.received_at, ticket.client.timezone)
    return period.describe() if period else None


def _template_context(
    msg: ParsedMessage, ctx: HandlerContext, ticket: Ticket, state: HandlingState
) -> dict[str, object]:
    sender = ctx.assessment.context.sender
    contacts = _authorised_at(ctx, ticket)
    return {
        "ticket": ticket,
        "number": ticket.number,
        "client": ticket.client.name,
        # one_line: a display name is the sender's to choose, line breaks included.
        "requester_name": one_line(sender.contact.name if sender.contact else sender.name),
        "unverified": sender.doubt,
        # Money needs proof (charges.py): the charge waits until staff confirm the sender.
        "charge_held": sender.unproven is not None,
        "requester": sender.address,
        "subject": msg.subject or "(no subject)",
        "authorized_contacts": [
            (c.name, c.role) for c in sorted(contacts, key=lambda c: c.role, reverse=True)
        ],
        "support_address": ctx.settings.smtp.addresses[0],
        "support_phones": ctx.settings.tickets.support_phones,
        "reason": ctx.disposition.reason,
        "cc_reminder": state.cc_reminder,
        # The mail that opened the ticket is answered "We have opened ticket ...".
        "opened_now": ctx.disposition.action in ("created", "unauthorized"),
        "response_due": local_time(ticket.response_due_at, ticket.client.timezone),
        "temporary": _temporary(msg, ctx, ticket),
        **_kind_context(ctx, ticket.client.timezone),
        **_scoring_context(ctx, state),
    }


@dataclass(frozen=True)
class QueueReply:
    """The automatic reply a disposition (or the scoring step) chose, within the rate limit."""

    name: str = "queue_reply"

    def run(self, msg: ParsedMessage, ctx: HandlerContext, state: HandlingState) -> None:
        """Queue the chosen reply to the sender, unless none was chosen or it would loop."""
        template = state.reply or ("cc_reminder" if state.cc_reminder else None)
        automatic = ctx.assessment.automatic
        if template is not None and automatic is not None:
            # RFC 3834: automatic mail (a helpdesk's relayed report too) is never answered.
            ctx.journey.record("reply", "none", f"no reply to automatic mail ({automatic.reason})")
            return
        if template is None or state.ticket is None:
            if not any(step == "reply" for step in ctx.journey.steps):
                ctx.journey.record("reply", "none", "this outcome sends no reply")
            return
        loop = over_reply_limit(ctx, msg)
        if loop is not None:
            ctx.journey.record("reply", "suppressed", loop)
            return
        ticket = state.ticket
        body = ctx.renderer.render(template, _template_context(msg, ctx, ticket, state))
        outgoing = Outgoing.answering(msg, body, template)
        if template == "received" and ctx.assessment.kind.kind == "contact_change":
            # A written notice changing who may open tickets: both authorised contacts see
            # the receipt, so a notice they did not send does not pass unnoticed.
            others = sorted(
                p.email for p in _authorised_at(ctx, ticket) if p.email != msg.from_addr
            )
            outgoing = replace(outgoing, to=[msg.from_addr, *others])
        row = send_on_ticket(ctx, ticket, outgoing)
        state.reply_queued = True
        ctx.journey.record("reply", "queued", f"{template} to {msg.from_addr} as {row.message_id}")


def _authorised_at(ctx: HandlerContext, ticket: Ticket) -> list[Period]:
    """The client's primary and backup contacts when the mail arrived, from the periods (a
    temporary change is in force between two dates; the contact rows say only who is now)."""
    at = ctx.inbound.received_at
    return [p for p in load_periods(ctx.session, client=ticket.client.name) if p.covers(at)]
