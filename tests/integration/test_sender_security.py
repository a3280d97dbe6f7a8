"""Sender identity end to end: authentication, staff commands and look-alikes on a real DB."""

from __future__ import annotations

from email import message_from_bytes
from email.policy import default

from sqlalchemy import select

from tests.helpers import SUPPORT, ManualClock, make_mail
from zsupport_mail.db.models import Charge, JourneyEvent, OutboundMessage, Ticket
from zsupport_mail.mail.replies import ReplyRenderer
from zsupport_mail.runtime.pipeline import Pipeline

MX = "mx.zsupport.example"
SECURITY = {"require_authentication": True, "trusted_authserv_ids": [MX]}
DKIM_ACME = f"{MX}; dkim=pass (2048-bit key) header.d=acmedental.example header.s=sel1"
SPF_STAFF = f"{MX}; spf=pass smtp.mailfrom=tom@zsupport.example"


def make_pipeline(make_settings, sessions, **overrides) -> Pipeline:
    settings = make_settings(**overrides)
    return Pipeline(
        settings=settings, sessions=sessions, renderer=ReplyRenderer(settings), clock=ManualClock()
    )


def ingest(pipeline, raw):
    return pipeline.ingest(raw, source="test", mailbox=SUPPORT)


def outbox(sessions) -> list[OutboundMessage]:
    with sessions.begin() as session:
        return list(session.scalars(select(OutboundMessage).order_by(OutboundMessage.id)))


def journey(sessions, inbound_id) -> dict[str, str]:
    with sessions.begin() as session:
        rows = session.scalars(select(JourneyEvent).where(JourneyEvent.inbound_id == inbound_id))
        return {f"{e.step}:{e.outcome}": e.reason for e in rows}


def the_ticket(sessions) -> Ticket:
    with sessions.begin() as session:
        return session.scalars(select(Ticket).order_by(Ticket.id)).first()


def authenticated(**kwargs) -> bytes:
    headers = {"Authentication-Results": DKIM_ACME, **kwargs.pop("headers", {})}
    return make_mail(headers=headers, **kwargs)


def test_authenticated_contact_opens_a_ticket(make_settings, sessions):
    pipeline = make_pipeline(make_settings, sessions, security=SECURITY)
    outcome = ingest(pipeline, authenticated())
    assert outcome.action == "created"
    steps = journey(sessions, outcome.inbound_id)
    assert (
        f"authenticated by {MX}: dkim=pass header.d=acmedental.example"
        in steps["sender:recognised"]
    )


def test_unauthenticated_contact_is_handled_like_an_unlisted_person(make_settings, sessions):
    pipeline = make_pipeline(make_settings, sessions, security=SECURITY)
    forged = make_mail(
        headers={
            "Authentication-Results": "mx.attacker.example; dkim=pass header.d=acmedental.example"
        }
    )
    outcome = ingest(pipeline, forged)

    assert outcome.action == "unauthorized"
    assert outcome.reason.startswith(
        "sender not authenticated: no trusted Authentication-Results with dkim/spf pass for "
        "acmedental.example (ignored a header from untrusted mx.attacker.example)"
    )
    assert journey(sessions, outcome.inbound_id)["authorisation:unauthorized"] == outcome.reason
    ticket = the_ticket(sessions)
    assert ticket.authorized is False
    assert ticket.requester_contact_id is None
    [notice] = outbox(sessions)
    body = message_from_bytes(notice.raw, policy=default).get_content()
    assert "could not verify that this message really comes from" in body
    with sessions.begin() as session:
        assert session.scalars(select(Charge.kind)).all() == ["billable_communication"]


def test_without_the_setting_the_address_decides_as_before(make_settings, sessions):
    pipeline = make_pipeline(make_settings, sessions)
    assert ingest(pipeline, make_mail()).action == "created"


