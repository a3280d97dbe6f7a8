"""A fault told inside thanks, a question, a request, meeting notes, a version question or
another language, and the same words when they tell no fault (intake/kind_shape, intake/
second_matter, intake/malfunction; pure)."""

from __future__ import annotations

import pytest

from tests.helpers import make_mail
from zsupport_mail.intake.kind import KindReading, read_kind
from zsupport_mail.intake.malfunction import malfunction
from zsupport_mail.mail.message import parse_message

CLIENT = "Pat Doe <pat@acmedental.example>"


def read(subject: str, body: str) -> KindReading:
    raw = make_mail(sender=CLIENT, subject=subject, body=body, headers={})
    return read_kind(parse_message(raw))


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        # thanks and a how-question around a fault that goes on
        (
            "Thanks for the new phones",
            "Thanks so much for installing the new phones last week, everyone loves them! Just"
            " one thing, how do we get the voicemail light to turn off? It stays lit even after"
            " we listen to the messages.",
        ),
        (
            "how to",
            "How do I stop the phone from ringing twice before it goes to voicemail? It started"
            " doing that Monday.",
        ),
        (
            "Holiday hours",
            "Please set our holiday hours for Dec 24-26. Also right now calls are going to the"
            " closed message during business hours.",
        ),
        ("Gracias", "Gracias por la ayuda. Sigue sin funcionar el buzón de voz de la recepción."),
    ],
)
def test_a_fault_going_on_inside_thanks_a_question_or_a_request_is_asked_about(subject, body):
    reading = read(subject, body)

    assert (reading.kind, reading.sure) == ("problem_report", False)


@pytest.mark.parametrize(
    ("subject", "body", "kind"),
    [
        ("thanks", "Even after the upgrade everything works great, thanks!", "other"),
        ("how to", "How do I set the phone to ring twice before voicemail picks up?", "other"),
        ("Gracias", "Gracias, todo funciona sin problema.", "other"),
    ],
)
def test_a_wish_or_a_fix_in_the_same_words_is_no_fault(subject, body, kind):
    assert read(subject, body).kind == kind


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        # the record of a meeting held asks for none: the fault in it is asked about
        (
            "Meeting notes 3/10",
            "Attendees: Pat, Lee. Items: 1) move the fax; 2) Lee's phone display is blank;"
            " 3) budget.",
        ),
        (
            "Portal password",
            "I forgot my portal password. Also our auto attendant is greeting people with last"
            " year's holiday message.",
        ),
    ],
)
def test_a_fault_in_meeting_notes_or_beside_a_password_is_asked_about(subject, body):
    reading = read(subject, body)

    assert (reading.kind, reading.sure) == ("problem_report", False)


def test_a_call_asked_for_beside_meeting_notes_is_still_a_request():
    reading = read("Follow-up", "Can we set up a call Thursday? The meeting notes are attached.")

    assert reading.kind == "scheduling_request"


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        # a network change already made, and calls broken since: a report, not a change asked for
        (
            "VLAN",
            "We added the new voice VLAN as discussed. The phones on the 3rd floor now get no IP"
            " address.",
        ),
        # a question about a version or a platform that tells a fault
        (
            "Version question",
            "Which MXIE version should we be on? After the update on Sunday, presence shows"
            " everyone as away.",
        ),
        (
            "MXIE on Mac",
            "Does MXIE support macOS 15? On our new Macs it closes right after login.",
        ),
    ],
)
def test_a_change_made_or_a_version_question_that_tells_a_fault_is_asked_about(subject, body):
    reading = read(subject, body)

    assert (reading.kind, reading.sure) == ("problem_report", False)


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        ("VLAN", "We would like to add a new voice VLAN next Tuesday. Can you join a call?"),
        (
            "Firewall",
            "We replaced the firewall last night as planned. Can we review the rules"
            " with you on Friday?",
        ),
    ],
)
def test_a_network_change_without_a_fault_going_on_is_still_scheduled(subject, body):
    assert read(subject, body).kind == "scheduling_request"


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        (
            "Re: Your RMA request",
            "Sorry, one more: the replacement handset's speakerphone is very quiet.",
        ),
        (
            "RMA 7001 replacement received",
            "Replacement received, thank you. It works but the screen is very dim compared to"
            " the others.",
        ),
    ],
)
def test_a_replacement_too_quiet_or_too_dim_to_use_is_asked_about(subject, body):
    reading = read(subject, body)

    assert (reading.kind, reading.sure) == ("problem_report", False)


def test_few_calls_are_no_fault():
    assert malfunction("Call volume has been very low this week.") is None


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        # thanks said as a courtesy tell nothing: what the mail says of the phones is read
        (
            "voicemail",
            "Thanks in advance - callers are hearing someone else's greeting when they reach"
            " Dr. Lee's mailbox.",
        ),
        (
            "ringing",
            "Every phone in the building rings when someone calls the warehouse line. Thank you",
        ),
        ("transfers", "Transfers to the warehouse land back at reception after 3 rings, thanks."),
        ("Voicemail", "Messages left on ext 210 show up in ext 211's mailbox. Thanks"),
    ],
)
def test_a_statement_about_the_phones_closed_with_thanks_is_asked_about(subject, body):
    reading = read(subject, body)

    assert (reading.kind, reading.sure) == ("problem_report", False)


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        ("new phones", "Thank you! The new phones look great."),
        ("Re: Los teléfonos", "¡Gracias! Ya suenan los dos teléfonos de la recepción."),
        ("thanks", "Thanks, the one-way audio is fixed. Calls sound great since your change."),
        (
            "Minutes",
            "Minutes from today's review: voicemail greeting issue - fixed 7/28. Thanks all",
        ),
    ],
)
def test_thanks_for_what_went_well_are_still_no_report(subject, body):
    assert read(subject, body).kind == "other"


def test_a_trouble_said_unchanged_is_asked_about():
    reading = read("Re:", "still the same as yesterday, please send someone")

    assert (reading.kind, reading.sure) == ("problem_report", False)


def test_plans_that_stay_the_same_are_no_trouble():
    assert read("Re: quote", "Our plans are still the same, we will sign next week.").kind == (
        "other"
    )


def test_a_french_fault_since_the_training_is_asked_about():
    reading = read(
        "Merci",
        'Merci pour la formation. Par contre, depuis, le softphone affiche "hors ligne" chez tout'
        " le monde.",
    )

    assert (reading.kind, reading.sure) == ("problem_report", False)


def test_a_german_since_then_is_no_fault_by_itself():
    reading = read(
        "Schulung",
        "Danke für die Schulung, seitdem nutzen alle die Rufumleitung. Können wir am Freitag"
        " eine zweite Schulung machen?",
    )

    assert reading.kind == "scheduling_request"
