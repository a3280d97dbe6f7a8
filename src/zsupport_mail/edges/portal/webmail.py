"""A web form becomes a mail from the signed-in person, stored in the inbox as source ``web``.

That is the whole trick of the portal's writes: the worker reads a web reply, fill-in, new
report or staff action exactly as it reads mail (same intake rules, same scoring, same
journey, same acknowledgement and charges), so the two ways can never disagree. The mail
threads to its ticket by our signed Message-ID (staff audience for a staff action, which is
what staff authority rests on) and by the subject tag.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr, make_msgid

from sqlalchemy.orm import Session, sessionmaker

from zsupport_mail.db.models import InboundMessage, Ticket
from zsupport_mail.edges.portal.viewer import Viewer
from zsupport_mail.mail.addresses import domain_of
from zsupport_mail.mail.replies import one_line, reply_subject
from zsupport_mail.mail.tokens import CLIENT, STAFF, make_message_id
from zsupport_mail.queues.inbox import Arrival, store_raw
from zsupport_mail.settings import Settings

SOURCE = "web"
DONE_STATES = ("done", "quarantined", "failed")


@dataclass(frozen=True)
class Upload:
    """A file from a form's upload field."""

    filename: str
    content_type: str
    data: bytes


def build_mail(
    settings: Settings,
    viewer: Viewer,
    *,
    subject: str,
    body: str,
    now: datetime,
    ticket: Ticket | None = None,
    uploads: Sequence[Upload] = (),
) -> bytes:
    """The raw mail a web form stands for; threaded to ``ticket`` when it answers one."""
    support = settings.smtp.addresses[0]
    message = EmailMessage()
    message["From"] = formataddr((one_line(viewer.name), viewer.email))
    message["To"] = support
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(idstring="portal", domain=domain_of(viewer.email))
    message["X-Zsupport-Portal"] = "web form"
    if ticket is None:
        message["Subject"] = one_line(subject) or "(no subject)"
    else:
        tag = settings.tickets.format_tag(ticket.number)
        message["Subject"] = reply_subject(tag, ticket.subject)
        audience = STAFF if viewer.staff else CLIENT
        parent = make_message_id(
            ticket.number, domain_of(support), settings.safety.secret, audience=audience
        )
        message["In-Reply-To"] = parent
        message["References"] = parent
    message.set_content(body)
    for upload in uploads:
        maintype, _, subtype = upload.content_type.partition("/")
        if not subtype:
            maintype, subtype = "application", "octet-stream"
        message.add_attachment(
            upload.data, maintype=maintype, subtype=subtype, filename=upload.filename
        )
    return message.as_bytes(policy=SMTP)


def store_web_mail(
    sessions: sessionmaker[Session], settings: Settings, viewer: Viewer, raw: bytes, now: datetime
) -> int:
    """Commit the mail to the inbox (source web); returns its inbox id."""
    arrival = Arrival(
        SOURCE, settings.smtp.addresses[0], now, viewer.email, (settings.smtp.addresses[0],)
    )
    return store_raw(sessions, raw, arrival).inbound_id


def processed(sessions: sessionmaker[Session], inbound_id: int) -> tuple[str, str | None] | None:
    """(action, ticket number) once the worker finished the row; None while it waits."""
    with sessions.begin() as session:
        row = session.get(InboundMessage, inbound_id)
        if row is None or row.status not in DONE_STATES:
            return None
        ticket = session.get(Ticket, row.ticket_id) if row.ticket_id else None
        return row.action or row.status, ticket.number if ticket else None
