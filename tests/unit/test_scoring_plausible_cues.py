"""Plausible cues of issue 16's fourth round: an item written in a form the extractors do not
read with certainty is echoed back for confirmation, never charged (scoring/call_cue.py,
plausible.py, contact_cues.py, company_cue.py, recurrence.py, quoted_answers.py); a call
without a time of day, another mailbox at her domain, a vague terse mail are still asked for.

Made-up wordings of the kinds issue 16 describes and scoring_tuned4 showed.
"""

from __future__ import annotations

import pytest

from tests.unit.test_scoring_confidence import RECEIVED, found, score
from zsupport_mail.scoring import score_input
from zsupport_mail.scoring.text import own_text
from zsupport_mail.scoring.types import ContactRecord, ScoringInput


@pytest.mark.parametrize(
    "text",
    [
        "On 3/16 ext 201 called 303-555-0100. It was at 9:15.",
        "Since 3/10 our main number 303-555-0100 drops calls.\n\n"
        "Example: 9:15 today, Dana's phone to Lee's phone.",
        "On 3/16 9:15a the front desk phone (201) could not reach the back office (230).",
        "Mon 9:15: 201 > 230 silent.",
    ],
)
def test_a_call_written_in_forms_the_extractor_does_not_read_is_echoed_not_charged(text):
    result = score(f"Calls drop.\n\n{text}")
    assert "call_examples" not in result.missing
    assert "call_examples" in result.to_confirm
    assert found(result, "call_examples", "low")


def test_a_call_without_a_time_of_day_is_still_asked_for():
    result = score("Calls drop.\n\nOn 3/16 ext 201 called 303-555-0100 and it dropped.")
    assert "call_examples" in result.missing
    assert any("date/time" in part for part in result.partial["call_examples"])


def test_a_forwarded_mails_header_time_is_no_call():
    text = (
        "FYI, see below: calls to 303-555-0100 drop since 3/10.\n\n"
        "---------- Forwarded message ---------\n"
        "From: Carrier NOC <noc@carrier.example>\n"
        "Date: Mon, Mar 16, 2026 at 8:55 AM\n"
        "Subject: Ticket 24-118833 - trunk degradation\n"
        "To: IT <it@acmedental.example>\n\n"
        "We see no loss on our side."
    )
    assert "call_examples" in score(text).missing


def test_a_time_followed_by_a_colon_is_a_time():
    assert found(
        score("Calls drop.\n\nMon 3/16 9:15: ext 201 called ext 230."), "call_examples"
    ) == ["2026-03-16 09:15, from ext 201 to ext 230"]


@pytest.mark.parametrize(
    ("text", "key", "value"),
    [
        ("It's NET-2231 in our system.", "internal_ticket", "NET-2231"),
        ("ID interne : 4471", "internal_ticket", "4471"),
        ("Our ITSM number: 4471", "internal_ticket", "4471"),
        ("It's the 17.0.4 release.", "software_version", "17.0.4 release"),
        ("Zultys 17.0.4", "software_version", "Zultys 17.0.4"),
        ("Appelez-moi au 303-555-0142.", "contact_phone", "+13035550142"),
        ("Easy to trigger.", "reproducible", "sometimes"),
        ("Happens at unpredictable moments.", "reproducible", "sometimes"),
        ("MX250 serial 6326V", "appliance_serial", "6326V"),
    ],
)
def test_further_plausible_wordings_are_echoed_not_charged(text, key, value):
    result = score(f"Phones at the front desk drop calls.\n\n{text}")
    assert found(result, key, "low") == [value]
    assert key not in result.missing


def test_a_self_introduction_names_the_contact():
    result = score("This is Hank from the IT team: the phones drop calls.")
    assert "contact_name" not in result.missing


def test_serials_named_by_their_role_without_a_serial_word():
    result = score(
        "Calls drop.\n\nThe board one says 5K21T and the appliance one says 5K27W. We run an MX250."
    )
    assert found(result, "board_serial", "low") == ["5K21T"]
    assert found(result, "appliance_serial", "low") == ["5K27W"]


@pytest.mark.parametrize(
    ("text", "key", "value"),
    [
        ("I put it in our own little tracker as number 1187.", "internal_ticket", "1187"),
        ("Roughly one call in ten fails.", "reproducible", "sometimes"),
        ("Contact - Dana Smith, dana@acmedental.example, 303-555-0142", "contact_phone", None),
    ],
)
def test_tuned4_wordings_are_echoed_not_charged(text, key, value):
    result = score(f"Phones at the front desk drop calls.\n\n{text}")
    assert key not in result.missing
    if value:
        assert value in found(result, key, "low") + found(result, key)


def test_every_user_is_who_is_hit_not_how_often():
    result = score("MXIE call history is empty for every user since the weekend.")
    assert "reproducible" in result.missing
    assert "reproducible" not in score("It happens on every call since the weekend.").missing


@pytest.mark.parametrize(
    "signature",
    [
        "Dana Smith\nd.smith@acmedental.example",
        "Dana\nmail: dana (at) acmedental (dot) example",
    ],
)
def test_her_address_written_another_way_is_echoed_not_charged(signature):
    result = score(f"Phones at the front desk drop calls.\n\n{signature}")
    assert "contact_email" not in result.missing
    assert "contact_email" in result.to_confirm


