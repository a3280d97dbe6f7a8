"""intake/second_matter.py and the session-6 vocabulary: a fault told beside a request, or in
words the vocabulary did not know, opens a ticket that asks (never a charge); the requests
themselves stay what they are."""

from __future__ import annotations

import pytest

from tests.helpers import make_mail
from zsupport_mail.intake.kind import read_kind
from zsupport_mail.intake.second_matter import second_matter
from zsupport_mail.mail.message import parse_message


def reading_of(subject: str, body: str, **headers: str) -> tuple[str, bool]:
    reading = read_kind(parse_message(make_mail(subject=subject, body=body, headers=headers)))
    return reading.kind, reading.chargeable


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        (
            "New contact",
            "Please add Mary Lopez as our backup contact. Also the fax machine in accounting "
            "hasn't received anything since Thursday.",
        ),
        (
            "Credit",
            "We want the credit for last week's outage. And today extension 220 has no dial "
            "tone again.",
        ),
        (
            "Re: your note about the upgrade",
            "Got your note about the upgrade. We'll pick a date soon. Meanwhile the fax server "
            "is rejecting every incoming fax.",
        ),
        (
            "before our meeting Thursday",
            "We still have the training on Thursday, but before that: since this morning the "
            "phones in operatory 2 ring but when you pick up there's no one there, the call is "
            "gone. Can someone check today?",
        ),
    ],
)
def test_a_fault_beside_a_request_is_a_report(subject, body):
    # (sure only when the fault is said to go on now, as "And today ... again" says)
    assert reading_of(subject, body)[0] == "problem_report"


@pytest.mark.parametrize(
    ("subject", "body", "kind"),
    [
        (
            "Firewall",
            "We are replacing the firewall on the 20th. Also, the phones can't be down during "
            "business hours, so evenings only please.",
            "scheduling_request",
        ),
        (
            "Contacts",
            "Also, please remove Lee from the authorised contacts, he left us this morning.",
            "contact_change",
        ),
        (
            "Credit",
            "Requesting a service credit for last month's outage on the 14th when the phones "
            "were down all day.",
            "credit_request",
        ),
        (
            "Status",
            "Where are we on ZS-104988? The fax still shows our old number in the header.",
            "other",
        ),
        (
            "Greeting",
            "Please change the main greeting so it says our new hours instead of the old ones.",
            "other",
        ),
    ],
)
def test_a_request_that_names_the_phones_stays_a_request(subject, body, kind):
    assert reading_of(subject, body) == (kind, False)


def test_a_mark_ending_in_a_colon_leads_the_next_sentence():
    text = "Close ZS-004471, that one's fine. Bigger problem now: nobody can call in."
    assert second_matter(text, today=False) == "nobody can call in."


def test_a_past_account_beside_a_request_is_no_second_matter():
    assert second_matter("Also, the phones were down last week for an hour.") is None


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        ("Music on hold", "Callers on hold hear our old radio ad instead of the new music file."),
        ("E911", "When we test-dialed 933 it read out our old address on Main Street."),
        ("Transfers", "When we transfer a caller to the warehouse they end up back at reception."),
        (
            "Presence",
            "Everybody in MXIE shows as away all day even when they are on a call.",
        ),
    ],
)
def test_faults_in_words_the_vocabulary_did_not_know_are_asked_about(subject, body):
    assert reading_of(subject, body) == ("problem_report", False)


def test_the_call_is_gone_is_the_fault_and_the_echo_is_gone_the_fix():
    assert reading_of("Phones", "The phones ring, and when we pick up the call is gone.")[0] == (
        "problem_report"
    )
    assert reading_of("Thanks", "Thanks, the echo is gone since your change.") == (
        "other",
        False,
    )


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        ("main number going straight to voicemail??", ""),
        (
            "RMA 30877",
            "The replacement for RMA 30877 came today. Plugged it in, no lights at all, fans "
            "don't spin.",
        ),
        (
            "Anrufe",
            "Seit heute früh werden ausgehende Gespräche nach genau 30 Sekunden getrennt.",
        ),
        (
            "call park question",
            "Not sure if this is a bug, but when we park a call on 701 and nobody picks it up, "
            "it comes back to the front desk instead of the person who parked it.",
        ),
    ],
)
def test_reports_a_classifier_missed_in_tuned5s_ways_are_recognised(subject, body):
    assert reading_of(subject, body)[0] == "problem_report"


def test_an_rma_shipment_that_tells_the_returned_units_fault_stays_a_shipment():
    body = (
        "The MX appliance that kept rebooting every few hours is on its way back to you: "
        "UPS 1Z999AA10123456784, RMA 30519. The replacement arrived and runs fine."
    )
    assert reading_of("RMA 30519", body) == ("rma_shipment", False)


def test_our_forms_contact_line_is_no_contact_change():
    body = "Ansprechpartner: Jana Müller\nBeschreibung: Die Telefone klingeln nicht mehr."
    assert reading_of("Störung", body)[0] == "problem_report"


def test_a_person_forwarding_an_alarm_without_a_forward_subject_is_no_auto_reply():
    body = (
        "This came in again this morning.\n\nFrom: MX <mx@acmedental.example>\n"
        "Subject: alarm\n\nThis is an automated message. Power supply 2 failed.\n"
    )
    assert reading_of("RE: FW: alarm", body) == ("problem_report", False)
    quoted = "Callers hear 'This is an automated message' and then get disconnected."
    assert reading_of("Callers", quoted)[0] == "problem_report"


def test_a_fault_going_on_beside_a_note_for_the_record_is_asked_about():
    body = (
        "Our network guy says the network is fine, nothing to do with us. Still, calls to "
        "Denver drop every few minutes."
    )
    assert reading_of("calls", body) == ("problem_report", False)


@pytest.mark.parametrize(
    "body",
    [
        "For the record: calls dropped Tuesday 10-11, all fine since, nothing for you to do.",
        "Nothing to do with the phones, but our internet is down. Phones work fine.",
    ],
)
def test_a_note_for_the_record_stays_one(body):
    assert reading_of("FYI", body) == ("other", False)


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        (
            "ext 220",
            "I was wondering if you could take a peek at ext 220 when you get a chance, she "
            "says her calls are going to the wrong mailbox. No rush.",
        ),
        (
            "holiday greeting",
            "We're still hearing the holiday greeting even though we turned it off Monday.",
        ),
    ],
)
def test_where_calls_go_is_no_plan_and_even_though_stays_whole(subject, body):
    assert reading_of(subject, body)[0] == "problem_report"
