"""intake/malfunction.py: a report told by its shape (a part of the phone system and a
predicate saying it does not do what it should), in phrasings FAULT does not list."""

from __future__ import annotations

import pytest

from tests.helpers import make_mail
from zsupport_mail.intake.kind import read_kind
from zsupport_mail.intake.malfunction import malfunction
from zsupport_mail.mail.message import parse_message


@pytest.mark.parametrize(
    "text",
    [
        "The clock on every handset is an hour off since Sunday.",
        "Our queue plays the welcome greeting twice, one on top of the other.",
        "Die Durchwahl 231 klingelt seit heute nur noch im Büro von Frau Lang statt bei ihr.",
        "La extensión de recepción suena mal desde el lunes.",
        "Le standard affiche un mauvais nom pour tous les appels entrants.",
        "The replacement MX250 arrived today, but it does not boot: the LED stays red.",
        "Patients on hold say the music starts over every 5 seconds.",
    ],
)
def test_a_part_that_misbehaves_is_a_malfunction(text):
    assert malfunction(text) is not None


@pytest.mark.parametrize(
    "text",
    [
        "We don't use the mobile app yet, is it included in our licences?",
        "Thanks for the call today, the transfer drops and the echo are gone.",
        "How can we change the hold music for the spring?",
        "The phones will be down during the maintenance window on Saturday.",
        "Kann die Anlage vor einer Aufzeichnung eine Ansage abspielen?",
        "There are a few lines on the invoice I don't understand.",
        "Lee won't be in the office on Friday, please call Dana instead.",
    ],
)
def test_a_plan_a_question_a_person_or_a_fixed_fault_is_not(text):
    assert malfunction(text) is None


def test_a_malfunction_opens_a_ticket_that_asks_and_charges_nothing():
    mail = make_mail(
        subject="Clock",
        body="The clock on every handset is an hour off since Sunday.",
    )
    reading = read_kind(parse_message(mail))

    assert (reading.kind, reading.chargeable) == ("problem_report", False)


def test_a_malfunction_wins_over_a_meeting_word():
    mail = make_mail(
        subject="Conference room",
        body="In the meeting room the speakerphone mutes itself after a minute of every call.",
    )

    assert read_kind(parse_message(mail)).kind == "problem_report"


@pytest.mark.parametrize(
    ("subject", "body", "kind"),
    [
        (
            "Training",
            "Could we book a training next month? Our new receptionists don't know how to park "
            "calls yet.",
            "scheduling_request",
        ),
        (
            "Firewall",
            "We are replacing the firewall on Saturday the 28th; the phones may be offline for an "
            "hour. Please coordinate with us.",
            "scheduling_request",
        ),
        ("Thanks", "Thanks, the phones have been fine since your change on Monday.", "other"),
    ],
)
def test_a_training_need_a_planned_outage_or_a_fix_confirmed_is_no_report(subject, body, kind):
    assert read_kind(parse_message(make_mail(subject=subject, body=body))).kind == kind


def test_a_question_about_what_the_system_can_do_is_no_malfunction_but_why_is():
    assert malfunction("Does MXIE not show calls missed on the mobile app?") is None
    assert malfunction("Why does MXIE not show calls missed on the mobile app?") is not None


@pytest.mark.parametrize(
    "text",
    [
        "Since May 4 the phones at Lakewood show a blank display.",
        "Die Rufnummer wird seit Montag nicht mehr angezeigt.",
        "The fax is offline again, will you call me?",
    ],
)
def test_a_month_a_passive_or_a_request_is_no_plan(text):
    assert malfunction(text) is not None