def test_another_mailbox_at_her_domain_is_not_her_address():
    result = score("Phones drop calls.\n\nSend replies to it-team@acmedental.example")
    assert "contact_email" in result.missing


@pytest.mark.parametrize(
    "text",
    [
        "Example call: N/A - it is the voicemail server",
        "Beispielanruf: entfällt",
        "No specific calls.",
    ],
)
def test_examples_waived_in_other_words_are_echoed_not_charged(text):
    result = score(f"Voicemail to e-mail stopped.\n\n{text}")
    assert "call_examples" not in result.missing
    assert found(result, "call_examples", "low") == ["not applicable"]


def test_a_mailto_link_shows_its_address():
    from zsupport_mail.mail.text import html_to_text

    text = html_to_text(
        '<p>Calls drop.</p><p>Thanks,<br><a href="mailto:dana@acmedental.example">Dana Smith</a>'
        '<br><a href="mailto:lee@acmedental.example">lee@acmedental.example</a></p>'
    )
    assert "Dana Smith <dana@acmedental.example>" in text
    assert text.count("lee@acmedental.example") == 1  # shown once when the text is the address
    assert "contact_email" not in score(text).missing


def test_a_call_back_number_is_her_phone_even_when_read_as_a_calls_party():
    result = score(
        "Calls drop on every transfer.\n\n"
        "You can call me back at 303-555-0142 today after 3pm, ext 204 is my desk."
    )
    assert found(result, "contact_phone", "low") == ["+13035550142"]


@pytest.mark.parametrize(
    "subject",
    ["[4471] Phones drop", "Phones drop {4471}", "Re: [Z-Support #ZS-000123] Phones drop #4471"],
)
def test_a_number_tagged_in_the_subject_is_a_plausible_ticket(subject):
    result = score("Calls drop on every transfer.", subject=subject)
    assert found(result, "internal_ticket", "low") == ["4471"]


def test_a_sign_off_naming_a_business_is_a_plausible_company_for_an_unknown_sender():
    body, signature, forwarded = own_text(
        "Phones drop calls.\n\nPat Jones\nSonrisa Dental Clinic\n303-555-0142", "Calls drop"
    )
    item = ScoringInput(
        subject="Calls drop",
        text=body,
        signature=signature,
        forwarded=forwarded,
        attachments=(),
        sender_address="pat@mail.example",  # a sender we hold no record of
        received_at=RECEIVED,
        timezone="America/Denver",
        region="US",
        record=ContactRecord(),
    )
    result = score_input(item, count_record=False)
    assert found(result, "company", "low") == ["Sonrisa Dental Clinic"]


def test_answers_typed_onto_our_quoted_notice_lines_count_and_what_we_have_does_not():
    reply = (
        "Answers in your mail below.\n\nDana\n\n"
        "On Wed, Mar 18, 2026 at 9:02 AM Z-Support <support@zsupport.example> wrote:\n"
        "> We have opened ticket ZS-000201 for Acme Dental:\n"
        "> Board serial number: 620LQ\n"
        "> Appliance serial number: 6326V\n"
        "> What we already have:\n"
        "> Software version: MX 16.0.4\n"
        "> --\n> Z-Support\n"
    )
    body, _signature, _forwarded = own_text(reply, "Re: [Z-Support #ZS-000201] Calls drop")
    assert "Board serial number: 620LQ" in body
    assert "Appliance serial number: 6326V" in body
    assert "16.0.4" not in body
    older = reply.replace("Z-Support", "Carrier NOC").replace("ZS-000201", "CN-77")
    assert "620LQ" not in own_text(older, "Re: Calls drop")[0]


def test_her_own_forwarded_mail_gives_her_name_and_company():
    text = (
        "See my mail below, still happening.\n\n"
        "---------- Forwarded message ---------\n"
        "From: Dana <dana.smith@acmedental.example>\n"
        "Date: Mon, Mar 16, 2026 at 8:55 AM\n"
        "Subject: Phones\n\n"
        "Transfers to the lab drop every time.\n\nRegards,\nDana Smith\nAcme Dental\n"
    )
    body, signature, forwarded = own_text(text, "Fwd: Phones")
    item = ScoringInput(
        subject="Fwd: Phones",
        text=body,
        signature=signature,
        forwarded=forwarded,
        attachments=(),
        sender_address="dana.smith@acmedental.example",
        received_at=RECEIVED,
        timezone="America/Denver",
        region="US",
        record=ContactRecord(company="Acme Dental"),
    )
    result = score_input(item, count_record=False)
    assert "contact_name" not in result.missing
    assert "company" not in result.missing
    other = item.__class__(**{**item.__dict__, "sender_address": "lee@acmedental.example"})
    assert "company" in score_input(other, count_record=False).missing


@pytest.mark.parametrize(
    ("subject", "text"),
    [
        ("Phones reboot", "All desk phones reboot every hour."),
        ("Transfer", "Blind transfers to 230 go to voicemail."),
        ("Greeting", "The main greeting plays the old message."),
    ],
)
def test_a_terse_report_naming_what_a_part_does_wrong_has_a_description(subject, text):
    assert "description" not in score(text, subject=subject).missing


def test_a_terse_vague_mail_has_no_description():
    assert "description" in score("Phone problem, please call me.", subject="Phones").missing
