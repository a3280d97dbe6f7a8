"""A fault named in so many words is charged only when nothing in the mail speaks against a
sure first report (intake/doubt.py): competing evidence, a past account, a condition, a
question of how, another system. A fault going on now is charged whatever else is said."""

from __future__ import annotations

import pytest

from tests.helpers import make_mail
from zsupport_mail.intake.doubt import sentence_doubt
from zsupport_mail.intake.kind import read_kind
from zsupport_mail.mail.message import parse_message


def reading(subject: str, body: str):
    return read_kind(parse_message(make_mail(subject=subject, body=body)))


@pytest.mark.parametrize(
    ("subject", "body", "why"),
    [
        ("Echo", "Thank you for the quick help with the echo issue on our calls.", "thanks"),
        ("Question", "How do I stop calls going straight to voicemail after hours?", "how"),
        (
            "Dropped calls",
            "Any update on the dropped calls issue? We opened it Tuesday.",
            "question",
        ),
        ("Outlook", "Our Outlook keeps crashing when I open voicemail attachments.", "another"),
        ("FYI", "Our internet was down yesterday for 2 hours, Comcast fixed it.", "another"),
        ("17.0.12", "Back in March we had the echo problem on calls to Denver.", "past"),
        (
            "Call Thursday",
            "Can we set up a call Thursday? The phones dropped calls last week.",
            "past",
        ),
        (
            "RMA 30511",
            "The replacement for the phone with the broken display shipped today, UPS "
            "1Z999AA10123456784.",
            "RMA",
        ),
        (
            "Training",
            "We'd like to book a training next week. New staff can't transfer calls.",
            "meeting",
        ),
        ("Move", "If the calls drop during the move, who do we call first?", ""),
    ],
)
def test_a_fault_named_beside_competing_evidence_is_asked_about_not_charged(subject, body, why):
    found = reading(subject, body)

    assert not found.chargeable, found.reason
    # read for what else it is, or a report we ask about for the reason given
    assert found.kind != "problem_report" or why in found.reason or "does not work" in found.reason


def test_a_fault_denied_is_no_fault():
    found = reading("Re: maintenance", "Thanks, the maintenance went fine, no calls dropped.")

    assert not found.chargeable, found.reason


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        ("Lakewood", "Phones down at Lakewood right now, no calls in or out!"),
        ("Echo", "We hear echo on every outside call since this morning."),
        ("Fax", "Our fax doesn't work. Ext 2040."),
        # thanks for an old fix, and the fault is back now: a new report
        ("Thanks, but", "Thank you for fixing the lobby phone! Since this morning no dial tone."),
        # a meeting named, none asked for
        ("Bridge", "During our meeting the conference bridge drops everyone after 10 minutes."),
    ],
)
def test_a_fault_going_on_now_is_a_sure_report_whatever_else_is_said(subject, body):
    found = reading(subject, body)

    assert found.chargeable, found.reason


@pytest.mark.parametrize(
    ("sentence", "doubted"),
    [
        ("Last month the phones were down for an hour.", True),
        ("Last month the phones went down and they are still down.", False),
        ("If calls drop again, please call me.", True),
        ("Calls drop after 30 seconds.", False),
        ("Is there a way to stop calls going to voicemail?", True),
        ("Why do calls go straight to voicemail?", False),
        ("The printer is broken.", True),
        ("The printer is fine but the phone next to it is dead.", False),
    ],
)
def test_a_sentence_naming_a_fault_reports_it_only_as_it_happens(sentence, doubted):
    assert (sentence_doubt(sentence) is not None) == doubted


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        ("Great job", "Calls sound crystal clear since your change. The static is history."),
        ("Closing", "You can close the dropped calls ticket, no drops all week."),
        ("Move", "Can we schedule the phone move? Last move the phones were offline for a day."),
        (
            "Our side",
            "Post-mortem: on Feb 12 our ISP failed for 40 minutes. Nothing for you to do.",
        ),
        ("Danke", "Vielen Dank, seit dem Update gestern gibt es kein Echo mehr."),
    ],
)
def test_a_fault_told_as_over_or_settled_is_never_charged(subject, body):
    assert not reading(subject, body).chargeable


@pytest.mark.parametrize(
    "body",
    [
        "You can close that one. BUT since about 7 this morning nobody here can dial out.",
        "ZS-000555 can be closed. But now a new problem: the fax line is dead since this morning.",
        "Thanks for the training! Unrelated: callers hear an echo on every call right now.",
    ],
)
def test_a_new_fault_going_on_now_beside_a_settled_matter_is_charged(body):
    assert reading("Phones", body).chargeable
