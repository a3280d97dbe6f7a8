"""Real mail nobody here wrote: every bounce recognised and none answered, talon's replies
from a dozen mail clients split like talon's own labels, each of enmime's malformed messages
on a ticket or in quarantine as listed."""

from __future__ import annotations

import copy
import os

import pytest
from sqlalchemy import func, select

from tests.corpora import enmime_testdata, pypi_sdist
from tests.helpers import BASE_CONFIG
from zsupport_mail.db.models import InboundMessage, OutboundMessage, Ticket
from zsupport_mail.db.repos import sync_directory
from zsupport_mail.db.session import make_engine, make_session_factory
from zsupport_mail.mail.message import MessageParseError, parse_message
from zsupport_mail.mail.replies import ReplyRenderer
from zsupport_mail.queues.inbox import identity
from zsupport_mail.runtime.pipeline import Pipeline
from zsupport_mail.scoring.text import split_reply
from zsupport_mail.settings.clock import utc_now

NOT_A_BOUNCE = {"groupwise_03.txt"}  # a human reply; flufl.bounce's own tests say so too


@pytest.fixture(scope="session")
def bounces():
    folder = pypi_sdist("flufl_bounce-6.0.0") / "tests" / "data"
    files = sorted(folder.glob("*.txt"))
    assert len(files) == 117
    return files


@pytest.fixture(scope="session")
def talon_replies():
    folder = pypi_sdist("talon-1.4.4") / "tests" / "fixtures" / "standard_replies"
    assert len(list(folder.glob("*.eml"))) == 12  # an empty folder would pass vacuously
    return folder


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


# enmime's senders become the contacts of one client, so that their mail goes all the way to a
# ticket instead of stopping at "domain ... belongs to no client" before its MIME is looked at.
# admin.kth.se is the client's domain without a listed contact: an unauthorized ticket.
ENMIME_SENDERS = {
    "admin.kth.se": (),
    "demo.com": ("example@demo.com",),
    "easyhotel.com": ("bookings@easyhotel.com",),
    "extern": ("bob@extern",),
    "gmail.com": ("valere.jeantet@gmail.com",),
    "here.com": ("me@here.com",),
    "hillyerd.com": ("james@hillyerd.com",),
    "intern.com": ("alice@intern.com",),
    "jamehi03lx.noa.com": ("jamehi03@jamehi03lx.noa.com",),
    "makita.skynet": ("james@makita.skynet",),
    "open.ch": ("pem@open.ch",),
    "papertrailapp.com": ("support@papertrailapp.com",),
    "some.domain": ("pavel.bazika@some.domain",),
    "stuff.com": ("cgarrett@stuff.com",),
    "test.com": ("alice@test.com",),
}
NO_FROM = ("quarantined", "no usable From address")
NO_HEADERS = ("quarantined", "no headers")
TICKET = ("created", "other from an authorised contact")  # mail, not a phone-system report
# A mail that is an attachment and no words: a report we are not sure of, whose ticket asks
# (intake/kind.py; never charged).
ASKED = ("created", "problem report from an authorised contact")


def _ambiguous(mailboxes: str) -> tuple[str, str]:
    return (
        "quarantined",
        f"ambiguous sender: From names 2 mailboxes ({mailboxes}); "
        "a display name is never taken as the address",
    )


