"""Attachment downloads: the bytes are read back from the raw mail the inbox kept.

The ticket is looked up through the viewer's filter first, so an attachment id of another
client's ticket answers 404 like the ticket itself. Files are always sent as downloads
(``application/octet-stream``, ``nosniff``): an HTML attachment must never run in our origin.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from zsupport_mail.db.models import Attachment, InboundMessage, TicketMessage
from zsupport_mail.edges.portal.queries import ticket_for
from zsupport_mail.edges.portal.security import access
from zsupport_mail.edges.portal.web import ctx_of, in_db, require_viewer
from zsupport_mail.mail.carry import attachment_bytes
from zsupport_mail.mail.filenames import safe_filename


async def download(request: Request) -> Response:
    """GET /tickets/{number}/attachments/{id}."""
    viewer = await require_viewer(request)
    ctx = ctx_of(request)
    number, attachment_id = request.path_params["number"], request.path_params["attachment_id"]

    def read(session: Session) -> tuple[str, bytes] | None:
        ticket = ticket_for(session, viewer, number)
        if ticket is None:
            return None
        row = session.execute(
            select(Attachment, TicketMessage)
            .join(TicketMessage, Attachment.message_id == TicketMessage.id)
            .where(Attachment.id == attachment_id, TicketMessage.ticket_id == ticket.id)
        ).first()
        if row is None or (row[1].internal and not viewer.staff) or row[1].inbound_id is None:
            return None
        attachment, message = row
        raw = session.scalar(
            select(InboundMessage.raw).where(InboundMessage.id == message.inbound_id)
        )
        data = attachment_bytes(raw or b"", attachment.sha256, attachment.filename)
        return (attachment.filename, data) if data is not None else None

    found = await in_db(ctx, read)
    if found is None:
        access("portal_not_found", request, ticket=number, attachment=attachment_id)
        raise HTTPException(404)
    access("portal_attachment_downloaded", request, ticket=number, attachment=attachment_id)
    name = safe_filename(found[0]) or "attachment"
    plain = re.sub(r"[^A-Za-z0-9._-]", "_", name)
    disposition = f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(name)}"
    return Response(
        found[1],
        media_type="application/octet-stream",
        headers={"Content-Disposition": disposition},
    )
