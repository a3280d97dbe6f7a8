"""Raw-byte builders for the hostile corpus (the stdlib would repair what we mean to break)."""

from __future__ import annotations

import base64
import struct
import zlib
from collections.abc import Iterable
from functools import cache

DANA = b"Dana Smith <dana@acmedental.example>"
SUPPORT = b"support@zsupport.example"
DATE = b"Thu, 26 Nov 2026 10:00:00 -0700"
REPORT = (
    b"Since this morning every external call drops after exactly 30 seconds on all phones.\r\n"
    b"Board S/N: 620LQ\r\nAppliance serial: 6326V\r\nMX 17.0.10 patch 17161\r\n"
)
Case = tuple[str, str, bytes]


def headers(
    name: str,
    *,
    sender: bytes | None = DANA,
    subject: bytes | None = None,
    message_id: bytes | None = b"",
    extra: Iterable[bytes] = (),
) -> bytes:
    """A header block ending in the blank line; ``message_id=b""`` means a generated one."""
    lines = []
    if sender is not None:
        lines.append(b"From: " + sender)
    lines.append(b"To: " + SUPPORT)
    lines.append(b"Subject: " + (subject if subject is not None else f"Hostile {name}".encode()))
    lines.append(b"Date: " + DATE)
    if message_id == b"":
        message_id = f"<hostile-{name}@acmedental.example>".encode()
    if message_id is not None:
        lines.append(b"Message-ID: " + message_id)
    lines.extend(extra)
    return b"\r\n".join(lines) + b"\r\n\r\n"


def mail(
    name: str,
    body: bytes = REPORT,
    *,
    extra: Iterable[bytes] = (),
    sender: bytes | None = DANA,
    subject: bytes | None = None,
    message_id: bytes | None = b"",
) -> bytes:
    """A text/plain mail from ``sender`` (the primary contact) with the given body."""
    extra = list(extra)
    if not any(h.lower().startswith(b"content-type") for h in extra):
        extra += [b"MIME-Version: 1.0", b"Content-Type: text/plain; charset=utf-8"]
    head = headers(name, sender=sender, subject=subject, message_id=message_id, extra=extra)
    return head + body


def multipart(
    name: str,
    parts: list[bytes],
    *,
    boundary: bytes = b"HB",
    close: bool = True,
    subtype: bytes = b"mixed",
    extra: Iterable[bytes] = (),
    sender: bytes | None = DANA,
) -> bytes:
    """A multipart mail whose parts are given as raw (headers + blank line + body) bytes."""
    ctype = b"Content-Type: multipart/" + subtype + b'; boundary="' + boundary + b'"'
    head = headers(name, sender=sender, extra=[b"MIME-Version: 1.0", ctype, *extra])
    return head + join_parts(parts, boundary, close)


def join_parts(parts: list[bytes], boundary: bytes, close: bool = True) -> bytes:
    """A multipart body: preamble, delimited parts, and the close delimiter when ``close``."""
    delimited = [b"--" + boundary + b"\r\n" + part + b"\r\n" for part in parts]
    end = b"--" + boundary + b"--\r\n" if close else b""
    return b"".join([b"This is a multi-part message in MIME format.\r\n", *delimited, end])


def text_part(text: bytes = REPORT, charset: bytes = b"utf-8", cte: bytes = b"8bit") -> bytes:
    return (
        b"Content-Type: text/plain; charset="
        + charset
        + b"\r\nContent-Transfer-Encoding: "
        + cte
        + b"\r\n\r\n"
        + text
    )


def attachment(
    data: bytes,
    filename: bytes,
    ctype: bytes = b"application/octet-stream",
    *,
    param: bytes | None = None,
) -> bytes:
    """A base64 attachment part; ``param`` replaces the whole filename parameter when given."""
    name = param if param is not None else b'filename="' + filename + b'"'
    return (
        b"Content-Type: " + ctype + b"\r\nContent-Transfer-Encoding: base64\r\n"
        b"Content-Disposition: attachment; " + name + b"\r\n\r\n" + b64(data)
    )


def b64(data: bytes) -> bytes:
    """Base64 in 76-character lines, CRLF line ends (as mailers write it)."""
    encoded = base64.b64encode(data)
    return b"\r\n".join(encoded[i : i + 76] for i in range(0, len(encoded), 76)) + b"\r\n"


BOMB_BYTES = 2 * 2**30  # what each bomb decompresses to: 2 GiB of zeros


@cache
def _deflate_zeros() -> tuple[bytes, int]:
    """A raw deflate stream of BOMB_BYTES zeros (~2 MB) and its CRC-32, built in ~0.5 s.

    After a full flush the compressor starts from an empty window, so the 1 MiB block's output
    repeats exactly and the stream is that block 2,048 times plus the end of stream.
    """
    chunk = bytes(2**20)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    tail = compressor.flush()
    crc = 0
    for _ in range(BOMB_BYTES // len(chunk)):
        crc = zlib.crc32(chunk, crc)
    return block * (BOMB_BYTES // len(chunk)) + tail, crc


def gzip_bomb() -> bytes:
    """A valid .gz of BOMB_BYTES zeros."""
    stream, crc = _deflate_zeros()
    head = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"  # no name, mtime 0: deterministic
    return head + stream + struct.pack("<II", crc, BOMB_BYTES % 2**32)


def zip_bomb(member: bytes = b"zeros.bin") -> bytes:
    """A valid one-member .zip whose member inflates to BOMB_BYTES."""
    stream, crc = _deflate_zeros()
    fields = struct.pack("<HHHHHIII", 20, 0, 8, 0, 0x21, crc, len(stream), BOMB_BYTES)
    local = b"PK\x03\x04" + fields + struct.pack("<HH", len(member), 0) + member
    central = (
        b"PK\x01\x02"
        + struct.pack("<H", 20)
        + fields
        + struct.pack("<HHHHHII", len(member), 0, 0, 0, 0, 0, 0)
        + member
    )
    offset = len(local) + len(stream)
    end = b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, 1, 1, len(central), offset, 0)
    return local + stream + central + end
