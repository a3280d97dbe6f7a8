"""Attachments as bytes: taken from a stored raw message, carried into mail we send.

The ticket keeps only attachment metadata; the content stays in the stored raw message. Staff
copies and relayed staff answers carry attachments, so this module reads them back out of
the raw bytes and attaches them to a mail we build.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from email import message_from_bytes
from email.message import Message
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.policy import compat32, default

from zsupport_mail.mail.attachments import AttachmentInfo


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


def attachments_in(raw: bytes, infos: Sequence[AttachmentInfo]) -> list[Payload]:
    """The attachments' bytes; the raw message is not parsed again when it has none."""
    return attachments_of(raw) if infos else []


def carried_attachments(
    raw: bytes, infos: Sequence[AttachmentInfo], limit: int
) -> tuple[list[Payload], list[AttachmentInfo]]:
    """(the attachments of at most limit bytes, with their bytes; the larger ones, listed).

    The raw message is parsed again only when something will be carried: a mail whose only
    attachment is a 25 MB trace is never decoded a second time (slim.py says why that costs).
    """
    listed = [a for a in infos if a.size > limit]
    if len(listed) == len(infos):
        return [], listed
    return [p for p in attachments_of(raw) if len(p.data) <= limit], listed


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


def attachment_bytes(raw: bytes, sha256: str, filename: str) -> bytes | None:
    """The decoded part of raw whose SHA-256 (else whose file name) is the stored one."""
    by_name = None
    for part in message_from_bytes(raw, policy=default).walk():
        if part.is_multipart():
            continue
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes):
            continue
        if hashlib.sha256(data).hexdigest() == sha256:
            return data
        if by_name is None and part.get_filename() == filename:
            by_name = data
    return by_name
