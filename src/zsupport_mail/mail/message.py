"""Parse raw bytes once into a typed ParsedMessage; the only module that imports mail-parser.

Everything after this stage reads ParsedMessage fields and never the MIME tree, so a change of
parser touches one file. A message that cannot be parsed, or has no usable From address, raises
MessageParseError with a reason that ends up in quarantine and in the journey log.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from email.message import Message
from email.utils import getaddresses
from typing import Any

import mailparser

from zsupport_mail.mail.addresses import AddressError, normalize_address, parse_address_list
from zsupport_mail.mail.attachments import (
    AttachmentInfo,
    Attachments,
    read_attachments,
    signature_info,
)
from zsupport_mail.mail.bounces import DeliveryReport, delivery_report
from zsupport_mail.mail.charsets import decode_text, repair_texts
from zsupport_mail.mail.slim import slim
from zsupport_mail.mail.smime import unwrap_opaque_signed
from zsupport_mail.mail.text import html_to_text, link_inline_images

# No control characters (PostgreSQL refuses NUL in text, and an id goes into our headers) and at
# most 998 characters (RFC 5322's line limit and our column): no real Message-ID breaks either.
_MESSAGE_ID = re.compile(r"<[^<>\s\x00-\x1f\x7f]{1,996}>")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# mail-parser logs every MIME type it does not decode at WARNING on the root logger's
# last-resort handler; that is noise on the CLI's stderr, not an event worth keeping.
logging.getLogger("mailparser").setLevel(logging.ERROR)


class MessageParseError(Exception):
    """The bytes are not a message we can act on; str(self) is the reason."""


@dataclass(frozen=True)
class ParsedMessage:
    """What the pipeline needs to know about one mail, decoded and normalised."""

    message_id: str | None
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    from_addr: str
    from_name: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    subject: str
    text: str
    attachments: tuple[AttachmentInfo, ...] = ()
    headers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    defects: tuple[str, ...] = ()
    delivery_report: DeliveryReport | None = None  # set when this mail is a bounce
    # Start days (YYYY-MM-DD) of the events in a meeting invitation's text/calendar part.
    event_days: tuple[str, ...] = ()

    def header(self, name: str) -> tuple[str, ...]:
        """All values of a header (case-insensitive name), or an empty tuple."""
        return self.headers.get(name.lower(), ())

    def first_header(self, name: str) -> str | None:
        """The first value of a header (case-insensitive name), or None if absent."""
        values = self.header(name)
        return values[0] if values else None

    @property
    def referenced_ids(self) -> tuple[str, ...]:
        """Message-IDs this mail answers: In-Reply-To first, then References newest first."""
        seen: dict[str, None] = dict.fromkeys(self.in_reply_to)
        seen.update(dict.fromkeys(reversed(self.references)))
        if self.delivery_report is not None:  # a bounce answers the mail it returns
            seen.update(dict.fromkeys(self.delivery_report.original_ids))
        return tuple(seen)


def extract_message_ids(value: str | None) -> tuple[str, ...]:
    """Every ``<id>`` token of a Message-ID, In-Reply-To or References header."""
    return tuple(_MESSAGE_ID.findall(value or ""))


def _no_nul(text: str) -> str:
    """PostgreSQL text cannot hold NUL; no mail means anything by one in a header or body."""
    return text.replace("\x00", "")


def _utf8_header(value: str) -> str:
    """A raw header value as text: 8-bit bytes (RFC 6532 UTF-8 headers) decoded as UTF-8.

    The compat32 parser keeps such bytes as surrogate escapes and str() of its Header turns
    them into U+FFFD, which would make ``hans@bücher.example`` unreadable.
    """
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _headers(parsed: Any) -> dict[str, tuple[str, ...]]:
    result: dict[str, list[str]] = {}
    for name, value in parsed.message.raw_items():
        result.setdefault(_no_nul(name.lower()), []).append(_no_nul(_utf8_header(str(value))))
    return {name: tuple(values) for name, values in result.items()}


def _header_text(message: Message, name: str) -> str | None:
    """A header as text: with 8-bit bytes in it, compat32 returns a Header object, not a str."""
    value = message.get(name)
    return None if value is None else str(value)


def _display_name(name: str) -> str:
    """A display name with its encoded-words decoded, on one line (it may hide a CR/LF)."""
    try:
        text = str(make_header(decode_header(name)))
    except (HeaderParseError, UnicodeError, LookupError):
        text = name
    return " ".join(text.split())


def _sender(headers: dict[str, tuple[str, ...]]) -> tuple[str, str]:
    """The From address, or (for mail without one) the Sender address as a fallback.

    A From that yields two usable mailboxes is refused rather than read as its first one:
    ``dana@client.example <evil@x.example>`` is a display name posing as an address, which a
    mail program shows as Dana's while Python's parser returns dana@client.example first.
    """
    for name in ("from", "sender"):
        usable: list[tuple[str, str]] = []
        for display, addr in getaddresses(list(headers.get(name, ()))):
            try:
                usable.append((_display_name(display), normalize_address(addr)))
            except AddressError:
                continue
        distinct = list(dict.fromkeys(addr for _, addr in usable))  # one mailbox named twice is one
        if len(distinct) > 1:
            listed = ", ".join(distinct)
            raise MessageParseError(
                f"ambiguous sender: {name.title()} names {len(distinct)} mailboxes ({listed}); "
                "a display name is never taken as the address"
            )
        if usable:
            return usable[0]
    raise MessageParseError("no usable From address")


def _text_parts(message: Message, subtype: str) -> list[tuple[bytes, str | None]]:
    parts = []
    for part in message.walk():
        if part.get_content_type() == f"text/{subtype}":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                parts.append((payload, part.get_content_charset()))
    return parts


def _body_text(parsed: Any, found: Attachments) -> str:
    """The readable text: the plain part, else the HTML part, else a winmail.dat's body."""
    plain_parts = repair_texts(list(parsed.text_plain), _text_parts(parsed.message, "plain"))
    plain = "\n".join(part for part in plain_parts if part)
    if plain.strip():
        text = link_inline_images(plain.replace("\r\n", "\n"), found.images)
        # The plain alternative of an HTML mail rarely says where its pictures were.
        unlinked = [f"[image: {n}]" for n in found.images.values() if f"[image: {n}]" not in text]
        text = "\n\n".join([text.rstrip(), *unlinked]) if unlinked else text
    else:
        html = repair_texts(list(parsed.text_html), _text_parts(parsed.message, "html"))
        text = html_to_text("\n".join(html), found.images)
    if not text.strip() and found.tnef_text:
        text = found.tnef_text
    for inner, block in _attached_messages(parsed.message):
        # mail-parser already put the attached message's text into text_plain, where it
        # would read as the sender's own words: move it under a forwarded-message marker.
        if inner.strip():
            text = text.replace(inner.strip(), "").rstrip()
        text = f"{text}\n\n{block}"
    return text


