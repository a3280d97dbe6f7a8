"""Hypothesis strategies for raw mail: random headers, bytes and MIME trees, valid or not.

Shared by the property tests (tests/unit/test_parse_properties.py) and the fuzzer
(bench/fuzz.py). The trees are written as raw bytes by hand, so boundaries can be wrong,
encodings can lie and line ends can mix; ``parse_and_score`` is the property both check.
"""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import strategies as st

from zsupport_mail.mail.message import MessageParseError, parse_message
from zsupport_mail.scoring import score_input
from zsupport_mail.scoring.build import build_input
from zsupport_mail.scoring.types import ContactRecord

HEADER_NAMES = (
    "From", "To", "Cc", "Subject", "Message-ID", "In-Reply-To", "References", "Date", "Sender",
    "Reply-To", "Content-Type", "Content-Transfer-Encoding", "Content-Disposition",
    "MIME-Version", "Auto-Submitted", "Return-Path", "Content-ID",
)  # fmt: skip
ADDRESSES = (
    "dana@acmedental.example", "Dana Smith <dana@acmedental.example>", "x@y", "<>", "@",
    '"a b"@c.example', "undisclosed:;", "=?utf-8?B?ZGFuYQ==?= <d@e.example>",
)  # fmt: skip
CTYPES = (
    "text/plain", "text/html", "text/csv", "application/pdf", "application/zip", "image/png",
    "message/rfc822", "message/delivery-status", "text/rfc822-headers", "application/x-bad",
    "text", "/", "",
)  # fmt: skip
CTES = ("7bit", "8bit", "binary", "base64", "quoted-printable", "x-uuencode", "bogus", "")
CHARSETS = ("utf-8", "iso-8859-1", "us-ascii", "utf-16", "x-unknown", "undefined", "base64", "")
EOLS = (b"\r\n", b"\n", b"\r")

_token = st.text(st.characters(codec="utf-8"), max_size=40)
_raw_bytes = st.binary(max_size=300)


@st.composite
def header_value(draw: st.DrawFn, name: str) -> bytes:
    """A value for ``name``: plausible for the header most of the time, arbitrary otherwise."""
    if name in ("From", "To", "Cc", "Sender", "Reply-To") and draw(st.booleans()):
        return ", ".join(draw(st.lists(st.sampled_from(ADDRESSES), max_size=4))).encode()
    if name in ("Message-ID", "In-Reply-To", "References") and draw(st.booleans()):
        return f"<{draw(_token)}@{draw(_token)}>".encode("utf-8", "surrogateescape")
    if draw(st.booleans()):
        return draw(_token).encode("utf-8", "surrogateescape")
    return draw(_raw_bytes)


@st.composite
def header_block(draw: st.DrawFn, names: tuple[str, ...] = HEADER_NAMES) -> list[bytes]:
    lines = []
    for name in draw(st.lists(st.sampled_from(names), max_size=8)):
        lines.append(name.encode() + b": " + draw(header_value(name)))
    if draw(st.booleans()):
        lines.append(draw(_raw_bytes))  # a line that may not be a header at all
    return lines


@st.composite
def leaf(draw: st.DrawFn) -> bytes:
    ctype = draw(st.sampled_from(CTYPES)).encode()
    charset = draw(st.sampled_from(CHARSETS)).encode()
    lines = [b"Content-Type: " + ctype + (b"; charset=" + charset if charset else b"")]
    lines.append(b"Content-Transfer-Encoding: " + draw(st.sampled_from(CTES)).encode())
    if draw(st.booleans()):
        name = draw(_token).encode("utf-8", "surrogateescape")
        lines.append(b'Content-Disposition: attachment; filename="' + name + b'"')
    return b"\r\n".join(lines) + b"\r\n\r\n" + draw(_raw_bytes)


def _multipart(children: st.SearchStrategy[bytes]) -> st.SearchStrategy[bytes]:
    @st.composite
    def build(draw: st.DrawFn) -> bytes:
        boundary = draw(st.sampled_from([b"B", b"=_x", b"", b"a b", b"B" * 80]))
        parts = draw(st.lists(children, max_size=4))
        body = b"".join(b"--" + boundary + b"\r\n" + p + b"\r\n" for p in parts)
        if draw(st.booleans()):
            body += b"--" + boundary + b"--\r\n"
        subtype = draw(st.sampled_from([b"mixed", b"alternative", b"report", b"digest"]))
        head = b"Content-Type: multipart/" + subtype + b'; boundary="' + boundary + b'"'
        return head + b"\r\n\r\n" + body

    return build()


def _rfc822(children: st.SearchStrategy[bytes]) -> st.SearchStrategy[bytes]:
    return children.map(
        lambda inner: b"Content-Type: message/rfc822\r\n\r\nFrom: x@y.z\r\n" + inner
    )


mime_tree = st.recursive(leaf(), lambda kids: _multipart(kids) | _rfc822(kids), max_leaves=8)


@st.composite
def raw_message(draw: st.DrawFn) -> bytes:
    """A whole raw message: headers, a MIME tree, mixed line ends; sometimes mutated bytes."""
    head = draw(header_block())
    if draw(st.booleans()):
        head.insert(0, b"From: " + draw(st.sampled_from(ADDRESSES)).encode())
    tree = draw(mime_tree)
    raw = b"\r\n".join([*head, b"MIME-Version: 1.0"]) + b"\r\n" + tree
    eol = draw(st.sampled_from(EOLS))
    if eol != b"\r\n":
        raw = raw.replace(b"\r\n", eol)
    for _ in range(draw(st.integers(0, 3))):  # a few random byte flips
        if raw:
            at = draw(st.integers(0, len(raw) - 1))
            raw = raw[:at] + bytes([draw(st.integers(0, 255))]) + raw[at + 1 :]
    return raw


RECEIVED = datetime(2026, 11, 26, 17, 0, tzinfo=UTC)
RECORD = ContactRecord("Acme Dental", "Dana Smith", "dana@acmedental.example", "+1 303 555 0100")


def parse_and_score(raw: bytes) -> float | None:
    """The property: parse fails only with MessageParseError; a parsed mail scores in [0, 1].

    Returns the score, or None for a message that could not be parsed. Any other exception
    propagates: that is the bug the property tests and the fuzzer look for.
    """
    try:
        msg = parse_message(raw)
    except MessageParseError as exc:
        if not str(exc):
            raise AssertionError("a parse error must carry a reason") from exc
        return None
    item = build_input(
        msg, received_at=RECEIVED, timezone="America/Denver", holidays="US-CO", record=RECORD
    )
    value = score_input(item).value
    assert 0.0 <= value <= 1.0, value
    return value
