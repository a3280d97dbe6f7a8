"""Periodic SLA work: warn staff at 75% and 90% of a target and at breach (one mail per ticket
per tick, runtime/alerts.py), remind and auto-close tickets waiting on the client. Run by
serve's scheduler every ``sla.tick_seconds``.

Waiting on the client means ``pending`` (staff asked) or ``awaiting_info`` (our notice asked for
the checklist's missing items): clause 11 speaks of "requests for additional information", so
both get the reminder and the auto-close, counted from when we asked. Reminders and closing
mails thread under the ticket's last mail, carry a signed Message-ID and the client's local time.

Each alert is sent once per ticket: its key ("response:75", "restoration:breach", "reminder",
...) is recorded on the ticket in the same transaction that queues the mail, so a restart or a
second tick never repeats it. The clock is passed in, so tests can move time.

Several instances on one PostgreSQL each run the scheduler; a tick first takes the advisory
transaction lock ``sla_tick`` and is skipped when another instance's tick holds it. The lock is
not what makes alerts unique (the recorded keys and the ticket row locks are), it only keeps
two instances from walking the same tickets at the same moment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from zsupport_mail.db.advisory import try_xact_lock
from zsupport_mail.db.models import OutboundMessage, Ticket, TicketMessage
from zsupport_mail.handlers.clocks import calendar_for, close_pending, pending_intervals
from zsupport_mail.handlers.staff_copy import StaffOutbox
from zsupport_mail.mail.replies import ReplyRenderer, build_reply, local_time, reply_subject
from zsupport_mail.mail.tokens import make_message_id
from zsupport_mail.queues.outbox import queue_mail
from zsupport_mail.queues.status import OPEN_STATES
from zsupport_mail.runtime.alerts import queue_alert
from zsupport_mail.runtime.upgrades import remind_upgrades
from zsupport_mail.settings import Settings
from zsupport_mail.sla import (
    Deadline,
    auto_close_schedule,
    response_deadline,
    restoration_deadline,
)

log = structlog.get_logger("zsupport_mail.runtime.jobs")
TICK_LOCK = "sla_tick"


@dataclass(frozen=True)
class Alert:
    """Something an SLA tick did to a ticket (a warning, breach, reminder or auto-close)."""

    key: str  # e.g. "response:75"
    ticket: str
    at: datetime


def _deadlines(settings: Settings, ticket: Ticket) -> list[tuple[str, Deadline, datetime | None]]:
    """(target name, its deadline with warning instants, when it was met or None)."""
    if ticket.sla_started_at is None:
        return []
    calendar = calendar_for(settings, ticket.client.name)
    policy = settings.sla.policy()
    found = [
        (
            "response",
            response_deadline(calendar, ticket.sla_started_at, policy),
            ticket.first_response_at,
        )
    ]
    if ticket.critical:
        found.append(
            (
                "restoration",
                restoration_deadline(
                    calendar, ticket.sla_started_at, pending_intervals(ticket), policy
                ),
                ticket.restored_at,
            )
        )
    return found


def _due_alerts(settings: Settings, ticket: Ticket, now: datetime) -> list[tuple[str, datetime]]:
    """Warnings and breaches whose instant has come and that were not sent before."""
    sent = set(ticket.sla_alerts or [])
    found = []
    fractions = settings.sla.policy().warning_fractions
    for name, target, met in _deadlines(settings, ticket):
        if met is not None:
            continue
        marks = [
            (f"{name}:{round(f * 100)}", at)
            for f, at in zip(fractions, target.warnings, strict=True)
        ]
        found += [
            (key, at)
            for key, at in [*marks, (f"{name}:breach", target.due)]
            if at <= now and key not in sent
        ]
    return found


def _mail(
    session: Session,
    settings: Settings,
    renderer: ReplyRenderer,
    ticket: Ticket,
    template: str,
    to: list[str],
    now: datetime,
    **context: object,
) -> None:
    if not to:
        return
    body = renderer.render(
        template,
        {
            "number": ticket.number,
            "client": ticket.client.name,
            "subject": ticket.subject,
            **context,
        },
    )
    tag = settings.tickets.format_tag(ticket.number)
    client_facing = template != "sla_warning"
    last = _last_message(session, ticket) if client_facing else None
    domain = settings.outbound.from_address.rpartition("@")[2]
    message = build_reply(
        settings,
        to=", ".join(to),
        subject=reply_subject(tag, ticket.subject),
        body=body,
        answers=(last.message_id, tuple(last.references.split())) if last else (None, ()),
        now=now,
        message_id=make_message_id(ticket.number, domain, settings.safety.secret),
    )
    row = queue_mail(
        session, settings.outbound, message, kind=template, now=now, ticket_id=ticket.id
    )
    if client_facing:  # on the thread, so the client's answer is found by its references
        session.add(
            TicketMessage(
                ticket_id=ticket.id,
                direction="outbound",
                internal=False,
                message_id=row.message_id,
                in_reply_to=last.message_id if last else None,
                references=" ".join((*last.references.split(), last.message_id or ""))
                if last
                else "",
                from_addr=row.mail_from,
                to_addrs=row.to_addrs,
                cc_addrs=[],
                subject=row.subject,
                body_text=body,
                created_at=now,
            )
        )


def _last_message(session: Session, ticket: Ticket) -> TicketMessage | None:
    """The ticket's latest mail with a Message-ID, internal notes excepted: the one answered."""
    return session.scalar(
        select(TicketMessage)
        .where(
            TicketMessage.ticket_id == ticket.id,
            TicketMessage.message_id.is_not(None),
            TicketMessage.internal.is_(False),
        )
        .order_by(TicketMessage.id.desc())
        .limit(1)
    )