def test_staff_commands_need_an_authenticated_staff_sender(make_settings, sessions):
    pipeline = make_pipeline(make_settings, sessions, security=SECURITY)
    ingest(pipeline, authenticated())
    [ack] = outbox(sessions)
    thread = {"In-Reply-To": ack.message_id, "References": ack.message_id}

    forged = make_mail(
        sender="Tom Tech <tom@zsupport.example>",
        subject="Re: [Z-Support #ZS-000001] Phones",
        body="#status closed\n#waive\n\nClosing this.\n",
        message_id="<forged-staff@x>",
        headers=thread,
    )
    outcome = ingest(pipeline, forged)
    assert outcome.action == "appended"
    steps = journey(sessions, outcome.inbound_id)
    assert steps["commands:ignored"].startswith(
        "commands from a sender without staff authority: sender not authenticated: no trusted "
        "Authentication-Results with dkim/spf pass for zsupport.example"
    )
    assert the_ticket(sessions).status == "open"
    # nothing relayed to the client; the staff member it claims to be gets a warning
    assert [(r.kind, r.to_addrs) for r in outbox(sessions)] == [
        ("acknowledgement", ["dana@acmedental.example"]),
        ("staff_warning", ["tom@zsupport.example"]),
    ]

    genuine = make_mail(
        sender="Tom Tech <tom@zsupport.example>",
        subject="Re: [Z-Support #ZS-000001] Phones",
        body="#status restored\n\nTrunk fixed.\n",
        message_id="<genuine-staff@x>",
        headers={**thread, "Authentication-Results": SPF_STAFF},
    )
    outcome = ingest(pipeline, genuine)
    assert "commands:applied" in journey(sessions, outcome.inbound_id)
    assert the_ticket(sessions).status == "restored"
    assert outbox(sessions)[-1].kind == "staff_reply"


def test_forged_staff_mail_naming_a_ticket_only_by_subject_is_an_internal_note(
    make_settings, sessions
):
    pipeline = make_pipeline(make_settings, sessions, security=SECURITY)
    ingest(pipeline, authenticated())
    outcome = ingest(
        pipeline,
        make_mail(
            sender="tom@zsupport.example",
            subject="Re: [Z-Support #ZS-000001] Phones",
            body="#status closed\n",
            message_id="<forged-2@x>",
        ),
    )
    assert outcome.action == "appended"
    assert outcome.reason.startswith(
        "kept as an internal note on ZS-000001 (subject_tag); unverified mail claiming to be "
        "from tom@zsupport.example: sender not authenticated"
    )
    assert the_ticket(sessions).status == "open"
    assert [r.kind for r in outbox(sessions)] == ["acknowledgement", "staff_warning"]


def raw_utf8(sender: str, message_id: str) -> bytes:
    return (
        f"From: {sender}\r\nTo: {SUPPORT}\r\nSubject: Phones drop calls\r\n"
        f"Message-ID: {message_id}\r\n\r\nCalls drop after 30 seconds.\r\n"
    ).encode()


def test_lookalike_of_a_contact_is_not_the_contact(make_settings, sessions):
    pipeline = make_pipeline(make_settings, sessions)
    cyrillic = ingest(pipeline, raw_utf8("Dana Smith <d\u0430na@acmedental.example>", "<la1@x>"))
    assert cyrillic.action == "unauthorized"
    assert "look-alike address matched to no one" in cyrillic.reason
    assert "U+0430 CYRILLIC SMALL LETTER A" in cyrillic.reason
    assert "it imitates dana@acmedental.example" in cyrillic.reason
    assert (
        "imitates dana@acmedental.example"
        in journey(sessions, cyrillic.inbound_id)["sender:recognised"]
    )

    fullwidth = ingest(
        pipeline, raw_utf8("Dana <dana@\uff41\uff43\uff4d\uff45dental.example>", "<la2@x>")
    )
    assert fullwidth.action == "quarantined"
    assert "FULLWIDTH LATIN SMALL LETTER A" in fullwidth.reason
    assert "belongs to no client" in fullwidth.reason
    assert fullwidth.reply is None


def test_display_name_posing_as_an_address_is_quarantined(make_settings, sessions):
    pipeline = make_pipeline(make_settings, sessions)
    outcome = ingest(
        pipeline, raw_utf8("dana@acmedental.example <evil@stranger.example>", "<amb@x>")
    )
    assert outcome.action == "quarantined"
    assert "ambiguous sender" in outcome.reason
    assert outbox(sessions) == []
