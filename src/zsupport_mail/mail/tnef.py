"""Outlook's TNEF (``winmail.dat``, application/ms-tnef) unpacked into the files it carries.

Outlook and Exchange send "rich text" mail as one opaque winmail.dat attachment that no other
mail program opens, so a client's screenshot or call log inside it would be invisible to
staff. tnefparse (a maintained, dependency-free TNEF decoder) unpacks it; a winmail.dat that
it cannot read is kept as it is, never an error, since the raw message still holds it.
"""

from __future__ import annotations

import logging
import mimetypes
from dataclasses import dataclass

import tnefparse

from zsupport_mail.mail.text import html_to_text

TNEF_TYPES = frozenset({"application/ms-tnef", "application/vnd.ms-tnef"})
# tnefparse logs every MAPI property it does not know at WARNING: noise, not events.
logging.getLogger("tnefparse").setLevel(logging.ERROR)


@dataclass(frozen=True)
class TnefFile:
    """One file from inside a winmail.dat."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class TnefContent:
    """What a winmail.dat held: its files and, when it had one, its body as text."""

    files: tuple[TnefFile, ...]
    text: str


def is_tnef(content_type: str, filename: str) -> bool:
    """Outlook labels it application/ms-tnef, but some gateways relabel it octet-stream."""
    return content_type.lower() in TNEF_TYPES or filename.lower() == "winmail.dat"


def _as_text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value if isinstance(value, str) else ""


def unpack_tnef(data: bytes) -> TnefContent | None:
    """The files and body text of a TNEF stream, or None when it is not one tnefparse reads."""
    try:
        tnef = tnefparse.TNEF(data, do_checksum=False)  # Exchange's checksums are often wrong
        files = []
        for number, attachment in enumerate(tnef.attachments, start=1):
            name = attachment.long_filename() or f"attachment-{number}"
            guessed = mimetypes.guess_type(name)[0] or "application/octet-stream"
            files.append(TnefFile(name, guessed, bytes(attachment.data)))
        text = _as_text(tnef.body).strip() or html_to_text(_as_text(tnef.htmlbody))
    except Exception:  # tnefparse raises many types on streams it does not understand
        return None
    return TnefContent(tuple(files), text)
