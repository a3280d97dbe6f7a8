"""The staff desk by e-mail: staff get every client message and answer from their mail client.

Through the real pipeline on SQLite and PostgreSQL: a report reaches two staff addresses, one
answers from the copy (threading to its staff-signed Message-ID), the client gets the answer
from the support address and the other staff address sees what went to the client.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import SMTP, default

from sqlalchemy import select

from tests.helpers import SUPPORT, TERSE_REPORT, ManualClock, make_mail
from zsupport_mail.db.models import OutboundMessage, TicketMessage
from zsupport_mail.mail.replies import ReplyRenderer
from zsupport_mail.mail.tokens import is_staff_message_id
from zsupport_mail.runtime.jobs import sla_tick
from zsupport_mail.runtime.pipeline import Pipeline

SECRET = "a-test-secret-of-enough-length"
TOM, ANN = "tom@zsupport.example", "ann@zsupport.example"
STAFF = {
    "addresses": [TOM, ANN],
    "queue_addresses": [ANN, TOM],
    "domains": ["zsupport.example"],
    "timezone": "Europe/London",
}


def make_pipeline(make_settings, sessions, clock=None, sla=None, **staff: object) -> Pipeline:
    settings = make_settings(safety={"secret": SECRET}, staff={**STAFF, **staff}, sla=sla or {})
    return Pipeline(
        settings=settings,
        sessions=sessions,
        renderer=ReplyRenderer(settings),
        clock=clock or ManualClock(),
    )


def ingest(pipeline: Pipeline, raw: bytes):
    return pipeline.ingest(raw, source="test", mailbox=SUPPORT)


def sent(sessions, kind: str | None = None) -> list[OutboundMessage]:
    with sessions.begin() as session:
        rows = list(session.scalars(select(OutboundMessage).order_by(OutboundMessage.id)))
    return [r for r in rows if kind is None or r.kind == kind]


def parse(row: OutboundMessage) -> EmailMessage:
    message = message_from_bytes(row.raw, policy=default)
    assert isinstance(message, EmailMessage)
    return message


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


def with_attachment(raw: bytes, name: str, data: bytes) -> bytes:
    message = message_from_bytes(raw, policy=default)
    assert isinstance(message, EmailMessage)
    message.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    return message.as_bytes(policy=SMTP)


def staff_answer(
    copy: EmailMessage, sender: str, body: str, *, reply_all: bool = False, **attach: bytes
) -> bytes:
    """What a mail client sends for "reply" (or "reply all") on the copy."""
    reply = EmailMessage()
    reply["From"] = f"Tom Tech <{sender}>"
    reply["To"] = copy["Reply-To"]
    others = [a.strip() for a in str(copy["To"]).split(",") if a.strip() != sender]
    if others and reply_all:
        reply["Cc"] = ", ".join(others)
    reply["Subject"] = "Re: " + str(copy["Subject"])
    reply["Message-ID"] = f"<answer-{len(body)}@zsupport.example>"
    reply["In-Reply-To"] = str(copy["Message-ID"]).strip()
    reply["References"] = str(copy["Message-ID"]).strip()
    reply.set_content(body + "\n\n> quoted copy\n")
    for name, data in attach.items():
        reply.add_attachment(data, maintype="application", subtype="pdf", filename=name)
    return reply.as_bytes(policy=SMTP)


def test_report_reaches_both_staff_and_the_answer_goes_round(make_settings, sessions):
    pipeline = make_pipeline(make_settings, sessions)
    ingest(pipeline, with_attachment(make_mail(), "trace.pcap", b"\x00pcap" * 10))

    [copy_row] = sent(sessions, "staff_copy")
    assert sorted(copy_row.to_addrs) == [ANN, TOM]
    copy = parse(copy_row)
    assert copy["From"].addresses[0].display_name == "Dana Smith (Acme Dental) via Z-Support"
    assert copy["From"].addresses[0].addr_spec == SUPPORT
    assert copy["Reply-To"] == SUPPORT
    assert copy["Subject"] == "[ZS-000001] Phones drop calls after 30 seconds"
    assert is_staff_message_id(str(copy["Message-ID"]).strip(), SECRET)
    assert b"dana@acmedental.example" not in b"".join(f"{k}: {v}".encode() for k, v in copy.items())
    body = text_of(copy)
    assert "Contact:      Dana Smith <dana@acmedental.example>, primary (authorised)" in body
    assert "(Europe/London)" in body
    assert "Internet drops every call" in body or "30 seconds" in body
    [attached] = list(copy.iter_attachments())
    assert attached.get_filename() == "trace.pcap"
    assert attached.get_content() == b"\x00pcap" * 10

    outcome = ingest(
        pipeline,
        staff_answer(
            copy, TOM, "#assign tom\n\nWe fixed the trunk; try now.", **{"fix.pdf": b"%PDF"}
        ),
    )
    assert (outcome.action, outcome.reply) == ("appended", "queued")
    [answer] = sent(sessions, "staff_reply")
    assert answer.to_addrs == ["dana@acmedental.example"]
    to_client = parse(answer)
    assert to_client["From"] == SUPPORT
    assert TOM.encode() not in answer.raw
    assert "We fixed the trunk" in text_of(to_client)
    assert [a.get_filename() for a in to_client.iter_attachments()] == ["fix.pdf"]

    [seen] = sent(sessions, "staff_answer_copy")
    assert seen.to_addrs == [ANN]
    seen_mail = parse(seen)
    assert str(seen_mail["In-Reply-To"]).strip() == str(copy["Message-ID"]).strip()
    assert "We fixed the trunk" in text_of(seen_mail)
    assert "dana@acmedental.example" in text_of(seen_mail)


def test_reply_all_is_not_copied_twice_to_those_it_reached(make_settings, sessions):
    pipeline = make_pipeline(make_settings, sessions)
    ingest(pipeline, make_mail())
    copy = parse(sent(sessions, "staff_copy")[0])
    ingest(pipeline, staff_answer(copy, TOM, "On it.", reply_all=True))
    assert [r.to_addrs for r in sent(sessions, "staff_reply")] == [["dana@acmedental.example"]]
    assert sent(sessions, "staff_answer_copy") == []  # Ann was copied by Tom himself


def test_note_reaches_the_other_staff_only(make_settings, sessions):
    pipeline = make_pipeline(make_settings, sessions)
    ingest(pipeline, make_mail())
    copy = parse(sent(sessions, "staff_copy")[0])
    ingest(pipeline, staff_answer(copy, TOM, "#note\nTheir firewall drops RTP."))

    assert sent(sessions, "staff_reply") == []
    [note] = sent(sessions, "staff_answer_copy")
    assert note.to_addrs == [ANN]
    assert "Their firewall drops RTP." in text_of(parse(note))
    assert "dana@acmedental.example" not in note.to_addrs


def test_every_client_message_is_copied_to_assignee_and_queue(make_settings, sessions):
    pipeline = make_pipeline(make_settings, sessions, queue_addresses=["queue@zsupport.example"])
    ingest(pipeline, make_mail(body=TERSE_REPORT))
    [first] = sent(sessions, "staff_copy")
    assert first.to_addrs == ["queue@zsupport.example"]
    assert (
        "Intake:       awaiting information; missing: Board serial number; Appliance serial "
        "number; Software version; Call example(s); client's internal ticket number"
    ) in text_of(parse(first))
    ingest(pipeline, staff_answer(parse(first), TOM, "#assign tom\n#note\nmine"))
    ingest(
        pipeline,
        make_mail(
            subject="Re: [Z-Support #ZS-000001] Phones",
            body="The system is MX 6.1 and the serial number is 00:13:31:0A:BC:DE.",
            message_id="<fill-1@acmedental.example>",
        ),
    )
    second = sent(sessions, "staff_copy")[-1]
    assert second.to_addrs == [TOM, "queue@zsupport.example"]
    assert parse(second)["In-Reply-To"] is not None
    ingest(
        pipeline,
        make_mail(
            sender="Stranger <pat@acmedental.example>",
            subject="Phones dead",
            message_id="<stranger@acmedental.example>",
        ),
    )
    stranger = text_of(parse(sent(sessions, "staff_copy")[-1]))
    assert "not authorised" in stranger
    with sessions.begin() as session:
        internal = session.scalars(
            select(TicketMessage).where(TicketMessage.internal.is_(True))
        ).all()
    assert all("-----" not in m.body_text for m in internal)


def test_large_attachments_are_listed_not_carried(make_settings, sessions):
    pipeline = make_pipeline(make_settings, sessions, copy_attachment_max_bytes=100)
    ingest(pipeline, with_attachment(make_mail(), "big.bin", b"x" * 500))
    copy = parse(sent(sessions, "staff_copy")[0])
    assert list(copy.iter_attachments()) == []
    assert "big.bin (500 bytes)" in text_of(copy)


TUE_10AM_DENVER = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)
PAGER = "pager@sms.example"


def tick(pipeline: Pipeline, sessions, clock: ManualClock) -> list[str]:
    alerts = sla_tick(sessions, pipeline.settings, pipeline.renderer, clock.now)
    return [a.key for a in alerts]


def test_alerts_have_their_prefix_staff_times_and_one_mail_per_tick(make_settings, sessions):
    clock = ManualClock(TUE_10AM_DENVER)
    pipeline = make_pipeline(make_settings, sessions, clock, pager_addresses=[PAGER])
    ingest(pipeline, make_mail())
    clock.advance(minutes=91)  # 75% of the 2 business-hour response target
    assert tick(pipeline, sessions, clock) == ["response:75"]
    [warning] = sent(sessions, "sla_warning")
    assert warning.to_addrs == [ANN, TOM]  # not critical, not breached: no pager
    mail = parse(warning)
    assert mail["Subject"] == "[SLA warning] [ZS-000001] Phones drop calls after 30 seconds"
    assert is_staff_message_id(str(mail["Message-ID"]).strip(), SECRET)
    assert (
        str(mail["In-Reply-To"]).strip()
        == str(parse(sent(sessions, "staff_copy")[0])["Message-ID"]).strip()
    )
    # Due Tue 12:00 in Denver = 19:00 UTC = 19:00 GMT in London, the staff's zone
    assert "75% of the response target on ZS-000001 is used up;" in text_of(mail)
    assert "due Tue 24 Nov 2026 19:00 GMT (Europe/London)" in text_of(mail)

    clock.advance(hours=1)  # past 90% and the breach in one tick
    assert tick(pipeline, sessions, clock) == ["response:90", "response:breach"]
    breach_row = sent(sessions, "sla_warning")[-1]
    assert len(sent(sessions, "sla_warning")) == 2
    assert breach_row.to_addrs == [ANN, TOM]
    [paged] = sent(sessions, "staff_page")  # the breach, as one line for an SMS gateway
    assert paged.to_addrs == [PAGER]
    assert paged.subject == "[SLA BREACH] [ZS-000001] Phones drop calls after 30 seconds"
    assert text_of(parse(paged)).strip() == (
        "ZS-000001 (Acme Dental): response BREACHED, was due "
        "Tue 24 Nov 2026 19:00 GMT (Europe/London)"
    )
    breach = parse(breach_row)
    assert breach["Subject"] == "[SLA BREACH] [ZS-000001] Phones drop calls after 30 seconds"
    body = text_of(breach)
    assert "SLA warning" not in body  # the breach says it all for the response target
    assert "SLA BREACH: the response target on ZS-000001 was due Tue 24 Nov 2026 19:00 GMT" in body
    assert "guarantee" not in body


def test_answering_an_alert_answers_the_client(make_settings, sessions):
    clock = ManualClock(TUE_10AM_DENVER)
    pipeline = make_pipeline(make_settings, sessions, clock)
    ingest(pipeline, make_mail())
    clock.advance(minutes=91)
    tick(pipeline, sessions, clock)
    alert = parse(sent(sessions, "sla_warning")[0])
    ingest(pipeline, staff_answer(alert, TOM, "Sorry for the wait: we are on it."))
    [answer] = sent(sessions, "staff_reply")
    assert answer.to_addrs == ["dana@acmedental.example"]


def test_critical_report_pages(make_settings, sessions):
    sla = {"critical_keywords": ["system down"]}
    pipeline = make_pipeline(make_settings, sessions, sla=sla, pager_addresses=[PAGER])
    ingest(pipeline, make_mail(subject="System down: no calls at all"))
    [copy] = sent(sessions, "staff_copy")
    assert copy.to_addrs == [ANN, TOM]
    assert "Critical:     yes" in text_of(parse(copy))
    [paged] = sent(sessions, "staff_page")
    assert paged.to_addrs == [PAGER]
    assert paged.subject.startswith("[CRITICAL] [ZS-000001] System down")
    line = text_of(parse(paged))
    assert line.startswith("Dana Smith (Acme Dental): ")
    assert len(line.strip()) <= 300
    assert "\n" not in line.strip()
    assert list(parse(paged).iter_attachments()) == []
