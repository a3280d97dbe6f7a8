"""intake/kind.py and intake/shipment.py on small hand-written mails (pure: no database)."""

from __future__ import annotations

import pytest

from tests.helpers import make_mail
from zsupport_mail.intake.kind import read_kind
from zsupport_mail.intake.shipment import rma_number, tracking_numbers
from zsupport_mail.mail.message import parse_message


def kind_of(subject: str, body: str, **headers: str) -> tuple[str, bool]:
    reading = read_kind(parse_message(make_mail(subject=subject, body=body, headers=headers)))
    return reading.kind, reading.chargeable


@pytest.mark.parametrize(
    ("subject", "body", "kind", "chargeable"),
    [
        (
            "Phones",
            "Since this morning every external call drops after 30 seconds.",
            "problem_report",
            True,
        ),
        ("Thanks", "Thanks, the echo is fixed and everything works fine now.", "other", False),
        (
            "Backup contact",
            "Please make Carl our backup contact from Monday.",
            "contact_change",
            False,
        ),
        (
            "Training",
            "Could we book an MXIE training session for two new people?",
            "scheduling_request",
            False,
        ),
        (
            "SLA credit ZS-000140",
            "Requesting the SLA credit for ZS-000140, down 14 hours.",
            "credit_request",
            False,
        ),
        ("call me", "Need someone to call me asap about the phones.", "problem_report", False),
        (
            "DOWN AGAIN",
            "No calls in or out since 8:10. I expect a credit, but first fix it.",
            "problem_report",
            True,
        ),
    ],
)
def test_kinds_and_what_is_chargeable(subject, body, kind, chargeable):
    assert kind_of(subject, body) == (kind, chargeable)


def test_reply_subject_of_an_old_fault_does_not_make_a_thank_you_a_report():
    assert kind_of("RE: [Z-Support #ZS-000123] One-way audio", "Thanks, all good now!") == (
        "other",
        False,
    )


def test_domino_out_of_office_is_automatic_without_any_header():
    reading = read_kind(
        parse_message(
            make_mail(
                subject="AUTO: Dana Smith is out of the office (returning 03/30/2026)",
                body="I am out of the office until 03/30/2026.",
            )
        )
    )
    assert (reading.kind, reading.automatic) == ("other", True)


def test_answer_to_a_known_notice_is_a_notice_reply_unless_it_reports_a_fault():
    # A fault since our own maintenance is recognised but asked about, never billed as
    # missing information; a new matter going on now is a report like any other.
    notice = "<zs.abc@zsupport.example>"
    headers = {"In-Reply-To": notice}
    ok = read_kind(
        parse_message(make_mail(subject="Re: maintenance", body="ok thanks", headers=headers)),
        notices={notice: "outage"},
    )
    fault = read_kind(
        parse_message(
            make_mail(
                subject="Re: maintenance",
                body="Since your maintenance no calls are coming in.",
                headers=headers,
            )
        ),
        notices={notice: "outage"},
    )
    new = read_kind(
        parse_message(
            make_mail(
                subject="Re: maintenance",
                body="Saturday is fine. Unrelated: since this morning the fax doesn't answer.",
                headers=headers,
            )
        ),
        notices={notice: "outage"},
    )
    assert (ok.kind, ok.notice) == ("notice_reply", "outage")
    assert (fault.kind, fault.chargeable) == ("problem_report", False)
    assert (new.kind, new.chargeable) == ("problem_report", True)


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("I will send the tracking information tomorrow once I have it.", []),
        (
            "FedEx tracking 771845203361. Our PO was PO 45871 in case accounting asks.",
            ["771845203361"],
        ),
        ("PO 458712345678 for the replacement", []),
        (
            "box 1: 1Z8V4E290311874437\nbox 2: 1Z8V4E290311874446",
            ["1Z8V4E290311874437", "1Z8V4E290311874446"],
        ),
        ("Sendungsnummer: 00340434161094015902", ["00340434161094015902"]),
        ("tracking number: AB12345678", ["AB12345678"]),
    ],
)
def test_tracking_numbers(text, numbers):
    assert tracking_numbers(text) == numbers