# Every file of the corpus and where it ends, each checked by reading the file: NO_FROM ones
# have no From header at all (bad-header-start.raw's starts with a space, so it continues
# nothing and is no header), NO_HEADERS ones start with their body.
ENMIME_OUTCOMES: dict[str, tuple[str, str]] = {
    # attach/: a text file named .png ("Not really a PNG"), not mail at all
    "attach/fake.png": NO_HEADERS,
    # encode/: enmime's encoder output, single MIME parts without a From (one is a whole mail)
    "encode/build-qp-addr-headers.golden": (
        "unauthorized",
        "ojarnef@admin.kth.se is not a listed contact of Enmime",
    ),
    "encode/nocontent-with-children.golden": NO_FROM,
    "encode/part-bin-content.golden": NO_FROM,
    "encode/part-bin-header.golden": NO_FROM,
    "encode/part-content-only-qp.golden": NO_FROM,
    "encode/part-content-only.golden": NO_HEADERS,
    "encode/part-default-headers.golden": NO_FROM,
    "encode/part-file-mod-date.golden": NO_FROM,
    "encode/part-header-only-default-encoding.golden": NO_FROM,
    "encode/part-header-only.golden": NO_FROM,
    "encode/part-plain.golden": NO_FROM,
    "encode/part-quotable-content.golden": NO_FROM,
    "encode/part-quoted-content.golden": NO_FROM,
    "encode/part-quoted-headers.golden": NO_FROM,
    "encode/part-quoted-printable-headers.golden": NO_FROM,
    "encode/part-with-children.golden": NO_FROM,
    # low-quality/: real mail with broken headers, boundaries, charsets and encodings
    "low-quality/bad-final-boundary.raw": TICKET,
    "low-quality/bad-header-start.raw": NO_FROM,
    "low-quality/bad-header-wrap.raw": TICKET,
    "low-quality/empty-header.raw": TICKET,
    "low-quality/html-only-inline.raw": TICKET,
    "low-quality/incorrect-charset.raw": TICKET,
    "low-quality/malformed-base64-attach.raw": TICKET,
    "low-quality/missing-content-type.raw": TICKET,
    "low-quality/missing-content-type2.raw": TICKET,
    "low-quality/unk-charset-html-only.raw": TICKET,
    "low-quality/unk-charset-part.raw": TICKET,
    "low-quality/unk-encoding-part.raw": TICKET,
    # mail/: whole messages, malformed MIME and headers
    "mail/attachment-application.raw": TICKET,
    "mail/attachment-octet.raw": TICKET,
    "mail/attachment-only-inline-quoted-printable.raw": TICKET,
    "mail/attachment-only-inline.raw": ASKED,
    "mail/attachment-only-no-disposition.raw": ASKED,
    "mail/attachment-only-text-attachment.raw": ASKED,
    "mail/attachment-only.raw": ASKED,
    "mail/attachment.raw": TICKET,
    "mail/ctype-bug.raw": TICKET,
    "mail/epilogue-sample.raw": TICKET,
    "mail/erroneous.raw": NO_HEADERS,
    "mail/header-only.raw": TICKET,
    "mail/html-mime-bad-charset-inline.raw": TICKET,
    "mail/html-mime-bad-unknown-charset-inline.raw": TICKET,
    "mail/html-mime-inline.raw": TICKET,
    "mail/html-only-inline.raw": TICKET,
    "mail/inlinemultipart.raw": TICKET,
    "mail/malformed-multiple-address-header-values.raw": _ambiguous("bob@extern, bobby@extern"),
    "mail/mime-alternative.raw": TICKET,
    "mail/mime-bad-8bit-filename.raw": TICKET,
    "mail/mime-bad-content-transfer-encoding.raw": TICKET,
    "mail/mime-bad-content-type.raw": TICKET,
    "mail/mime-blank-media-name.raw": TICKET,
    "mail/mime-duplicate-param.raw": TICKET,
    "mail/mime-mixed-related.raw": TICKET,
    "mail/mime-mixed.raw": TICKET,
    "mail/mime-signed.raw": TICKET,
    "mail/mime-unquoted-tspecials-param.raw": TICKET,
    "mail/non-mime-html-charset-header-only.raw": TICKET,
    "mail/non-mime-html.raw": TICKET,
    "mail/non-mime-missing-charset.raw": TICKET,
    "mail/non-mime.raw": TICKET,
    "mail/other-multi-related.raw": TICKET,
    "mail/other-parts.raw": TICKET,
    "mail/qp-ascii-header.raw": TICKET,
    "mail/qp-utf8-header-no-break.raw": _ambiguous(
        "jamehi03@jamehi03lx.noa.com, pirard@vm1.ulg.ac.be"
    ),
    "mail/qp-utf8-header-recursed.raw": _ambiguous(
        "jamehi03@jamehi03lx.noa.com, pirard@vm1.ulg.ac.be"
    ),
    "mail/qp-utf8-header.raw": _ambiguous("jamehi03@jamehi03lx.noa.com, pirard@vm1.ulg.ac.be"),
    "mail/quoted-printable-mime.raw": TICKET,
    "mail/quoted-printable.raw": TICKET,
    "mail/unknown-part-type.raw": TICKET,
    # parts/: MIME bodies with no header block of a mail (no From)
    "parts/badboundary.raw": NO_FROM,
    "parts/barren-content-type.raw": NO_FROM,
    "parts/bin-attach.raw": NO_FROM,
    "parts/chardet-fail-non-txt.raw": NO_FROM,
    "parts/chardet-fail-not-long-enough.raw": NO_FROM,
    "parts/chardet-fail.raw": NO_FROM,
    "parts/chardet-success-big-5.raw": NO_FROM,
    "parts/chardet-success-iso-8859-1.raw": NO_FROM,
    "parts/empty-ctype-bad-content.raw": NO_FROM,
    "parts/empty-header.raw": NO_FROM,
    "parts/header-only.raw": NO_FROM,
    "parts/malformed-content-type-params.raw": NO_FROM,
    "parts/missing-closing-param-quote.raw": NO_FROM,
    "parts/missing-ctype-root.raw": NO_FROM,
    "parts/missing-ctype.raw": NO_FROM,
    "parts/multialtern.raw": NO_FROM,
    "parts/multibase64.raw": NO_FROM,
    "parts/multimixed-no-closing-boundary.raw": NO_FROM,
    "parts/multimixed.raw": NO_FROM,
    "parts/multiother.raw": NO_FROM,
    "parts/nestedmulti.raw": NO_FROM,
    "parts/quoted-printable-invalid.raw": NO_FROM,
    "parts/quoted-printable.raw": NO_FROM,
    "parts/similar-boundary.raw": NO_FROM,
    "parts/textplain.raw": NO_FROM,
    "parts/unquoted-ctype-param-special.raw": NO_FROM,
}


