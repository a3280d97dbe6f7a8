"""Slimming large attachments before parsing changes nothing that tickets and scoring see."""

from __future__ import annotations

import hashlib
import random
from email import policy
from email.message import EmailMessage

import pytest

import zsupport_mail.mail.message
from zsupport_mail.mail.message import ParsedMessage, parse_message
from zsupport_mail.mail.slim import SLIM_ABOVE, slim

BIG = 3 * SLIM_ABOVE
BYTES = random.Random("slim").randbytes(BIG)


def _report(*, forwarded: bool = False) -> EmailMessage:
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = "Dana Smith <dana@acmedental.example>"
    msg["To"] = "support@zsupport.example"
    msg["Subject"] = "Calls drop; recordings and logs attached"
    msg["Message-ID"] = "<slim-1@acmedental.example>"
    msg.set_content("Since Monday every external call drops after 30 seconds.\n")
    msg.add_alternative("<p>Since Monday every external call drops after 30 seconds.</p>", "html")
    msg.add_attachment(BYTES, maintype="application", subtype="zip", filename="recordings.zip")
    msg.add_attachment(BYTES[:1000], maintype="application", subtype="pdf", filename="small.pdf")
    csv = ("2026-11-25 10:42,2045,3035550199,dropped\n" * (BIG // 40)).encode()
    msg.add_attachment(csv, maintype="text", subtype="csv", filename="call log.csv")
    msg.add_attachment(BYTES, maintype="audio", subtype="wav", filename="call.wav")
    if forwarded:
        inner = EmailMessage(policy=policy.SMTP)
        inner["From"] = "pat@acmedental.example"
        inner["Subject"] = "phones"
        inner.set_content("The front desk phone drops calls too.\n")
        inner.add_attachment(BYTES, maintype="image", subtype="png", filename="screen.png")
        msg.add_attachment(inner)
    return msg


def _unslimmed(raw: bytes, monkeypatch: pytest.MonkeyPatch) -> ParsedMessage:
    with monkeypatch.context() as patch:
        patch.setattr(zsupport_mail.mail.message, "slim", lambda raw: (raw, {}))
        return parse_message(raw)


@pytest.mark.parametrize("forwarded", [False, True])
def test_slimmed_parse_equals_full_parse(forwarded, monkeypatch):
    raw = _report(forwarded=forwarded).as_bytes()
    slimmed, tokens = slim(raw)
    assert len(tokens) == 3  # the zip, the CSV (text, but an attachment) and the wav
    assert len(slimmed) < len(raw) - 3 * BIG
    parsed = parse_message(raw)
    assert parsed == _unslimmed(raw, monkeypatch)
    zipped = next(a for a in parsed.attachments if a.filename == "recordings.zip")
    assert (zipped.size, zipped.sha256) == (BIG, hashlib.sha256(BYTES).hexdigest())


@pytest.mark.parametrize(
    "damage",
    [
        lambda body: body.replace(b"A", b"*", 1),  # a character outside the alphabet
        lambda body: body[:-7] + b"=" + body[-6:],  # padding in the middle
        lambda body: body[:-3],  # not a whole number of quanta
    ],
    ids=["bad_character", "padding_in_the_middle", "partial_quantum"],
)
def test_unclean_base64_is_left_to_the_parser(damage, monkeypatch):
    raw = _report().as_bytes()
    start = raw.index(b"\r\n\r\n", raw.index(b'filename="recordings.zip"')) + 4
    end = raw.index(b"\r\n--", start)
    raw = raw[:start] + damage(raw[start:end]) + raw[end:]
    assert len(slim(raw)[1]) == 2  # the CSV and the wav
    assert parse_message(raw) == _unslimmed(raw, monkeypatch)


def test_small_messages_are_not_copied():
    raw = b"From: dana@acmedental.example\r\n\r\nhello\r\n"
    assert slim(raw) == (raw, {})
    assert slim(raw)[0] is raw
