"""Attachment metadata from mail-parser's view of a message: names, types, sizes, hashes.

Two kinds of attachment need more than their metadata. A winmail.dat is unpacked into the
files it carries (tnef.py), each listed on the ticket in its place. An inline image
(``Content-ID``) is kept like any attachment, and its cid is mapped to its file name so the
stored text can say where the picture was ("[image: screenshot.png]").
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from zsupport_mail.mail.filenames import safe_filename, visible
from zsupport_mail.mail.slim import Slimmed
from zsupport_mail.mail.tnef import is_tnef, unpack_tnef

_RANDOM_NAME = re.compile(r"[a-z]{10}\.(?:txt|rtf)")  # mail-parser's random_string() names


@dataclass(frozen=True)
class AttachmentInfo:
    """An attachment's metadata, kept on the ticket; its content stays in the raw message."""

    filename: str
    content_type: str
    size: int
    sha256: str


@dataclass
class Attachments:
    """Every attachment of a message, the text of any winmail.dat, and inline images by cid."""

    infos: list[AttachmentInfo] = field(default_factory=list)
    tnef_text: str = ""
    images: dict[str, str] = field(default_factory=dict)  # content-id (no <>) -> file name


def _given_name(raw: dict[str, Any]) -> str:
    """The sender's name for an attachment; mail-parser names a nameless one at random."""
    name = str(raw.get("filename") or "")
    disposition = str(raw.get("content-disposition") or "")
    if _RANDOM_NAME.fullmatch(name) and name not in disposition:
        return "unnamed" + name[-4:]  # the same name on every parse of the same mail
    return name


def _decoded(raw: dict[str, Any]) -> bytes:
    payload = raw.get("payload") or ""
    try:
        return base64.b64decode(payload) if raw.get("binary") else payload.encode("utf-8")
    except (binascii.Error, ValueError, UnicodeError):
        return bytes(payload.encode("utf-8", "replace"))


def _info(name: str, content_type: str, data: bytes, known: Slimmed | None) -> AttachmentInfo:
    return AttachmentInfo(
        # Sender-supplied: never a path, never hidden characters (see filenames.py).
        filename=safe_filename(name),
        content_type=visible(content_type)[:255] or "application/octet-stream",
        size=known.size if known else len(data),
        sha256=known.sha256 if known else hashlib.sha256(data).hexdigest(),
    )


def content_id(value: str) -> str:
    """A Content-ID header or a cid: URL's id as one key: no angle brackets, no case."""
    return value.strip().strip("<>").strip().lower()


def read_attachments(raw_list: list[dict[str, Any]], slimmed: dict[bytes, Slimmed]) -> Attachments:
    """Metadata of every attachment mail-parser found, with winmail.dat files unpacked."""
    found = Attachments()
    for raw in raw_list:
        data = _decoded(raw)
        known = slimmed.get(data) if slimmed else None  # a part slimmed before parsing
        content_type = str(raw.get("mail_content_type") or "")
        name = _given_name(raw)
        unpacked = unpack_tnef(data) if known is None and is_tnef(content_type, name) else None
        if unpacked is not None and (unpacked.files or unpacked.text):
            found.infos += [_info(f.filename, f.content_type, f.data, None) for f in unpacked.files]
            found.tnef_text = "\n\n".join(t for t in (found.tnef_text, unpacked.text) if t)
            continue
        info = _info(name, content_type, data, known)
        found.infos.append(info)
        cid = str(raw.get("content-id") or "")
        attached = str(raw.get("content-disposition") or "").lower().startswith("attachment")
        if cid and content_type.lower().startswith("image/") and not attached:
            found.images[content_id(cid)] = info.filename
    return found


def signature_info(der: bytes) -> AttachmentInfo:
    """An opaque S/MIME signature, kept on the ticket as the smime.p7m it arrived as."""
    return _info("smime.p7m", "application/pkcs7-mime", der, None)
