"""Properties of parsing and scoring over generated mail (random headers, bytes, MIME trees).

Whatever arrives, ``parse_message`` returns a ParsedMessage or raises MessageParseError (which
the pipeline turns into a quarantine with a reason); anything else would be a failed attempt
and, at the cap, a message nobody can read. Scoring a parsed message never raises and gives a
score in [0, 1]. ``bench/fuzz.py`` runs the same property for minutes instead of seconds.
An attachment's stored name is the safe form (``safe_filename``) of the name its sender gave,
however that name was written: a quoted ``filename=``, RFC 2231 or RFC 2047.
"""

from __future__ import annotations

import base64
import urllib.parse

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import zsupport_mail.mail.message
import zsupport_mail.mail.slim
from tests.strategies import parse_and_score, raw_message
from zsupport_mail.mail.filenames import MAX_NAME, UNNAMED, safe_filename
from zsupport_mail.mail.message import MessageParseError, parse_message

FAST = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)


@FAST
@given(raw_message())
@example(b"")
@example(b"From: dana@acmedental.example\r\n\r\n")
@example(b"\x00" * 64)
def test_parse_raises_only_message_parse_error_and_scores_in_unit_interval(raw):
    parse_and_score(raw)


@FAST
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_parse_or_raise_message_parse_error(raw):
    parse_and_score(raw)


@FAST
@given(raw_message())
def test_parsed_attachment_names_are_safe(raw):
    try:
        msg = parse_message(raw)
    except MessageParseError:  # the documented refusal (a quarantine with its reason)
        return
    for attachment in msg.attachments:
        assert safe_filename(attachment.filename) == attachment.filename


HOSTILE_NAMES = (
    "../../etc/passwd", "..", ".", "C:\\Windows\\system32\\x.exe", "a/b/c.txt", "  ",
    "\x00evil.pdf", "invoice\u202egpj.exe", "x" * 300 + ".pdf", 'quo"te.txt', "semi;colon.txt",
    "line\r\nbreak.txt",
)  # fmt: skip
NAME_ENCODINGS = ("quoted", "rfc2231", "rfc2047")


def _filename_parameter(name: str, encoding: str) -> bytes:
    raw = name.encode("utf-8", "surrogatepass")
    if encoding == "rfc2231":
        return b"filename*=utf-8''" + urllib.parse.quote_from_bytes(raw, safe=b"").encode()
    if encoding == "rfc2047":
        return b'filename="=?utf-8?b?' + base64.b64encode(raw) + b'?="'
    return b'filename="' + raw.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'


@st.composite
def with_named_attachments(draw: st.DrawFn) -> tuple[bytes, list[str]]:
    """A well-formed message from a usable address with 1-4 attachments and the names their
    sender gave them: generated or hostile, written in one of NAME_ENCODINGS. A quoted string
    cannot hold a raw line break (it would end the header), so quoted names have none."""
    named = st.tuples(
        st.one_of(st.sampled_from(HOSTILE_NAMES), st.text(max_size=60)),
        st.sampled_from(NAME_ENCODINGS),
    ).filter(lambda pair: pair[1] != "quoted" or not {"\r", "\n"} & set(pair[0]))
    parts = draw(st.lists(named, min_size=1, max_size=4))
    raw = (
        b"From: Dana Smith <dana@acmedental.example>\r\nTo: support@zsupport.example\r\n"
        b'Subject: files\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="B"'
        b"\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n"
    )
    for name, encoding in parts:
        raw += (
            b"--B\r\nContent-Type: application/octet-stream\r\n"
            b"Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment; "
            + _filename_parameter(name, encoding)
            + b"\r\n\r\nAAEC\r\n"
        )
    return raw + b"--B--\r\n", [name for name, _ in parts]


@FAST
@given(with_named_attachments())
def test_an_attachment_is_stored_under_the_safe_form_of_its_given_name(mail):
    raw, given = mail
    msg = parse_message(raw)  # well formed, from a usable address: it must parse
    stored = [attachment.filename for attachment in msg.attachments]
    assert len(stored) == len(given)
    for name, kept in zip(given, stored, strict=True):
        if name.strip():
            assert kept == safe_filename(name)
        else:  # blank: mail-parser calls it nameless, and it is stored as unnamed
            assert kept.startswith(UNNAMED)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.text(max_size=400))
def test_safe_filename_is_one_visible_bounded_component(name):
    safe = safe_filename(name)
    assert safe
    assert len(safe) <= MAX_NAME
    assert "/" not in safe
    assert "\\" not in safe
    assert safe not in {".", ".."}
    assert all(ch.isprintable() or ch == " " for ch in safe), repr(safe)
    assert safe_filename(safe) == safe  # idempotent: storing twice changes nothing


@st.composite
def with_base64_parts(draw: st.DrawFn) -> bytes:
    """A generated message with a base64 attachment large enough to be slimmed."""
    raw = draw(raw_message())
    data = draw(st.binary(min_size=1, max_size=600))
    part = (
        b"--B\r\nContent-Type: application/zip\r\nContent-Transfer-Encoding: base64\r\n"
        b'Content-Disposition: attachment; filename="a.zip"\r\n\r\n'
        + base64.encodebytes(data).replace(b"\n", b"\r\n")
    )
    head = b'From: dana@acmedental.example\r\nContent-Type: multipart/mixed; boundary="B"\r\n\r\n'
    return head + part + b"--B\r\n" + raw + b"\r\n--B--\r\n"


@FAST
@given(st.one_of(raw_message(), with_base64_parts()))
def test_slimming_every_part_changes_no_parse(raw):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(zsupport_mail.mail.slim, "SLIM_ABOVE", 1)
        try:
            slimmed = parse_message(raw)
        except MessageParseError as exc:
            slimmed = exc  # type: ignore[assignment]
        patch.setattr(zsupport_mail.mail.message, "slim", lambda raw: (raw, {}))
        try:
            full = parse_message(raw)
        except MessageParseError as exc:
            full = exc  # type: ignore[assignment]
    assert repr(slimmed) == repr(full)