def _part_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    text = decode_text(payload, part.get_content_charset())
    return html_to_text(text) if part.get_content_type() == "text/html" else text


def _attached_messages(message: Message) -> list[tuple[str, str]]:
    """(text, marked block) of each message attached as message/rfc822 (a forwarded report).

    A client forwarding an end user's report this way has furnished what that report says,
    but not as their own words.
    """
    texts = []
    for part in message.walk():
        if part.get_content_type() != "message/rfc822":
            continue
        payload = part.get_payload()
        inner = payload[0] if isinstance(payload, list) and payload else None
        if not isinstance(inner, Message):
            continue
        bodies = [p for p in inner.walk() if p.get_content_type() in ("text/plain", "text/html")]
        plain = [p for p in bodies if p.get_content_type() == "text/plain"] or bodies[:1]
        header = f"From: {inner.get('From', '')}\nSubject: {inner.get('Subject', '')}"
        text = "\n".join(_part_text(p) for p in plain).replace("\r\n", "\n")
        texts.append((text, f"---------- Forwarded message ----------\n{header}\n\n{text}"))
    return texts


def parse_message(raw: bytes) -> ParsedMessage:
    """Parse raw RFC 5322 bytes.

    Raises:
        MessageParseError: the bytes are not a mail, or have no usable From address.
    """
    if not raw or raw.isspace():  # not raw.strip(): that would copy a 25 MB message
        raise MessageParseError("empty message")
    opened = unwrap_opaque_signed(raw)  # an opaque S/MIME signature hides the whole body
    try:
        slimmed_raw, slimmed = slim(opened.raw if opened else raw)
        parsed = mailparser.parse_from_bytes(slimmed_raw)
        del slimmed_raw
        headers = _headers(parsed)
        found = read_attachments(parsed.attachments, slimmed)
        if opened is not None:
            found.infos.append(signature_info(opened.signature))
        text = _body_text(parsed, found)
        attachments = tuple(found.infos)
    except MessageParseError:
        raise
    except Exception as exc:  # mail-parser raises many types on broken MIME
        raise MessageParseError(f"unparseable message: {type(exc).__name__}: {exc}") from exc
    if not headers:
        raise MessageParseError("no headers")
    from_name, from_addr = _sender(headers)
    # Control characters (an encoded-word can carry NUL or ESC) would end up in the ticket,
    # where PostgreSQL refuses NUL, and in our replies' Subject.
    subject = " ".join(_CONTROL.sub(" ", str(parsed.subject or "")).split())
    message_ids = extract_message_ids(_header_text(parsed.message, "Message-ID"))
    return ParsedMessage(
        message_id=message_ids[0] if message_ids else None,
        in_reply_to=extract_message_ids(_header_text(parsed.message, "In-Reply-To")),
        references=extract_message_ids(_header_text(parsed.message, "References")),
        from_addr=from_addr,
        from_name=_no_nul(from_name),
        to=tuple(a for _, a in parse_address_list(list(headers.get("to", ())))),
        cc=tuple(a for _, a in parse_address_list(list(headers.get("cc", ())))),
        subject=subject,
        text=_no_nul(text),
        attachments=attachments,
        headers=headers,
        defects=tuple(str(d) for d in parsed.defects),
        delivery_report=delivery_report(parsed.message, from_addr, subject, len(raw)),
        event_days=_event_days(parsed.message),
    )


_DTSTART = re.compile(r"^DTSTART[^:\r\n]*:(\d{4})(\d{2})(\d{2})", re.MULTILINE)


def _event_days(message: Message) -> tuple[str, ...]:
    """The DTSTART days of an invitation (iCalendar), skipping time-zone rules (year 1601)."""
    days: list[str] = []
    for part in message.walk():
        if part.get_content_type() != "text/calendar":
            continue
        payload = part.get_payload(decode=True)
        text = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
        days += [f"{y}-{m}-{d}" for y, m, d in _DTSTART.findall(text) if y > "1900"]
    return tuple(days)
