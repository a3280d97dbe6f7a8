"""Reply building: header values stay on one line; only HTML templates are HTML-escaped."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import pytest

from zsupport_mail.mail.replies import ReplyRenderer, build_reply, one_line, reply_subject
from zsupport_mail.settings import load_settings

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "zsupport.example.toml"
TAG = "[Z-Support #ZS-000001]"


@pytest.mark.parametrize(
    "text",
    [
        "a\r\nBcc: x@evil.example",
        "a\rBcc: x@evil.example",
        "a\u2028Bcc: x@evil.example",
        "a\x85Bcc: x@evil.example",
        "a\x0bBcc: x@evil.example",
        "a\x00Bcc:\x1b x@evil.example",
    ],
)
def test_one_line_leaves_no_line_break_or_control_character(text):
    assert one_line(text) == "a Bcc: x@evil.example"


def test_reply_subject_is_cut_to_a_readable_length():
    subject = reply_subject(TAG, "Re: Fwd: " + "x" * 5000)
    assert subject.startswith(f"Re: {TAG} xxx")
    assert subject.endswith(" ...")
    assert len(subject) == len(f"Re: {TAG} ") + 200 + len(" ...")


def test_long_body_lines_are_wrapped_by_quoted_printable():
    settings = load_settings(EXAMPLE)
    now = datetime(2026, 11, 26, tzinfo=UTC)
    message = build_reply(
        settings,
        to="dana@acmedental.example",
        subject="x",
        body="y" * 5000,
        answers=(None, ()),
        now=now,
    )
    raw = message.as_bytes()
    assert max(len(line) for line in raw.splitlines()) <= 78
    assert message_from_bytes(raw, policy=default).get_content().rstrip() == "y" * 5000


def test_html_templates_are_escaped_and_text_templates_are_not(tmp_path):
    for name in ("note.txt.j2", "note.html.j2", "note.html"):
        (tmp_path / name).write_text("{{ value }}")
    settings = dataclasses.replace(load_settings(EXAMPLE), templates_dir=tmp_path)
    env = ReplyRenderer(settings)._env
    value = '<a href="x">Dana & Co</a>'
    assert env.get_template("note.txt.j2").render(value=value) == value
    escaped = "&lt;a href=&#34;x&#34;&gt;Dana &amp; Co&lt;/a&gt;"
    assert env.get_template("note.html.j2").render(value=value) == escaped
    assert env.get_template("note.html").render(value=value) == escaped
