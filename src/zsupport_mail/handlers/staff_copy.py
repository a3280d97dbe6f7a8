"""copy_to_staff: every client message on a ticket reaches staff as mail they can answer.

Staff never see the client's acknowledgement, so without this copy they would have nothing to
reply to. The copy goes to the ticket's assignee and the queue addresses
(``[staff] queue_addresses``), from "<contact> (<client>) via <support name>" with the support
address as Reply-To, under ``[ZS-000123] <subject>``, threaded under the ticket's earlier staff
mail and signed for staff (a reply to it proves the writer got staff mail). It opens with a head
(who wrote, role, intake state, targets in the staff's time zone) and carries the client's
text and attachments. A new critical ticket also pages ``[staff] pager_addresses`` (one line).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from zsupport_mail.contacts.history import load_periods
from zsupport_mail.contacts.notice import (
    read_notice,
    read_notice_period,
    rows_after_notice,
    temporary_without_end,
)
from zsupport_mail.db.models import Ticket, TicketMessage
from zsupport_mail.handlers.outgoing import record_outbound
from zsupport_mail.handlers.types import HandlerContext, HandlingState
from zsupport_mail.intake.notice_period import long_day
from zsupport_mail.mail.attachments import AttachmentInfo
from zsupport_mail.mail.carry import Payload, carried_attachments
from zsupport_mail.mail.message import ParsedMessage
from zsupport_mail.mail.replies import one_line
from zsupport_mail.mail.staffmail import (
    StaffMail,
    build_staff_mail,
    recipients,
    staff_subject,
    staff_time,
)
from zsupport_mail.mail.tokens import STAFF, make_message_id
from zsupport_mail.queues.outbox import queue_mail
from zsupport_mail.scoring.types import ITEM_LABELS
from zsupport_mail.settings import Settings

STAFF_COPY = "staff_copy"
PAGE = "staff_page"
Carried = tuple[list[Payload], list[AttachmentInfo]]


def _what(ctx: HandlerContext, state: HandlingState) -> str:
    action = ctx.disposition.action
    if ctx.assessment.relayed:
        # Staff must know the client got nothing: the helpdesk's automatic mail is never answered.
        what = "a fault relayed by the client's helpdesk system"
        if action == "created":
            what = f"a new report: {what}"
        return f"{what} (automatic mail: no reply was sent; nothing charged)"
    if action == "unauthorized" or (not ctx.disposition.authorized and action == "created"):
        return "mail from a sender not authorised to open tickets"
    if action == "created":
        kind = ctx.assessment.kind.kind
        return "a new report" if kind == "problem_report" else f"a new {kind.replace('_', ' ')}"
    if state.score is not None:
        return "an answer filling in the report"
    return "a reply"


def _contact(ctx: HandlerContext) -> str:
    sender = ctx.assessment.context.sender
    contact = sender.contact
    if contact is None:
        why = f"; {sender.doubt}" if sender.doubt else ""
        return f"{sender.address}, not a listed contact (not authorised{why})"
    role = "authorised" if contact.authorized else "not authorised"
    return f"{one_line(contact.name)} <{contact.email}>, {contact.role} ({role})"


def _short(label: str) -> str:
    """ "Call example(s): date/time, ..." -> "Call example(s)": one line for all items."""
    short = label.split(" (")[0].split("?")[0].split(":")[0]
    return "client's " + short[5:] if short.startswith("Your ") else short


def _intake(ticket: Ticket) -> str:
    if ticket.status == "awaiting_info":
        missing = [_short(ITEM_LABELS.get(k, k)) for k in ticket.notified_missing or []]
        return "awaiting information; missing: " + "; ".join(missing)
    return "complete" if ticket.intake_complete_at else ticket.status


def _response(ctx: HandlerContext, ticket: Ticket) -> str:
    if ticket.first_response_at is not None:
        return "met " + staff_time(ticket.first_response_at, ctx.settings)
    if ticket.sla_started_at is None and ticket.kind != "problem_report":
        return f"no clock (a {ticket.kind.replace('_', ' ')}, not a problem report)"
    if ticket.sla_started_at is None:
        return "clock not started (it starts when the report is complete)"
    return "target " + staff_time(ticket.response_due_at, ctx.settings)


def _restoration(ctx: HandlerContext, ticket: Ticket) -> str:
    if not ticket.critical:
        return "none (not critical)"
    if ticket.restored_at is not None:
        return "met " + staff_time(ticket.restored_at, ctx.settings)
    if ticket.sla_started_at is None:
        return "clock not started (it starts when the report is complete)"
    return "target " + staff_time(ticket.restoration_due_at, ctx.settings)


def writer_name(ctx: HandlerContext, msg: ParsedMessage) -> str:
    """The client's writer as staff see them: the directory's name, else the mail's."""
    sender = ctx.assessment.context.sender
    return one_line(sender.contact.name if sender.contact else (msg.from_name or msg.from_addr))


