"""Automatic mail that relays a person's fault, a person's words that look automatic, and a unit
received under an RMA that is faulty (intake/relayed.py, intake/unit_received.py; pure)."""

from __future__ import annotations

import pytest

from tests.helpers import make_mail
from zsupport_mail.intake.kind import KindReading, read_kind
from zsupport_mail.intake.relayed import foreign_ticket
from zsupport_mail.intake.rules import _AUTOREPLY_SUBJECT
from zsupport_mail.mail.message import parse_message

HELPDESK = "Acme IT Helpdesk <helpdesk@acmedental.example>"
GENERATED = {"Auto-Submitted": "auto-generated"}


def read(subject: str, body: str, sender: str = HELPDESK, **headers: str) -> KindReading:
    raw = make_mail(sender=sender, subject=subject, body=body, headers=headers)
    return read_kind(parse_message(raw))


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        (
            "[Ticket #4471] New ticket: reception phone",
            "A new ticket has been created by Maria Lopez.\n\nDescription: The reception phone"
            " drops every call after about 30 seconds.\nPriority: normal\n\n"
            "This is an automated message. Please do not reply to this message.",
        ),
        (
            "[Acme IT] INC0045512 assigned to Telephony: phone in Op 3 reboots",
            "Ticket INC0045512 has been assigned to group Telephony.\n\nCaller: Dr. R. Patel\n"
            "Location: Operatory 3\nDescription: Phone in Op 3 restarts by itself every 5-10"
            " minutes, drops the call each time.",
        ),
        (
            "[RT #88412] Phones in billing",
            "Transaction: Ticket created by kim@acmedental.example\nQueue: Telephony\n"
            "Requestors: kim@acmedental.example\n\nThe three phones in billing have had no dial"
            " tone since 9:15.",
        ),
        (
            "[Zammad] Neues Ticket (#20031) Telefon Empfang",
            "Neues Ticket von Petra Schmidt\n\nBeschreibung: Das Telefon am Empfang klingelt"
            " nicht mehr.\n\nBitte antworten Sie nicht auf diese E-Mail.",
        ),
        (
            "New ticket #88 - voicemail",
            "Reported by: Tom Baker\nDescription: Voicemail light stays on but there are no"
            " messages, and callers say the mailbox is full.\n\nDo not reply to this e-mail.",
        ),
    ],
)
def test_helpdesk_notification_relaying_a_fault_is_an_unsure_report_never_automatic(subject, body):
    reading = read(subject, body, **GENERATED)

    assert (reading.kind, reading.sure, reading.relayed) == ("problem_report", False, True)
    assert not reading.automatic  # a report, not an auto-reply (the pipeline still never answers)
    assert not reading.chargeable


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        (
            "[Acme IT] Request received: INC0012461",
            "This is an automated message from the Acme Dental IT Helpdesk.\n\nYour request has"
            " been received and assigned incident number INC0012461.\nQueue: Telephony\n\n"
            "Please do not reply to this message.",
        ),
        ("Automatic reply: phones down", "I am out of the office until Monday. Urgent: call Lee."),
        (
            "[Acme IT #88213] Request received",
            "This is an automated acknowledgement. Your request about 'phone outage / no dial"
            " tone' has been logged as incident #88213.\nPriority: P2",
        ),
    ],
)
def test_auto_replies_and_acknowledgements_stay_automatic(subject, body):
    reading = read(subject, body, **GENERATED)

    assert (reading.kind, reading.automatic, reading.relayed) == ("other", True, False)


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        (
            "Out of office tomorrow, fax problem",
            "Hi, I'm out of the office tomorrow, so please call Lee if you need anything. The"
            " fax has been failing since this morning.",
        ),
        (
            "PBX alarm",
            "This is an automated message from our PBX, forwarded by me: 'Trunk 1 down'. Since"
            " 7am no calls in or out.",
        ),
    ],
)
def test_a_persons_wording_that_sounds_automatic_is_a_persons(subject, body):
    reading = read(subject, body, sender="Dana Smith <dana@acmedental.example>")

    assert (reading.kind, reading.automatic) == ("problem_report", False)


