"""Attachments as bytes: taken from a stored raw message, carried into mail we send.

The ticket keeps only attachment metadata; the content stays in the stored raw message. Staff
copies and relayed staff answers carry attachments, so this module reads them back out of
the raw bytes and attaches them to a mail we build.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from email import message_from_bytes
from email.message import Message
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.policy import compat32


@dataclass(frozen=True)
class Payload:
    """An attachment's bytes, as carried into a staff mail."""

    filename: str
    content_type: str
    data: bytes


def attachments_of(raw: bytes) -> list[Payload]:
    """Every attachment in a raw message (parts with a filename or marked attachment)."""
    found = []
    for part in message_from_bytes(raw, policy=compat32).walk():
        if part.is_multipart():
            continue
        filename = part.get_filename()
        if filename is None and part.get_content_disposition() != "attachment":
            continue
        data = part.get_payload(decode=True)
        if isinstance(data, bytes):
            name = _printable(str(filename or "attachment.bin"))
            found.append(Payload(name, part.get_content_type(), data))
    return found


def _printable(name: str) -> str:
    """A filename on one line: control characters and line breaks become spaces."""
    return " ".join("".join(c if c.isprintable() else " " for c in name).split())


def split_by_size(payloads: list[Payload], limit: int) -> tuple[list[Payload], list[Payload]]:
    """(carried, only listed): each attachment rides along if it is at most limit bytes."""
    carried = [p for p in payloads if len(p.data) <= limit]
    return carried, [p for p in payloads if len(p.data) > limit]


def with_attachments(text: Message, payloads: Iterable[Payload]) -> Message:
    """text alone when there is nothing to attach, else multipart/mixed with each payload."""
    payloads = list(payloads)
    if not payloads:
        return text
    message = MIMEMultipart()
    message.attach(text)
    for payload in payloads:
        _, _, subtype = payload.content_type.partition("/")
        part = MIMEApplication(payload.data, subtype or "octet-stream")
        part.replace_header("Content-Type", payload.content_type)
        part.add_header("Content-Disposition", "attachment", filename=payload.filename)
        message.attach(part)
    return message
