"""Real mail nobody here wrote: every bounce recognised and none answered, talon's replies
from a dozen mail clients split like talon's own labels, enmime's malformed MIME handled."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import func, select

from tests.corpora import enmime_testdata, pypi_sdist
from zsupport_mail.db.models import OutboundMessage
from zsupport_mail.mail.message import MessageParseError, parse_message
from zsupport_mail.scoring.text import split_reply

NOT_A_BOUNCE = {"groupwise_03.txt"}  # a human reply; flufl.bounce's own tests say so too


@pytest.fixture(scope="session")
def bounces():
    folder = pypi_sdist("flufl_bounce-6.0.0") / "tests" / "data"
    files = sorted(folder.glob("*.txt"))
    assert len(files) == 117
    return files


@pytest.fixture(scope="session")
def talon_replies():
    return pypi_sdist("talon-1.4.4") / "tests" / "fixtures" / "standard_replies"


def test_every_bounce_is_recognised(bounces):
    unrecognised = []
    for path in bounces:
        try:
            msg = parse_message(path.read_bytes())
        except MessageParseError:
            continue  # no usable From: quarantined, never answered (next test)
        automatic = (
            msg.delivery_report is not None
            or "auto" in msg.subject.lower()
            or ("moderator" in msg.subject.lower())
        )
        if not automatic and path.name not in NOT_A_BOUNCE:
            unrecognised.append(path.name)
    assert unrecognised == []


def test_no_bounce_is_answered(bounces, pipeline, sessions):
    actions = set()
    for path in bounces:
        outcome = pipeline.ingest(
            path.read_bytes(), source="test", mailbox="support@zsupport.example"
        )
        assert outcome.reply is None, path.name
        actions.add(outcome.action)
    with sessions.begin() as session:
        assert session.scalar(select(func.count()).select_from(OutboundMessage)) == 0
    assert actions <= {"ignored", "quarantined", "appended"}


def test_bounce_of_our_reply_lands_on_its_ticket(pipeline, sessions):
    from tests.helpers import make_mail

    pipeline.ingest(make_mail(), source="test", mailbox="support@zsupport.example")
    with sessions.begin() as session:
        ack = session.scalars(select(OutboundMessage)).one()
    dsn = (
        "From: Mail Delivery System <MAILER-DAEMON@mx.acmedental.example>\r\n"
        "To: support@zsupport.example\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <dsn-1@mx.acmedental.example>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\n<dana@acmedental.example>: mailbox full\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\n"
        "Final-Recipient: rfc822; dana@acmedental.example\r\nAction: failed\r\n"
        "Status: 5.2.2\r\n\r\n--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"Message-ID: {ack.message_id}\r\nSubject: {ack.subject}\r\n\r\n--B--\r\n"
    ).encode()
    outcome = pipeline.ingest(dsn, source="test", mailbox="support@zsupport.example")
    assert (outcome.action, outcome.ticket, outcome.reply) == ("appended", "ZS-000001", None)


def test_talon_standard_replies_split_like_talons_labels(talon_replies):
    mismatches = []
    for path in sorted(talon_replies.glob("*.eml")):
        own, signature = split_reply(parse_message(path.read_bytes()).text)
        expected_file = path.with_name(path.stem + "_reply_text")
        expected = expected_file.read_text() if expected_file.exists() else "Hello"
        if " ".join(f"{own}\n{signature}".split()) != " ".join(expected.split()):
            mismatches.append(path.name)
    assert mismatches == []


def test_enmime_malformed_messages_end_as_entries_or_quarantine(pipeline):
    folder = enmime_testdata()
    files = sorted(p for p in folder.rglob("*") if p.is_file() and os.path.getsize(p) > 0)
    assert len(files) > 70
    for path in files:
        outcome = pipeline.ingest(
            path.read_bytes(), source="test", mailbox="support@zsupport.example"
        )
        assert outcome.action in {
            "created",
            "appended",
            "unauthorized",
            "quarantined",
            "ignored",
            "duplicate",
        }, (path.name, outcome)
        assert outcome.reason


def test_repeated_permanent_bounces_mark_the_contact_failing(pipeline, sessions):
    from tests.helpers import make_mail
    from zsupport_mail.db.models import Contact

    for number in range(3):
        pipeline.ingest(
            make_mail(message_id=f"<r-{number}@acmedental.example>", subject=f"Issue {number}"),
            source="test",
            mailbox="support@zsupport.example",
        )
    with sessions.begin() as session:
        acks = [r.message_id for r in session.scalars(select(OutboundMessage))]
    for number, ack in enumerate(acks):
        dsn = (
            "From: MAILER-DAEMON@mx.acmedental.example\r\nTo: support@zsupport.example\r\n"
            f"Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn-{number}@mx>\r\n"
            "MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status;"
            ' boundary="B"\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nfailed\r\n'
            "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\n"
            "Final-Recipient: rfc822; dana@acmedental.example\r\nAction: failed\r\n"
            "Status: 5.1.1\r\n\r\n--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
            f"Message-ID: {ack}\r\n\r\n--B--\r\n"
        ).encode()
        outcome = pipeline.ingest(dsn, source="test", mailbox="support@zsupport.example")
        assert outcome.reply is None
    with sessions.begin() as session:
        dana = session.scalars(
            select(Contact).where(Contact.email == "dana@acmedental.example")
        ).one()
        assert dana.bounces == 3
        assert dana.failing_since is not None