def test_a_persons_out_of_office_subject_is_no_auto_reply_subject_but_the_auto_reply_is():
    assert _AUTOREPLY_SUBJECT.search("Out of office tomorrow, phones in billing dead") is None
    assert _AUTOREPLY_SUBJECT.search("Vacation coverage for the phones") is None
    for auto in ("Out of Office: Dana", "Automatische Antwort: x", "Abwesenheitsnotiz: x"):
        assert _AUTOREPLY_SUBJECT.search(auto) is not None


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        ("RMA 30122", "The replacement you sent also drops calls, same as the old one."),
        ("RMA 30122 tracking", "The unit we got back does the same. Return: 1Z999AA10123456784."),
        (
            "RMA 30122",
            "We received the replacement (UPS 1Z999AA10123456784) but it won't power on.",
        ),
        (
            "RMA 30122",
            "The swap did not fix it. Op 3 still reboots with the new handset you shipped.",
        ),
        ("RMA 30122", "Please send a return label: the replacement is doing what the old one did."),
        (
            "RMA 30122 shipment",
            "Shipping the old unit back today, UPS 1Z999AA10123456784. Meanwhile the second"
            " gateway started dropping calls too, do we need another RMA?",
        ),
    ],
)
def test_a_faulty_unit_received_is_a_report_not_shipment_details(subject, body):
    reading = read(subject, body, sender="Lee Jones <lee@acmedental.example>")

    assert reading.kind == "problem_report"


@pytest.mark.parametrize(
    "body",
    [
        "The replacement shipped today via UPS 1Z999AA10123456784; the old unit that kept"
        " rebooting goes back Friday.",
        "New power supply arrived, the MX is up again. Returning the bad PSU via DHL"
        " 00340434161234567890.",
        "Replacement installed this morning, all phones registered, no more crackle on the line."
        " The old one goes back with UPS 1Z999AA10123456784.",
    ],
)
def test_shipment_details_of_a_working_replacement_stay_shipment_details(body):
    reading = read("RMA 30122", body, sender="Lee Jones <lee@acmedental.example>")

    assert reading.kind == "rma_shipment"


@pytest.mark.parametrize(
    "body",
    [
        "FYI the paging is dead again.",
        "Just so you know, the front desk phone keeps showing 'No service' since lunch.",
        "Status update: the ACD queue still doesn't play the greeting, callers hear silence.",
        "Still happening. Same as last week.",
        "Update: the static thing is back on the warehouse phones.",
        "phones??",
    ],
)
def test_a_fault_told_as_an_fyi_or_a_status_update_is_a_report(body):
    reading = read("FYI", body, sender="Lee Jones <lee@acmedental.example>")

    assert reading.kind == "problem_report"


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        (
            "Out of office",
            "I'm out of the office from tomorrow, but before I go: the auto attendant hangs up"
            " on callers who press 2.",
        ),
        (
            "alarm from the MX",
            "Below is an automated alert our MX sent this morning. This is an automated"
            " message: SIP trunk unreachable. Since then no outside calls.",
        ),
        (
            "phones",
            "Dana is out of the office (returning Monday), so I'm writing: paging in the lab is"
            " silent.",
        ),
    ],
)
def test_a_person_passing_on_or_writing_around_automatic_words_is_read_as_a_person(subject, body):
    reading = read(subject, body, sender="Lee Jones <lee@acmedental.example>")

    assert (reading.kind, reading.automatic) == ("problem_report", False)


def test_what_looked_automatic_but_a_person_passes_on_is_never_charged():
    reading = read(
        "AUTO: trunk alarm",
        "This is an automated message from our MX. Trunk group 1 is down. Lee here: this came"
        " in at 6am.",
        sender="Lee Jones <lee@acmedental.example>",
    )

    assert (reading.kind, reading.chargeable) == ("problem_report", False)


def test_dominos_out_of_office_with_its_date_stays_automatic():
    reading = read(
        "Phones down",
        "Dana Smith is out of the office (returning 03/30/2026).\n\nFor urgent phone issues"
        " (phones down, no dial tone) call Lee.",
        sender="Dana Smith <dana@acmedental.example>",
    )

    assert (reading.kind, reading.automatic) == ("other", True)


@pytest.mark.parametrize(
    ("subject", "foreign"),
    [
        ("[Ticket #4471] New ticket: reception phone", "Ticket #4471"),
        ("[Acme IT] INC0045512 assigned to Telephony", "INC0045512"),
        ("Updated: [Z-Support #ZS-000001]", None),
        ("Phones down", None),
    ],
)
def test_the_clients_own_ticket_number_is_read_from_its_notifications_subject(subject, foreign):
    assert foreign_ticket(subject, "ZS") == foreign


def test_an_automated_notification_without_any_header_relays_its_fault_and_is_never_charged():
    reading = read(
        "Ticket 5521 escalated to vendor: dropped calls",
        "The following ticket was escalated to Z-Support by Acme IT.\n\nSummary: Outbound calls"
        " from the warehouse drop after 2-3 minutes.\n\nThis is an automated notification.",
    )

    assert (reading.kind, reading.relayed, reading.chargeable) == ("problem_report", True, False)
