"""intake/kind_shape.py and the dates it reads: a plan told from a past account, a note for the
record from a report, a statement from a question, the day beside the meeting asked for."""

from __future__ import annotations

from datetime import date
from email.message import EmailMessage

import pytest

from tests.helpers import make_mail
from zsupport_mail.intake.dates import requested_day
from zsupport_mail.intake.kind import read_kind
from zsupport_mail.intake.kind_shape import (
    day_asked,
    for_the_record,
    network_change,
    states_about_the_phones,
)
from zsupport_mail.mail.message import parse_message


@pytest.mark.parametrize(
    ("text", "change"),
    [
        ("We replace the edge router at the Hamburg site on the 27th.", True),
        ("The site-to-site VPN for the new office goes live on 6/15.", True),
        ("Am Samstag tauschen wir die Firewall.", True),
        ("1. Outage of June 12 - root cause was the ISP, closed.", False),
        ("Our firewall logs show nothing unusual.", False),
    ],
)
def test_a_network_change_changes_a_network_part(text, change):
    assert network_change(text) is change


def test_a_fault_told_for_the_record_with_nothing_to_do_is_no_report():
    text = (
        "For your records: the phones went down Thursday because the UPS was switched off. "
        "Everything has been fine since Friday, nothing to do."
    )
    assert for_the_record(text)
    mail = make_mail(subject="for your records", body=text)
    assert read_kind(parse_message(mail)).kind == "other"
    assert not for_the_record("The phones went down at 9 and are still down, nothing works.")


@pytest.mark.parametrize(
    ("text", "states"),
    [
        ("MXIE presence grey for everyone.", True),
        ("Is MXIE 17.0.12 supported on Windows 11? We plan to refresh the PCs.", False),
        ("Where are we on ZS-104950 (the voicemail greeting)?", False),
    ],
)
def test_only_a_statement_about_the_phones_is_asked_about(text, states):
    assert states_about_the_phones(text, "ZS") is states


def test_the_day_beside_the_meeting_is_the_day_asked_for():
    text = (
        "We're replacing the edge router on the 20th. Before that I'd like a 30-minute call "
        "with your engineer on Thursday."
    )
    assert day_asked(text, date(2026, 5, 11)) == date(2026, 5, 14)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("a second voice subnet for the 3rd floor on 2026-06-22", date(2026, 6, 22)),
        ("The VPN goes live on 6/15, 8 phones there.", date(2026, 6, 15)),
        ("am Samstag, den 27., tauschen wir den Router", date(2026, 6, 27)),
    ],
)
def test_dates_a_floor_is_no_day_us_and_german_days_are(text, day):
    assert requested_day(text, date(2026, 6, 3)) == day


def test_an_attachment_without_words_opens_a_ticket_that_asks():
    message = EmailMessage()
    message["From"] = "Dana Smith <dana@acmedental.example>"
    message["To"] = "support@zsupport.example"
    message["Subject"] = "see attached"
    message["Message-ID"] = "<shot-1@acmedental.example>"
    message.set_content("")
    message.add_attachment(b"\x89PNG\r\n", maintype="image", subtype="png", filename="alarm.png")
    reading = read_kind(parse_message(message.as_bytes()))

    assert (reading.kind, reading.chargeable) == ("problem_report", False)


@pytest.mark.parametrize(
    ("subject", "body", "kind"),
    [
        (
            "ACD training",
            "Can we schedule a training? Nobody here knows how to read the ACD reports.",
            "scheduling_request",
        ),
        (
            "ISP change",
            "We move to the new ISP on the 28th. The phones should not go down during the cutover.",
            "scheduling_request",
        ),
        (
            "new VLAN?",
            "Since this morning the phones get a data-VLAN address and do not register.",
            "problem_report",
        ),
    ],
)
def test_a_request_is_told_from_a_fault_by_its_shape(subject, body, kind):
    assert read_kind(parse_message(make_mail(subject=subject, body=body))).kind == kind


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        (
            "Will the fax line be down during the outage too? Our lab sends results at night.",
            "notice_reply",
        ),
        ("The outage window is fine for us, the office is closed on Saturdays.", "notice_reply"),
        ("Since your maintenance the paging speakers crackle on every page.", "problem_report"),
    ],
)
def test_an_answer_to_our_outage_notice_about_its_own_matter_is_no_report(body, kind):
    notice = "<notice.outage.7@zsupport.example>"
    mail = make_mail(subject="Re: maintenance", body=body, headers={"In-Reply-To": notice})

    assert read_kind(parse_message(mail), notices={notice: "outage"}).kind == kind


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        ("Manual", "Please send me the manual for the Yealink phones in the lobby."),
        ("New hire", "We have a new receptionist, Maria. She'll need an extension and voicemail."),
        ("Pricing", "Please advise on pricing for 10 more handsets, urgent."),
    ],
)
def test_asking_for_something_is_no_report(subject, body):
    assert read_kind(parse_message(make_mail(subject=subject, body=body))).kind == "other"


def test_as_soon_as_and_seconds_later_are_no_plan():
    reading = read_kind(
        parse_message(make_mail(subject="MXIE", body="MXIE crashes as soon as I log in."))
    )
    assert (reading.kind, reading.chargeable) == ("problem_report", True)


def test_a_guess_about_what_happened_is_no_plan():
    reading = read_kind(
        parse_message(make_mail(subject="phones", body="The MX must have crashed at 9."))
    )
    assert (reading.kind, reading.chargeable) == ("problem_report", True)