def _waiting_since(session: Session, ticket: Ticket) -> datetime | None:
    """Since when the ticket waits on the client: pending, or our last missing-info notice."""
    if ticket.status == "pending":
        return ticket.pending_since
    if ticket.status != "awaiting_info":
        return None
    return session.scalar(
        select(OutboundMessage.created_at)
        .where(
            OutboundMessage.ticket_id == ticket.id,
            OutboundMessage.kind == "missing_information",
        )
        .order_by(OutboundMessage.id.desc())
        .limit(1)
    )


def _remember(ticket: Ticket, key: str) -> None:
    ticket.sla_alerts = [*(ticket.sla_alerts or []), key]


def _warn(
    session: Session, settings: Settings, renderer: ReplyRenderer, ticket: Ticket, now: datetime
) -> list[Alert]:
    """Every threshold passed since the last tick, in one alert mail (runtime/alerts.py)."""
    due = _due_alerts(settings, ticket, now)
    if not due:
        return []
    for key, _ in due:
        _remember(ticket, key)
    queue_alert(StaffOutbox(session, settings, now), renderer, ticket, [key for key, _ in due])
    alerts = []
    for key, at in due:
        kind, _, level = key.partition(":")
        event = "sla_breach" if level == "breach" else "sla_warning"
        log.warning(event, ticket=ticket.number, target=kind, threshold=level, at=at.isoformat())
        alerts.append(Alert(key, ticket.number, at))
    return alerts


def _auto_close(
    session: Session, settings: Settings, renderer: ReplyRenderer, ticket: Ticket, now: datetime
) -> list[Alert]:
    since = _waiting_since(session, ticket)
    if since is None:
        return []
    calendar = calendar_for(settings, ticket.client.name)
    schedule = auto_close_schedule(calendar, since, settings.sla.policy())
    sent = set(ticket.sla_alerts or [])
    context = {
        "awaiting_info": ticket.status == "awaiting_info",
        "reopen_days": settings.tickets.reopen_days,
        "close_at": local_time(schedule.close_at, ticket.client.timezone),
    }
    if now >= schedule.close_at:
        close_pending(ticket, now)
        ticket.status, ticket.closed_at = "closed", now
        _mail(
            session,
            settings,
            renderer,
            ticket,
            "auto_closed",
            [ticket.requester_email],
            now,
            **context,
        )
        log.info("ticket_auto_closed", ticket=ticket.number)
        return [Alert("closed", ticket.number, schedule.close_at)]
    if now >= schedule.reminder_at and f"reminder:{since.isoformat()}" not in sent:
        _remember(ticket, f"reminder:{since.isoformat()}")
        _mail(
            session,
            settings,
            renderer,
            ticket,
            "pending_reminder",
            [ticket.requester_email],
            now,
            **context,
        )
        return [Alert("reminder", ticket.number, schedule.reminder_at)]
    return []


def sla_tick(
    sessions: sessionmaker[Session], settings: Settings, renderer: ReplyRenderer, now: datetime
) -> list[Alert]:
    """One pass over the open tickets; returns what it did (nothing when skipped)."""
    done: list[Alert] = []
    with sessions.begin() as session:
        if not try_xact_lock(session, TICK_LOCK):
            log.debug("sla_tick_skipped", reason="another instance is ticking")
            return done
        tickets = session.scalars(
            select(Ticket).where(Ticket.status.in_(OPEN_STATES)).with_for_update(skip_locked=True)
        )
        for ticket in tickets:
            done += _warn(session, settings, renderer, ticket, now)
            done += _auto_close(session, settings, renderer, ticket, now)
        for client in remind_upgrades(session, settings, renderer, now):
            done.append(Alert("upgrade_reminder", client, now))
    return done
