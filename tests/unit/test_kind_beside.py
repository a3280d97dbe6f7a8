"""A fault going on now beside another matter: an RMA's shipment, a training or a meeting, a
note (intake/unit_received.fault_beside, intake/second_matter, intake/malfunction; pure)."""

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
        # another unit, marked as another: not the one that goes back
        (
            "RMA 3121 tracking",
            "Tracking 1Z3121AB for the return. The loaner handset shows a red X on the screen.",
        ),
        (
            "RMA 3123 shipped",
            "Sent back the PSU with FedEx 7712 3456 7890. The spare phone at the front desk has"
            " no display.",
        ),
        (
            "RMA 4005 tracking + new issue",
            "Tracking: 1Z4005. New issue: the auto attendant plays the night greeting all day.",
        ),
    ],
)
def test_a_fault_going_on_beside_an_rma_shipment_is_a_report_we_ask_about(subject, body):
    reading = read(subject, body)

    assert (reading.kind, reading.sure) == ("problem_report", False)


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        (
            "RMA 1234 tracking",
            "Tracking for RMA 1234: 1Z999AA1. The handset with the cracked screen is in the box.",
        ),
        (
            "RMA 9090 - label",
            "Can you send a return label for RMA 9090? The phone won't power"
            " on so we can't do anything else with it.",
        ),
        (
            "Re: RMA 7001",
            "The unit is going back today via UPS 1Z7001. It still reboots every"
            " hour, so please test it on your bench.",
        ),
        (
            "RMA 1300",
            "The other handset is fine, only the one in the box had the problem. Tracking 1Z1300.",
        ),
    ],
)
def test_the_fault_of_the_unit_that_goes_back_stays_shipment_details(subject, body):
    assert read(subject, body).kind == "rma_shipment"


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        # a time that reaches now makes the fault beside a meeting asked for a matter of its own
        (
            "meeting request + phones",
            "Can we meet Thursday to discuss the expansion? Our lobby phone has been flashing a"
            " red light for two days.",
        ),
        (
            "Training follow-up",
            "The training was great, thanks. Since then, though, the operator console shows"
            " every line as busy even when nobody is on the phone.",
        ),
        # what callers get in place of what they should: "hearing ... instead of"
        (
            "Note",
            "FYI callers are hearing our hold music when they dial the support line instead of"
            " reaching the queue.",
        ),
    ],
)
def test_a_fault_told_beside_a_meeting_or_a_note_is_asked_about(subject, body):
    reading = read(subject, body)

    assert (reading.kind, reading.sure) == ("problem_report", False)


@pytest.mark.parametrize(
    ("subject", "body", "kind"),
    [
        (
            "Re: training",
            "Thanks for the training last week. Since then the team has been using"
            " the park feature a lot, great stuff. Can we book a second session?",
            "scheduling_request",
        ),
        (
            "hold music",
            "We'd like the new hold music playing instead of the old one starting next week.",
            "other",
        ),
        (
            "auto attendant",
            "Can the auto attendant play the holiday greeting all day on Dec 24?",
            "other",
        ),
        (
            "training",
            "Can we book a refresher training? We have been customers for two years"
            " now and have new staff.",
            "scheduling_request",
        ),
    ],
)
def test_a_time_a_choice_or_a_wish_is_no_fault(subject, body, kind):
    assert read(subject, body).kind == kind


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        # the unit received, or the one from the spare stock, named without the usual words
        ("RMA-6008 Ersatzgerät", "Das Ersatzgerät ist da, aber es bootet nicht."),
        (
            "RMA 6013",
            "The returned unit is on its way. We hooked up the unit from our spare stock but it"
            " won't get a dial tone either.",
        ),
        # a fault beside what went back, since it went: "since ..." in the other clause
        (
            "RMA 6009",
            "Hi - the return shipped yesterday. Quick note: since we took the old unit out, the"
            " fax line has been dead.",
        ),
    ],
)
def test_a_fault_of_another_unit_or_line_beside_a_return_is_asked_about(subject, body):
    reading = read(subject, body)

    assert (reading.kind, reading.sure) == ("problem_report", False)


def test_the_fault_a_unit_goes_back_for_is_never_charged():
    reading = read(
        "RMA 1400", "The defective phone, which keeps rebooting, goes back today via UPS 1Z1400."
    )

    assert not reading.chargeable
    assert "sends back" in reading.reason


def test_a_fault_told_before_another_past_is_no_second_matter():
    reading = read(
        "RMA 1405 shipped",
        "Shipped today, FedEx 7712 1405. Since Tuesday, the unit had been showing a red light,"
        " as noted on the ticket.",
    )

    assert reading.kind == "rma_shipment"


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        # asking for a return to begin tells the unit's fault: a hardware fault report
        (
            "RMA request - gateway",
            "The FXS gateway in the server room has a solid red status LED. Please start an RMA"
            " and send a replacement.",
        ),
        (
            "RMA?",
            "Do we need an RMA for a phone whose handset cord is frayed and crackles? Shipping"
            " address is the same.",
        ),
        (
            "Ersatz",
            "Bitte senden Sie ein Ersatzgerät (RMA), das Display am Empfangstelefon bleibt"
            " schwarz.",
        ),
    ],
)
def test_asking_for_an_rma_for_a_faulty_unit_is_a_report_we_ask_about(subject, body):
    reading = read(subject, body)

    assert (reading.kind, reading.sure) == ("problem_report", False)


@pytest.mark.parametrize(
    "body",
    [
        "Please send the replacement to our Dallas office, tracking to follow.",
        "Please start an RMA for the unit on ZS-001234 and send the replacement to Dallas."
        " Tracking for the old one: 1Z999AA10123456784.",
    ],
)
def test_asking_for_a_replacement_without_a_fault_stays_shipment_details(body):
    assert read("RMA 5510", body).kind == "rma_shipment"


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        (
            "RMA 7272",
            "UPS delivered the replacement, but when we plug it in the port light blinks amber"
            " and nothing registers.",
        ),
        ("RMA 1190 Envío", "Recibimos el equipo de reemplazo. No enciende."),
    ],
)
def test_a_replacement_whose_lights_or_power_fail_is_asked_about(subject, body):
    reading = read(subject, body)

    assert (reading.kind, reading.sure) == ("problem_report", False)


def test_no_thanks_is_no_fault():
    assert (
        malfunction("Did you get the new equipment? No, thanks, we still have the old set.") is None
    )