@pytest.fixture
def enmime_pipeline(make_settings, db_url):
    client = {
        "name": "Enmime",
        "domains": sorted(ENMIME_SENDERS),
        "timezone": "UTC",
        "holidays": "US",
        "monthly_fee": 100,
        "contacts": [
            {"name": address, "email": address, "role": "backup"}
            for addresses in ENMIME_SENDERS.values()
            for address in addresses
        ],
    }
    settings = make_settings(clients=[*copy.deepcopy(BASE_CONFIG["clients"]), client])
    engine = make_engine(db_url)
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        sync_directory(session, settings)
    yield Pipeline(
        settings=settings,
        sessions=sessions,
        renderer=ReplyRenderer(settings),
        clock=utc_now,
        worker="test",
    )
    engine.dispose()


def _own_message_id(raw: bytes, seen: set[str], number: int) -> bytes:
    """raw, with its Message-ID changed in place if an earlier file of the corpus has it.

    enmime reuses a few Message-IDs across its files; as sent, 31 files would end as
    duplicates of the first and never be parsed. Only the ID's text changes, so every header
    keeps its place (bad-header-start.raw must still start with a space).
    """
    key, _, message_id = identity(raw)
    if key in seen and message_id is not None:
        local, _, domain = message_id.partition("@")
        raw = raw.replace(message_id.encode(), f"{local}.{number}@{domain}".encode(), 1)
        key = identity(raw)[0]
        assert key not in seen
    seen.add(key)
    return raw


def test_enmime_malformed_messages_end_on_a_ticket_or_in_quarantine_as_listed(enmime_pipeline):
    folder = enmime_testdata()
    files = sorted(p for p in folder.rglob("*") if p.is_file() and os.path.getsize(p) > 0)
    names = [path.relative_to(folder).as_posix() for path in files]
    assert names == sorted(ENMIME_OUTCOMES)  # a file added or gone upstream shows here
    seen: set[str] = set()
    outcomes = {}
    for number, (name, path) in enumerate(zip(names, files, strict=True)):
        raw = _own_message_id(path.read_bytes(), seen, number)
        outcome = enmime_pipeline.ingest(raw, source="test", mailbox="support@zsupport.example")
        outcomes[name] = (outcome.action, outcome.reason)
        assert (outcome.ticket is not None) == (outcome.action in {"created", "unauthorized"})
    assert outcomes == ENMIME_OUTCOMES
    with enmime_pipeline.sessions.begin() as session:
        statuses = session.execute(
            select(InboundMessage.status, func.count()).group_by(InboundMessage.status)
        ).all()
        tickets = session.scalar(select(func.count()).select_from(Ticket))
    quarantined = sum(action == "quarantined" for action, _ in ENMIME_OUTCOMES.values())
    assert dict(statuses) == {"done": len(files) - quarantined, "quarantined": quarantined}
    assert tickets == len(files) - quarantined


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
