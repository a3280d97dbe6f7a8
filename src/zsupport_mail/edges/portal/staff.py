"""The staff's pages: the queue by next SLA target, a ticket with its journey, the in-thread
commands as form actions, the quarantine with reprocess, and the ledger.

A form action is written as the staff reply it stands for (``#status pending``, ``#note``...)
and goes through the same pipeline as mail, so the journey records it like any command.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from zsupport_mail.db.models import Charge, InboundMessage, JourneyEvent, Ticket
from zsupport_mail.edges.portal.pages import submit
from zsupport_mail.edges.portal.queries import QueueFilter, client_names, next_target, staff_queue
from zsupport_mail.edges.portal.security import access
from zsupport_mail.edges.portal.thread import shown_messages
from zsupport_mail.edges.portal.web import (
    checked_form,
    ctx_of,
    in_db,
    redirect,
    render,
    require_viewer,
    text,
)
from zsupport_mail.edges.portal.webmail import build_mail
from zsupport_mail.handlers.commands import STATUSES
from zsupport_mail.queues.inbox import requeue

ACTIONS = ("reply", "status", "critical", "assign", "note", "waive", "time")
QUEUE_STATES = ("open", "awaiting_info", "pending", "restored", "closed")


def command_body(action: str, value: str) -> str | None:
    """The staff reply a form action stands for; None when the value is not valid."""
    if action == "reply":
        return value or None
    if action == "status":
        return f"#status {value}" if value in STATUSES else None
    if action in ("critical", "waive"):
        return f"#{action}"
    if action == "assign":
        return f"#assign {value}" if value and "\n" not in value else None
    if action == "note":
        return f"#note\n\n{value}" if value else None
    if action == "time":
        return f"#time {value}h" if value.replace(".", "", 1).isdigit() else None
    return None


async def queue(request: Request) -> Response:
    """GET /staff: open tickets ordered by their next SLA target, with filters."""
    viewer = await require_viewer(request, staff=True)
    ctx = ctx_of(request)
    params = request.query_params
    where = QueueFilter(
        params.get("client", ""), params.get("state", ""), params.get("assignee", "")
    )
    now = ctx.clock()

    def read(session: Session) -> Response:
        tickets = staff_queue(session, where, now)
        return render(
            request,
            "staff_queue",
            viewer=viewer,
            rows=[(t, next_target(t)) for t in tickets],
            now=now,
            where=where,
            clients=client_names(session),
            states=QUEUE_STATES,
        )

    return await in_db(ctx, read)


async def staff_ticket(request: Request) -> Response:
    """GET /staff/tickets/{number}: the ticket, every message, its journey, the actions."""
    viewer = await require_viewer(request, staff=True)
    ctx = ctx_of(request)
    number = request.path_params["number"].upper()

    def read(session: Session) -> Response:
        ticket = session.scalar(select(Ticket).where(Ticket.number == number))
        if ticket is None:
            raise HTTPException(404)
        journey = session.execute(
            select(JourneyEvent, InboundMessage.id)
            .join(InboundMessage, JourneyEvent.inbound_id == InboundMessage.id)
            .where(InboundMessage.ticket_id == ticket.id)
            .order_by(JourneyEvent.inbound_id, JourneyEvent.id)
        ).all()
        return render(
            request,
            "staff_ticket",
            viewer=viewer,
            ticket=ticket,
            zone=ticket.client.timezone,
            thread=shown_messages(ticket, staff=True, is_staff=bool),
            journey=journey,
            statuses=STATUSES,
        )

    return await in_db(ctx, read)


async def action(request: Request) -> Response:
    """POST /staff/tickets/{number}/action: one command, as a staff reply in the thread."""
    viewer = await require_viewer(request, staff=True)
    form = await checked_form(request)
    ctx = ctx_of(request)
    number = request.path_params["number"].upper()
    body = command_body(text(form, "action", 20), text(form, "value", 20000))
    if body is None:
        return redirect(f"/staff/tickets/{number}?notice=invalid")

    def build(session: Session) -> bytes:
        ticket = session.scalar(select(Ticket).where(Ticket.number == number))
        if ticket is None:
            raise HTTPException(404)
        return build_mail(
            ctx.settings, viewer, subject="", body=body, now=ctx.clock(), ticket=ticket
        )

    raw = await in_db(ctx, build)
    outcome = await submit(ctx, viewer, raw)
    access("portal_staff_action", request, ticket=number, action=text(form, "action", 20))
    return redirect(f"/staff/tickets/{number}?notice={'done' if outcome else 'queued'}")


async def quarantine(request: Request) -> Response:
    """GET /staff/quarantine: quarantined messages with their reason."""
    viewer = await require_viewer(request, staff=True)
    ctx = ctx_of(request)

    def read(session: Session) -> Response:
        rows = session.scalars(
            select(InboundMessage)
            .where(InboundMessage.status == "quarantined")
            .order_by(InboundMessage.received_at.desc())
            .limit(500)
        ).all()
        return render(request, "quarantine", viewer=viewer, rows=rows)

    return await in_db(ctx, read)


async def reprocess(request: Request) -> Response:
    """POST /staff/quarantine/{id}/reprocess: requeue a message; the worker runs it again."""
    await require_viewer(request, staff=True)
    await checked_form(request)
    ctx = ctx_of(request)
    inbound_id = request.path_params["inbound_id"]
    if not await in_db(ctx, lambda s: s.get(InboundMessage, inbound_id) is not None):
        raise HTTPException(404)
    await run_in_threadpool(requeue, ctx.sessions, inbound_id, ctx.clock())
    ctx.wake_inbox()
    access("portal_reprocess", request, inbound_id=inbound_id)
    return redirect("/staff/quarantine?notice=requeued")


async def ledger(request: Request) -> Response:
    """GET /staff/ledger: every charge, newest first."""
    viewer = await require_viewer(request, staff=True)
    ctx = ctx_of(request)

    def read(session: Session) -> Response:
        charges = session.scalars(select(Charge).order_by(Charge.id.desc()).limit(1000)).all()
        return render(request, "ledger", viewer=viewer, charges=charges)

    return await in_db(ctx, read)
