"""The client's pages: the ticket list, one ticket, replying and filling in, a new report.

Every write is a web mail into the inbox (webmail.py); the page then waits a few seconds for
the worker so the person sees the outcome (state, what is still missing) on the next page.
"""

from __future__ import annotations

import asyncio

from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from zsupport_mail.edges.portal.queries import client_tickets, ticket_for
from zsupport_mail.edges.portal.security import access
from zsupport_mail.edges.portal.thread import (
    CHECKLIST,
    form_item,
    form_lines,
    missing,
    shown_messages,
)
from zsupport_mail.edges.portal.viewer import Viewer, is_staff
from zsupport_mail.edges.portal.web import (
    PortalContext,
    checked_form,
    ctx_of,
    in_db,
    redirect,
    render,
    require_viewer,
    text,
)
from zsupport_mail.edges.portal.webmail import Upload, build_mail, processed, store_web_mail

WAIT_SECONDS = 15.0  # how long a POST waits for the worker before showing "received"


async def ticket_list(request: Request) -> Response:
    """GET /tickets."""
    viewer = await require_viewer(request)
    if viewer.staff:
        return redirect("/staff")
    ctx = ctx_of(request)

    def read(session: Session) -> Response:
        tickets = client_tickets(session, viewer)
        return render(request, "tickets", viewer=viewer, tickets=tickets)

    return await in_db(ctx, read)


async def ticket_page(request: Request) -> Response:
    """GET /tickets/{number}: state, SLA targets, thread, attachments, fill-in, reply."""
    viewer = await require_viewer(request)
    ctx = ctx_of(request)
    number = request.path_params["number"]

    def read(session: Session) -> Response:
        ticket = ticket_for(session, viewer, number)
        if ticket is None:
            access("portal_not_found", request, ticket=number)
            raise HTTPException(404)
        access("portal_ticket_viewed", request, ticket=ticket.number)
        return render(
            request,
            "ticket",
            viewer=viewer,
            ticket=ticket,
            zone=ticket.client.timezone,
            thread=shown_messages(
                ticket, staff=viewer.staff, is_staff=lambda a: is_staff(ctx.settings.staff, a)
            ),
            missing=missing(ticket),
        )

    return await in_db(ctx, read)


async def uploads_of(form: FormData, name: str, limit: int) -> list[Upload]:
    """The non-empty files of an upload field; 413 past limit bytes in all (the mail limit).

    Starlette spools files to disk as they arrive; the size is checked before any is read.
    """
    parts = [v for v in form.getlist(name) if isinstance(v, UploadFile) and v.filename]
    if sum(part.size or 0 for part in parts) > limit:
        raise HTTPException(413, detail=f"The files are larger than {limit // 2**20} MB in all.")
    files = []
    for part in parts:
        data = await part.read()
        if data:
            files.append(Upload(part.filename or "file", part.content_type or "", data))
    return files


async def submit(ctx: PortalContext, viewer: Viewer, raw: bytes) -> tuple[str, str | None] | None:
    """Store a web mail, wake the worker, wait for its outcome (None: still waiting)."""
    now = ctx.clock()
    inbound_id = await asyncio.get_running_loop().run_in_executor(
        None, store_web_mail, ctx.sessions, ctx.settings, viewer, raw, now
    )
    ctx.wake_inbox()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_SECONDS
    while loop.time() < deadline:
        outcome = await loop.run_in_executor(None, processed, ctx.sessions, inbound_id)
        if outcome is not None:
            return outcome
        await asyncio.sleep(0.2)
    return None


async def reply(request: Request) -> Response:
    """POST /tickets/{number}/reply: a reply and/or the fill-in lines, as one web mail."""
    viewer = await require_viewer(request)
    form = await checked_form(request)
    ctx = ctx_of(request)
    number = request.path_params["number"]
    uploads = await uploads_of(form, "files", ctx.settings.smtp.max_message_bytes)
    now = ctx.clock()

    def build(session: Session) -> bytes | None:
        ticket = ticket_for(session, viewer, number)
        if ticket is None:
            access("portal_not_found", request, ticket=number)
            raise HTTPException(404)
        items = missing(ticket)
        filled = form_lines(items, {i.key: text(form, f"item_{i.key}", 5000) for i in items})
        body = "\n\n".join(part for part in (text(form, "message"), filled) if part)
        if not body and not uploads:
            return None
        return build_mail(
            ctx.settings,
            viewer,
            subject="",
            body=body or "(files attached)",
            now=now,
            ticket=ticket,
            uploads=uploads,
        )

    raw = await in_db(ctx, build)
    if raw is None:
        return redirect(f"/tickets/{number}?notice=empty")
    outcome = await submit(ctx, viewer, raw)
    access("portal_reply", request, ticket=number, outcome=outcome[0] if outcome else "waiting")
    target = outcome[1] if outcome and outcome[1] else number
    return redirect(f"/tickets/{target}?notice={'received' if outcome else 'queued'}")


async def new_ticket_page(request: Request) -> Response:
    """GET /tickets/new: the contract's checklist, prefilled with what we know of the person."""
    viewer = await require_viewer(request)
    if viewer.staff:
        return redirect("/staff")  # a report is a client's; staff work the queue
    known = {
        "company": viewer.client_name or "",
        "contact_name": viewer.name,
        "contact_email": viewer.email,
        "contact_phone": viewer.phone or "",
    }
    items = [form_item(key) for key in CHECKLIST]
    return render(request, "new_ticket", viewer=viewer, items=items, known=known)


async def create_ticket(request: Request) -> Response:
    """POST /tickets/new: the report as one web mail; the worker opens the ticket."""
    viewer = await require_viewer(request)
    if viewer.staff:
        raise HTTPException(404)
    form = await checked_form(request)
    ctx = ctx_of(request)
    items = [form_item(key) for key in CHECKLIST]
    filled = form_lines(items, {i.key: text(form, f"item_{i.key}", 5000) for i in items})
    description = text(form, "description")
    subject = text(form, "subject", 200) or description[:80] or "Problem report"
    body = "\n\n".join(part for part in (description, filled) if part)
    uploads = await uploads_of(form, "call_logs", ctx.settings.smtp.max_message_bytes)
    raw = build_mail(
        ctx.settings, viewer, subject=subject, body=body, now=ctx.clock(), uploads=uploads
    )
    outcome = await submit(ctx, viewer, raw)
    access("portal_report", request, outcome=outcome[0] if outcome else "waiting")
    if outcome and outcome[1]:
        return redirect(f"/tickets/{outcome[1]}?notice=created")
    return redirect("/tickets?notice=queued")