def test_rma_number_without_the_word_or_hash():
    assert rma_number("Returned board - RMA #30122") == "30122"
    assert rma_number("no such number here") is None


@pytest.mark.parametrize(
    ("subject", "body", "kind", "chargeable"),
    [
        # A symptom, whatever the device, is a fault we are sure of (checklist, notice, charge).
        (
            "Auto attendant",
            "Our auto attendant stopped answering this morning.",
            "problem_report",
            True,
        ),
        ("Softphone won't register - laptop LJ-07", "", "problem_report", True),
        (
            "MXIE",
            "MXIE closes by itself whenever we open the Call Log tab.",
            "problem_report",
            True,
        ),
        ("Hold", "The hold music was fine last week, now it loops.", "problem_report", True),
        (
            "Queue",
            "Callers complain that the queue message sounds terrible.",
            "problem_report",
            True,
        ),
        ("Fax", "El fax no muestra el nombre de quien llama.", "problem_report", True),
        # Polite wording does not hide it; a fixed fault beside a new one does not either.
        (
            "Echo",
            "I would like you to look at the echo on calls to Denver.",
            "problem_report",
            True,
        ),
        (
            "Update",
            "The echo is fixed, but now the paging speakers cut out.",
            "problem_report",
            True,
        ),
        # A weaker cue opens a ticket and asks; nothing is charged until staff decide.
        ("beep?", "Is it normal that the phones beep every 30 seconds?", "problem_report", False),
        ("MX", "Why does the MX reboot every night at 2?", "problem_report", False),
        # Thanks for help is not a plea; a question between two features is not a report.
        ("Danke", "Das Fax geht wieder. Vielen Dank für die schnelle Hilfe!", "other", False),
        (
            "hunt vs ACD",
            "What's the difference between a hunt group and an ACD group for calls?",
            "other",
            False,
        ),
        # A network named without a change to it is no scheduling request.
        (
            "Ports",
            "Nothing is changing, but our auditor wants the firewall ports list.",
            "other",
            False,
        ),
        ("Carl", "Carl is no longer allowed to open tickets for us.", "contact_change", False),
    ],
)
def test_symptoms_are_reports_weaker_cues_are_asked_about(subject, body, kind, chargeable):
    assert kind_of(subject, body) == (kind, chargeable)


def test_ups_numbers_written_in_groups_are_read_whole():
    assert tracking_numbers("Old PSU shipped today, UPS 1Z 999 AA1 01 2345 6784.") == [
        "1Z999AA10123456784"
    ]


def test_a_report_below_a_sign_off_is_asked_about_not_lost():
    body = "Hallo\n\nMit freundlichen Grüßen\nJana\n\nDas Telefon klingelt nicht mehr."
    assert kind_of("Telefon", body) == ("problem_report", False)


def test_a_forwarded_automatic_message_is_the_forwarders_mail():
    body = (
        "The voicemail below reached us six hours late, and the caller hear nothing.\n\n"
        "This is an automated message from your MX system."
    )
    assert kind_of("FW: New voicemail from 303-555-0199", body) == ("problem_report", True)
    assert kind_of("New voicemail from 303-555-0199", body)[0] == "other"


def test_a_possible_fault_in_reply_to_our_notice_opens_a_ticket_that_asks():
    notice = "<notice.outage.7@zsupport.example>"
    raw = make_mail(
        subject="RE: [Z-Support] Planned maintenance on your MX system",
        body="Since your maintenance the phones beep every 30 seconds. Is that normal?",
        headers={"In-Reply-To": notice, "References": notice},
    )

    reading = read_kind(parse_message(raw), notices={notice: "outage"})

    assert (reading.kind, reading.sure, reading.chargeable) == ("problem_report", False, False)


def test_a_person_mentioning_a_colleague_out_of_the_office_is_no_auto_reply():
    body = "Hi,\n\nDana is out of the office, returning Monday. Please make Pat our backup contact."
    assert kind_of("Backup while Dana is away", body) == ("contact_change", False)
    domino = "Dana Smith is out of the office (returning 03/16/2026)."
    assert read_kind(parse_message(make_mail(subject="Re: x", body=domino))).automatic
