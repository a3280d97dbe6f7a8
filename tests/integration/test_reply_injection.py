"""No header injection through our replies: hostile subjects and names, parsed back out.

Each hostile mail goes through the real pipeline; the queued reply's bytes are parsed with
the strict modern parser and must carry exactly our headers, each on lines RFC 5322 allows.
"""

from __future__ import annotations

import base64
from email import message_from_bytes
from email.policy import default

import pytest
from sqlalchemy import select

from tests.helpers import SUPPORT
from zsupport_mail.db.models import OutboundMessage

OUR_HEADERS = {
    "from",
    "to",
    "subject",
    "date",
    "message-id",
    "in-reply-to",
    "references",
    "auto-submitted",
    "x-zsupport-loop",
    "content-type",
    "mime-version",
    "content-transfer-encoding",
}
CRLF_B64 = base64.b64encode(b"Phones\r\n\r\nBcc: victim@evil.example\r\nX-Injected: 1").decode()


def hostile(subject: str, sender: str = "Dana <dana@acmedental.example>") -> bytes:
    return (
        f"From: {sender}\r\nTo: {SUPPORT}\r\nSubject: {subject}\r\n"
        "Message-ID: <hostile@acmedental.example>\r\n\r\nCalls drop after 30 seconds.\r\n"
    ).encode()


def the_reply(pipeline, sessions, raw: bytes):
    outcome = pipeline.ingest(raw, source="test", mailbox=SUPPORT)
    assert outcome.reply == "queued", outcome
    with sessions.begin() as session:
        [row] = session.scalars(select(OutboundMessage)).all()
        raw_reply = row.raw
    for line in raw_reply.split(b"\r\n" if b"\r\n" in raw_reply else b"\n"):
        assert len(line) <= 998, line[:80]
    headers, _, _ = (
        raw_reply.partition(b"\n\n")
        if b"\r\n" not in raw_reply
        else (raw_reply.partition(b"\r\n\r\n"))
    )
    parsed = message_from_bytes(raw_reply, policy=default)
    assert {name.lower() for name in parsed} <= OUR_HEADERS, parsed.keys()
    assert parsed.defects == []
    assert b"\nBcc" not in headers
    assert b"\nX-Injected" not in headers
    assert parsed["To"] == "dana@acmedental.example" or parsed["To"].startswith("temp@")
    return parsed


@pytest.mark.parametrize(
    "subject",
    [
        "=?utf-8?q?Phones_down=0D=0ABcc:_victim@evil.example=0D=0AX-Injected:_1?=",
        f"=?utf-8?b?{CRLF_B64}?=",
        "Phones\r\n Bcc: victim@evil.example",  # folded: a continuation, not a header
        "Phones\u2028Bcc: victim@evil.example\u0085X-Injected: 1",  # Unicode line breaks
        "Phones =?utf-8?q?=00=07=1B[31m?= down",  # NUL, BEL, ESC decoded from a word
    ],
)
def test_subject_line_breaks_never_become_headers(pipeline, sessions, subject):
    parsed = the_reply(pipeline, sessions, hostile(subject))
    assert parsed["Subject"].startswith("Re: [Z-Support #ZS-000001] Phones")
    assert "\n" not in parsed["Subject"]
    assert "\r" not in parsed["Subject"]
    assert "\x00" not in parsed["Subject"]


def test_display_name_line_breaks_stay_in_the_greeting(pipeline, sessions):
    name = "=?utf-8?q?Temp=0D=0ABcc=3A_victim=40evil.example=0D=0A=0D=0AInjected_body?="
    parsed = the_reply(pipeline, sessions, hostile("Phones", f"{name} <temp@acmedental.example>"))
    assert parsed["To"] == "temp@acmedental.example"
    body = parsed.get_content()
    assert "Hello Temp Bcc: victim@evil.example Injected body," in body


@pytest.mark.parametrize(
    "subject",
    ["x" * 5000, " ".join(["word"] * 4000), "\u00fc" * 3000],
    ids=["one-long-word", "many-words", "non-ascii"],
)
def test_very_long_subjects_are_cut_and_folded(pipeline, sessions, subject):
    parsed = the_reply(pipeline, sessions, hostile(subject))
    assert parsed["Subject"].startswith("Re: [Z-Support #ZS-000001] ")
    assert parsed["Subject"].endswith(" ...")
    assert len(parsed["Subject"]) < 260


def test_control_characters_cannot_stop_a_report(pipeline, sessions):
    # PostgreSQL refuses NUL in text: one encoded NUL used to fail the message until quarantine.
    raw = (
        b"From: Dana <dana\x00@acmedental.example>, dana@acmedental.example\r\n"
        b"To: support@zsupport.example\r\nSubject: =?utf-8?q?Phones=00_down?=\r\n"
        b"Message-ID: <nul\x00id@acmedental.example>\r\nIn-Reply-To: <x\x00y@z>\r\n"
        b"\r\nCalls drop\x00 after 30 seconds.\r\n"
    )
    outcome = pipeline.ingest(raw, source="test", mailbox=SUPPORT)
    assert (outcome.action, outcome.reply) == ("created", "queued"), outcome.reason
    with sessions.begin() as session:
        [row] = session.scalars(select(OutboundMessage)).all()
        parsed = message_from_bytes(row.raw, policy=default)
    assert parsed["Subject"] == "Re: [Z-Support #ZS-000001] Phones down"
    assert "In-Reply-To" not in parsed  # no usable Message-ID to answer
