"""Mail that only staff receive: copies of client messages, copies of relayed answers, alerts.

Staff mail comes from the support address under a display name that says who wrote ("Dana
Smith (Acme Dental) via Z-Support"), with the support address as Reply-To, so a reply (reply-all
too) comes back to the daemon and never goes straight to the client: the client's own address
appears in no header, only in the text. Its Message-ID is signed for the staff audience
(tokens.make_message_id(audience=STAFF)), so a reply threading to it proves the writer got
staff mail. It is marked ``Auto-Submitted: auto-generated`` so staff vacation responders stay
quiet, and carries the client's attachments up to a size (larger ones are listed by name).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.header import Header
from email.message import Message
from email.utils import format_datetime, formataddr

from zsupport_mail.intake.rules import LOOP_HEADER
from zsupport_mail.mail.carry import Payload, with_attachments
from zsupport_mail.mail.replies import local_time, one_line, text_part
from zsupport_mail.settings import Settings

_MAX_SUBJECT = 200


def staff_time(instant: datetime | None, settings: Settings) -> str:
    """An instant as staff read it: "Thu 26 Nov 2026 17:00 GMT (Europe/London)"."""
    return local_time(instant, settings.staff.timezone) or "not set"


def staff_subject(number: str, subject: str, prefix: str = "") -> str:
    """``[ZS-000123] client's subject``; alerts put their own prefix before it."""
    text = one_line(subject) or "(no subject)"
    if len(text) > _MAX_SUBJECT:
        text = text[:_MAX_SUBJECT].rstrip() + " ..."
    return one_line(f"{prefix} [{number}] {text}")


def recipients(settings: Settings, assignee: str | None, *, leave_out: str = "") -> list[str]:
    """The ticket's assignee (an address, or a staff address's local part) and the queue."""
    staff = settings.staff
    found: list[str] = []
    if assignee:
        wanted = assignee.strip().lower()
        if "@" in wanted:
            found.append(wanted)
        else:
            found += sorted(a for a in staff.addresses if a.partition("@")[0] == wanted)
    found += staff.queue_addresses
    own = {*settings.smtp.addresses, settings.outbound.from_address, leave_out.lower()}
    return [a for a in dict.fromkeys(found) if a not in own]  # never mail ourselves: a loop


@dataclass(frozen=True)
class StaffMail:
    """One mail to staff, before it is built."""

    display: str  # "Dana Smith (Acme Dental) via Z-Support"
    to: list[str]
    subject: str
    body: str
    message_id: str
    answers: tuple[str | None, tuple[str, ...]] = (None, ())
    attachments: tuple[Payload, ...] = ()


def build_staff_mail(settings: Settings, mail: StaffMail, now: datetime) -> Message:
    """The RFC 5322 message: From the support address under mail.display, Reply-To it."""
    message = with_attachments(text_part(mail.body), mail.attachments)
    support = settings.outbound.from_address
    display = one_line(mail.display)
    message["From"] = formataddr((display, support), charset="utf-8")
    message["Reply-To"] = support
    message["To"] = ", ".join(mail.to)
    subject = one_line(mail.subject)
    message["Subject"] = subject if subject.isascii() else Header(subject, "utf-8")  # type: ignore[assignment]
    message["Date"] = format_datetime(now)
    message["Message-ID"] = mail.message_id
    parent, references = mail.answers
    if parent:
        message["In-Reply-To"] = parent
        message["References"] = " ".join((*references, parent)[-20:])
    message["Auto-Submitted"] = "auto-generated"
    message[LOOP_HEADER] = support
    return message