def last_staff_mail(ctx: HandlerContext, ticket: Ticket) -> str | None:
    """The Message-ID of the ticket's last staff-only mail, to thread the next one under."""
    if ctx.disposition.action != "appended":
        return None  # a new ticket has none; and no query flushes the pending ticket early
    return latest_staff_mail(ctx.session, ticket.id)


def latest_staff_mail(session: Session, ticket_id: int) -> str | None:
    """The Message-ID of the last mail only staff got on a ticket (copy or alert), or None."""
    return session.scalar(
        select(TicketMessage.message_id)
        .where(
            TicketMessage.ticket_id == ticket_id,
            TicketMessage.direction == "outbound",
            TicketMessage.internal.is_(True),
        )
        .order_by(TicketMessage.id.desc())
        .limit(1)
    )


@dataclass(frozen=True)
class StaffOutbox:
    """Where a staff mail is queued: the transaction, the settings, the time, its cause."""

    session: Session
    settings: Settings
    now: datetime
    inbound_id: int | None = None

    @classmethod
    def of(cls, ctx: HandlerContext) -> StaffOutbox:
        """The outbox of the message being handled."""
        return cls(ctx.session, ctx.settings, ctx.now, ctx.inbound.id)


def queue_staff_mail(
    outbox: StaffOutbox, ticket: Ticket, mail: StaffMail, *, kind: str, head: str
) -> None:
    """Queue mail for staff and keep its head on the ticket as an internal outbound entry.

    The entry lets a reply to this mail thread to the ticket by its Message-ID even without
    a signing secret, and shows in the ticket's history what staff were told.
    """
    message = build_staff_mail(outbox.settings, mail, outbox.now)
    row = queue_mail(
        outbox.session,
        outbox.settings.outbound,
        message,
        kind=kind,
        now=outbox.now,
        ticket_id=ticket.id,
        inbound_id=outbox.inbound_id,
        automatic=False,
    )
    record_outbound(outbox.session, ticket.id, row, mail.answers, head, internal=True)


def staff_message_id(settings: Settings, number: str) -> str:
    """A Message-ID signed for the staff audience on ticket number."""
    domain = settings.outbound.from_address.rpartition("@")[2]
    return make_message_id(number, domain, settings.safety.secret, audience=STAFF)


def _limit(settings: Settings) -> str:
    size = settings.staff.copy_attachment_max_bytes
    return f"{size / 1_000_000:g} MB" if size >= 1_000_000 else f"{size:,} bytes"


def page(outbox: StaffOutbox, ticket: Ticket, prefix: str, line: str) -> list[str]:
    """A short mail (no head, no attachments) for ``[staff] pager_addresses``; returns them.

    A pager is often an SMS gateway: it gets one line, under ``<prefix> [ZS-000123] subject``.
    """
    to = list(outbox.settings.staff.pager_addresses)
    if to:
        mail = StaffMail(
            display=f"{outbox.settings.staff.support_name} pager",
            to=to,
            subject=staff_subject(ticket.number, ticket.subject, prefix),
            body=one_line(line)[:300] + "\n",
            message_id=staff_message_id(outbox.settings, ticket.number),
        )
        queue_staff_mail(outbox, ticket, mail, kind=PAGE, head=mail.body.strip())
    return to


def _proposed(msg: ParsedMessage, ctx: HandlerContext, ticket: Ticket) -> list[str]:
    """A new contact-change notice as read, for staff to check before they confirm it."""
    if ticket.kind != "contact_change" or ctx.disposition.action not in ("created", "unauthorized"):
        return []
    proposals = read_notice(msg, {c.email: c.name for c in ticket.client.contacts})
    periods = [p for p in load_periods(ctx.session, client=ticket.client.name) if p.covers(ctx.now)]
    result = rows_after_notice(ticket.client.name, periods, proposals)
    period = read_notice_period(msg, ctx.inbound.received_at, ticket.client.timezone)
    lines = [p.line() for p in proposals]
    lines += [f"? {problem}" for problem in result.problems]
    if result.problems:
        return lines
    after = "; ".join(f"{r['name']} {r['role']}" for r in result.rows)
    if period is None:
        lines.append(f"= afterwards: {after}")
        if (words := temporary_without_end(msg, period)) is not None:
            lines += [
                f'? it sounds temporary ("{words}") but names no last day; if it is, confirm it',
                f"  with: zsupport-mail contacts import --ticket {ticket.number} --until DATE",
            ]
        return lines
    now = "; ".join(f"{p.name} {p.role}" for p in periods)
    return [
        *lines,
        f"= for a period: {after}",
        f"  ({period.describe()})",
        f"= then the current set again from {long_day(period.end + timedelta(days=1))}: {now}",
    ]


