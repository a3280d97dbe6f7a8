"""Turn a parsed mail and what we know of its sender into the pure ScoringInput."""

from __future__ import annotations

from datetime import datetime

from zsupport_mail.mail.message import ParsedMessage
from zsupport_mail.scoring.tables import relabel
from zsupport_mail.scoring.text import own_text, parse_form
from zsupport_mail.scoring.types import ContactRecord, ScoringInput


def region_of(holidays: str | None) -> str:
    """The phone-number region of a client: the country part of its holidays code."""
    return (holidays or "US").split("-")[0].upper()


def build_input(
    msg: ParsedMessage,
    *,
    received_at: datetime,
    timezone: str,
    holidays: str | None,
    record: ContactRecord,
    known_serials: dict[str, str] | None = None,
    register_sites: tuple[tuple[str, tuple[str, ...]], ...] = (),
    register_counts: bool = False,
) -> ScoringInput:
    """The scoring view of one mail: own text, signature, form lines, attachment names."""
    text, signature, forwarded = own_text(msg.text, msg.subject)
    text, forwarded = relabel(text), relabel(forwarded)  # tables read as label/value pairs
    return ScoringInput(
        subject=msg.subject,
        text=text,
        signature=signature,
        forwarded=forwarded,
        attachments=tuple((a.filename, a.content_type) for a in msg.attachments),
        sender_address=msg.from_addr,
        received_at=received_at,
        timezone=timezone,
        region=region_of(holidays),
        record=record,
        form=parse_form(f"{text}\n{forwarded}"),
        known_serials=known_serials or {},
        register_sites=register_sites,
        register_counts=register_counts,
    )
