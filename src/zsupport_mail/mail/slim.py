"""Slim large attachments out of raw bytes before the MIME parser sees them.

The stdlib parser under mail-parser holds a message several times over (decoded to text, split
into lines, joined per part, copied into the result): about 8 x the message size at peak, so a
mail with a 25 MB attachment cost ~300 MB. Nothing downstream needs an attachment's bytes,
only its name, content type, size and sha256 (the raw message stays in the inbox). So, at byte
level and without copying the message, each large base64 leaf part is decoded in chunks to
hash it, and its body is replaced by a short token; ``parse_message`` maps the token back to
the size and hash it would have computed. Parts the parser would read as text (text/* not
disposed as an attachment, message/*), TNEF (unpacked later) and anything whose base64 is not
clean are never touched, so what tickets and scoring see is unchanged.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32

SLIM_ABOVE = 256 * 1024  # encoded bytes of a part body; smaller parts cost little to parse
_MAX_DEPTH = 8
_CHUNK = 1 << 20
_WHITESPACE = b" \t\r\n"
_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_HEADER_END = re.compile(rb"\r?\n\r?\n")


@dataclass(frozen=True)
class Slimmed:
    """What the parser would have computed from a part's decoded bytes."""

    size: int
    sha256: str


def _digest(raw: bytes, start: int, end: int) -> Slimmed | None:
    """Size and sha256 of base64 raw[start:end] decoded, or None if it is not clean base64.

    Clean means: only the alphabet and whitespace, padding only at the very end, a whole
    number of quanta; exactly what ``base64.b64decode`` decodes the same way in pieces.
    """
    view = memoryview(raw)
    sha, size, carry = hashlib.sha256(), 0, b""
    for at in range(start, end, _CHUNK):
        chunk = carry + bytes(view[at : min(at + _CHUNK, end)]).translate(None, _WHITESPACE)
        last = at + _CHUNK >= end
        data = chunk.rstrip(b"=") if last else chunk
        if data.translate(None, _ALPHABET) or (last and len(chunk) - len(data) > 2):
            return None
        keep = len(chunk) if last else len(chunk) - len(chunk) % 4
        carry = chunk[keep:]
        if last and len(chunk) % 4:
            return None
        decoded = base64.b64decode(chunk[:keep])
        sha.update(decoded)
        size += len(decoded)
    return Slimmed(size, sha.hexdigest())


def _slimmable(headers: Message, body_len: int) -> bool:
    cte = str(headers.get("content-transfer-encoding", "")).strip().lower()
    if cte != "base64" or body_len < SLIM_ABOVE:
        return False
    if headers.get_content_type() in ("application/ms-tnef", "application/vnd.ms-tnef"):
        return False  # its bytes are unpacked into the files it carries (tnef.py)
    maintype = headers.get_content_maintype()
    attached = headers.get_content_disposition() == "attachment"
    return maintype not in ("text", "message", "multipart") or (maintype == "text" and attached)


class _Slimmer:
    def __init__(self, raw: bytes) -> None:
        self.raw = raw
        self.pieces: list[bytes] = []
        self.done = 0  # raw[:done] is accounted for in pieces
        self.tokens: dict[bytes, Slimmed] = {}
        self.nonce = secrets.token_hex(8).encode()

    def entity(self, start: int, end: int, depth: int) -> None:
        """One MIME entity (headers, blank line, body) at raw[start:end]."""
        if end - start < SLIM_ABOVE or depth > _MAX_DEPTH:
            return
        blank = _HEADER_END.search(self.raw, start, end)
        if blank is None:
            return
        headers = BytesHeaderParser(policy=compat32).parsebytes(self.raw[start : blank.end()])
        body = blank.end()
        if headers.get_content_maintype() == "multipart":
            boundary = headers.get_boundary()
            if boundary:
                self.multipart(boundary.encode("latin-1", "replace"), body, end, depth)
        elif _slimmable(headers, end - body):
            self.replace(body, end)

    def multipart(self, boundary: bytes, start: int, end: int, depth: int) -> None:
        previous: int | None = None
        for line_start, closing in self._delimiters(b"--" + boundary, start, end):
            if previous is not None:  # the part ends before the line break of the delimiter
                crlf = self.raw[line_start - 2 : line_start] == b"\r\n"
                part_end = line_start - (2 if crlf else 1)
                self.entity(previous, max(previous, part_end), depth + 1)
            if closing:
                return
            newline = self.raw.find(b"\n", line_start, end)
            if newline == -1:
                return
            previous = newline + 1

    def _delimiters(self, marker: bytes, start: int, end: int) -> Iterator[tuple[int, bool]]:
        """(line start, is the closing one) of each delimiter line: ``--boundary`` at a line's
        start, then optionally ``--``, blanks and CR (RFC 2046 5.1.1). Found with bytes.find,
        which skips a 1 MB base64 body at memory speed; a regex anchored at every line start
        took milliseconds for it."""
        at = self.raw.find(marker, start, end)
        while at != -1:
            if at == 0 or self.raw[at - 1 : at] == b"\n":
                line_end = self.raw.find(b"\n", at, end)
                line_end = end if line_end == -1 else line_end
                rest = self.raw[at + len(marker) : line_end].rstrip(b"\r")
                closing = rest.startswith(b"--")
                if not rest[2 if closing else 0 :].strip(b" \t"):
                    yield at, closing
            at = self.raw.find(marker, at + len(marker), end)

    def replace(self, start: int, end: int) -> None:
        digest = _digest(self.raw, start, end)
        if digest is None:
            return
        token = b"zsupport-slim:" + self.nonce + b":" + str(len(self.tokens)).encode()
        self.tokens[token] = digest
        self.pieces += [self.raw[self.done : start], base64.b64encode(token) + b"\r\n"]
        self.done = end


def slim(raw: bytes) -> tuple[bytes, dict[bytes, Slimmed]]:
    """The message with large base64 leaf bodies replaced by tokens, and token -> Slimmed.

    A message with nothing to slim is returned as is (the same object, no copy).
    """
    if len(raw) < SLIM_ABOVE:
        return raw, {}
    slimmer = _Slimmer(raw)
    slimmer.entity(0, len(raw), 0)
    if not slimmer.tokens:
        return raw, {}
    return b"".join([*slimmer.pieces, raw[slimmer.done :]]), slimmer.tokens