def _head(
    ctx: HandlerContext,
    state: HandlingState,
    ticket: Ticket,
    writer: str,
    attachments: Carried,
    proposed: list[str],
) -> dict[str, object]:
    """What the staff copy's head shows (templates/staff_copy.txt.j2)."""
    carried, listed = attachments
    portal = ctx.settings.staff.portal_url
    return {
        "writer": writer,
        "number": ticket.number,
        "what": _what(ctx, state),
        "client": ticket.client.name,
        "contact": _contact(ctx),
        "status": ticket.status,
        "intake": _intake(ticket),
        "response": _response(ctx, ticket),
        "restoration": _restoration(ctx, ticket),
        "critical": ticket.critical,
        "assignee": ticket.assignee,
        "portal": portal.replace("{number}", ticket.number) if portal else None,
        "carried": [p.filename for p in carried],
        "listed": [f"{a.filename} ({a.size:,} bytes)" for a in listed],
        "limit": _limit(ctx.settings),
        "notes": state.notes,
        "proposed": proposed,
        "readable": bool(proposed) and not any(line.startswith("?") for line in proposed),
    }


@dataclass(frozen=True)
class CopyToStaff:
    """The client's message, with a head and its attachments, to the assignee and the queue."""

    name: str = "copy_to_staff"

    def run(self, msg: ParsedMessage, ctx: HandlerContext, state: HandlingState) -> None:
        """Queue the staff copy of a client message on a ticket (never of staff or robot mail)."""
        ticket = state.ticket
        sender = ctx.assessment.context.sender
        robot = ctx.assessment.automatic is not None and not ctx.assessment.kind.relayed
        if ticket is None or sender.staff or robot:
            return  # a helpdesk's relayed report is a person's fault: staff see it
        outbox = StaffOutbox.of(ctx)
        to = recipients(ctx.settings, ticket.assignee)
        if to:
            self._copy(msg, ctx, state, ticket, to)
        elif not ctx.settings.staff.addresses:  # check-config warns about this set-up too
            ctx.journey.record("staff", "none", "no staff address is configured for copies")
        if ticket.critical and ctx.disposition.action == "created":  # paged once, at opening
            line = f"{writer_name(ctx, msg)} ({ticket.client.name}): {msg.text}"
            if paged := page(outbox, ticket, "[CRITICAL]", line):
                ctx.journey.record("staff", "paged", ", ".join(paged))

    @staticmethod
    def _copy(
        msg: ParsedMessage, ctx: HandlerContext, state: HandlingState, ticket: Ticket, to: list[str]
    ) -> None:
        settings, outbox = ctx.settings, StaffOutbox.of(ctx)
        writer = writer_name(ctx, msg)
        attachments = carried_attachments(
            ctx.inbound.raw, msg.attachments, settings.staff.copy_attachment_max_bytes
        )
        marker = f"----- {writer} wrote -----"
        text = (state.stored.body_text if state.stored else msg.text).strip()
        proposed = _proposed(msg, ctx, ticket)
        values = _head(ctx, state, ticket, writer, attachments, proposed)
        head = ctx.renderer.render(STAFF_COPY, values)
        mail = StaffMail(
            display=f"{writer} ({ticket.client.name}) via {settings.staff.support_name}",
            to=to,
            subject=staff_subject(ticket.number, msg.subject or ticket.subject),
            body=f"{head}\n{marker}\n{text}\n",
            message_id=staff_message_id(settings, ticket.number),
            answers=(last_staff_mail(ctx, ticket), ()),
            attachments=tuple(attachments[0]),
        )
        queue_staff_mail(outbox, ticket, mail, kind=STAFF_COPY, head=head.strip())
        ctx.journey.record("staff", "copied", f"{_what(ctx, state)} to {', '.join(to)}")
