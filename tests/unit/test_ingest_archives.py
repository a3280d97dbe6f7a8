"""What `ingest` makes of each kind of path, on real files written by the stdlib."""

from __future__ import annotations

import mailbox
from pathlib import Path

from tests.helpers import make_mail
from zsupport_mail.cli.archives import describe, messages
from zsupport_mail.runtime.parse_ahead import parse_or_reason


def test_each_kind_of_path_is_recognised_with_its_count(tmp_path: Path) -> None:
    box = mailbox.mbox(tmp_path / "a.mbox")
    for number in range(3):
        box.add(mailbox.mboxMessage(make_mail(message_id=f"<m{number}@x.example>")))
    box.close()
    mailbox.Maildir(tmp_path / "md", create=True).add(mailbox.MaildirMessage(make_mail()))
    (tmp_path / "one.eml").write_bytes(make_mail())

    assert (describe(str(tmp_path / "a.mbox")).kind, describe(str(tmp_path / "a.mbox")).count) == (
        "mbox",
        3,
    )
    assert describe(str(tmp_path / "md")).kind == "maildir"
    assert describe(str(tmp_path / "one.eml")).kind == "file"
    assert describe(str(tmp_path / "missing")).kind == "unreadable"


def test_mbox_messages_come_back_without_their_from_line(tmp_path: Path) -> None:
    raw = make_mail()
    box = mailbox.mbox(tmp_path / "a.mbox")
    box.add(mailbox.mboxMessage(raw))
    box.close()

    [(label, content)] = list(messages(describe(str(tmp_path / "a.mbox"))))

    assert label == f"{tmp_path / 'a.mbox'}#1"
    assert isinstance(content, bytes)
    assert not content.startswith(b"From ")
    assert b"Message-ID: <report-1@acmedental.example>" in content


def test_a_worker_returns_the_parse_error_as_the_reason() -> None:
    answer = parse_or_reason(b"\x00\xff garbage with no headers at all")
    assert isinstance(answer, Exception)
    assert str(answer)
