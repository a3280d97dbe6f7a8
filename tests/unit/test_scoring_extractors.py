"""Each extractor on its own, on small texts that pin down one behaviour each."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from zsupport_mail.scoring import score_input
from zsupport_mail.scoring.spans import find_phones
from zsupport_mail.scoring.text import own_text, parse_form
from zsupport_mail.scoring.types import ContactRecord, ScoringInput

RECEIVED = datetime(2026, 3, 16, 17, 0, tzinfo=UTC)  # Monday 11:00 in Denver


def score(
    text: str,
    *,
    subject: str = "Phones",
    signature: str = "",
    record=None,
    attachments=(),
    known=None,
    region="US",
    timezone="America/Denver",
):
    body, sig, forwarded = own_text(text, subject)
    item = ScoringInput(
        subject=subject,
        text=body,
        signature=signature or sig,
        forwarded=forwarded,
        attachments=attachments,
        sender_address="dana@acmedental.example",
        received_at=RECEIVED,
        timezone=timezone,
        region=region,
        record=record or ContactRecord(),
        form=parse_form(body + forwarded),
        known_serials=known or {},
    )
    return score_input(item, count_record=True)


def values(result, key) -> list[str]:
    return [e.value for e in result.results[key].evidence]


@pytest.mark.parametrize(
    ("text", "board", "appliance"),
    [
        ("Board S/N: 620LQ and appliance serial 6326V", ["620LQ"], ["6326V"]),
        ("Serial number of the motherboard is 620LQ; chassis SN 6326V.", ["620LQ"], ["6326V"]),
        ("Board serial: 620LQ", ["620LQ"], []),
        ("Seriennummer Platine: 620LQ, Gerät Seriennummer: 6326V", ["620LQ"], ["6326V"]),
        ("The unit S/N is 6326V", [], ["6326V"]),
    ],
)
def test_serials_take_their_role_from_nearby_words(text, board, appliance):
    result = score(text)
    assert values(result, "board_serial") == board
    assert values(result, "appliance_serial") == appliance


@pytest.mark.parametrize(
    "trap",
    [
        "Board serial: 10.1.2.3",
        "Board SN 00:0E:9F:12:34:56",
        "board serial 03/14/2026",
        "Board S/N (303) 555-0142",
        "board serial MX250",
        "Board serial: 14:05",
    ],
)
def test_numbers_that_are_not_serials_are_never_taken(trap):
    assert values(score(trap), "board_serial") == []


def test_register_of_known_serials_gives_the_role():
    result = score("S/N 7A1B2", known={"7A1B2": "appliance"})
    assert values(result, "appliance_serial") == ["7A1B2"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("We run MX 17.0.10 patch 17161.", ["MX 17.0.10 patch 17161"]),
        (
            "MX version 16.04 patch 16109 and MXIE 17.0.10-2.40",
            ["MX 16.04 patch 16109", "MXIE 17.0.10-2.40"],
        ),
        ("MX-Administrator 17.0.10 crashes", ["MX-Administrator 17.0.10"]),
        ("ZAC 16.0.4 on Windows", ["ZAC 16.0.4"]),
        ("It started after 17.0.10 went in", []),
        ("Router 10.1.2.3 and gateway 192.168.10.20", []),
    ],
)
def test_versions_only_next_to_a_product_word(text, expected):
    assert values(score(text), "software_version") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("It happens every time we call out.", "yes"),
        ("We cannot reproduce it, it happened once.", "no"),
        ("It is intermittent, about 1 in 5 calls.", "sometimes"),
        ("Reproducible: no", "no"),
        ("Es passiert manchmal.", "sometimes"),
        ("The phones drop calls.", None),
    ],
)
def test_reproducibility_is_yes_no_or_sometimes(text, expected):
    found = values(score(text), "reproducible")
    assert found == ([expected] if expected else [])


def test_call_example_with_all_three_parts():
    result = score("On 03/14/2026 at 10:42 AM ext 2045 called 303-555-0199 and it dropped.")
    [example] = values(result, "call_examples")
    assert example == "2026-03-14 10:42, from ext 2045 to +13035550199"


def test_relative_day_is_resolved_from_the_received_time_in_the_clients_zone():
    result = score("Yesterday at 3pm a call from +1 720 555 0111 to ext 2001 dropped.")
    assert values(result, "call_examples") == ["2026-03-15 15:00, from +17205550111 to ext 2001"]


def test_dial_out_prefix_is_removed():
    [hit] = find_phones("dialed 9-1-303-555-0199", "US")
    assert hit.e164 == "+13035550199"


def test_international_prefix_00_is_understood():
    [hit] = find_phones("Tel. 0049 89 5550 1234", "US")
    assert hit.e164 == "+498955501234"


def test_incomplete_call_example_names_the_missing_part():
    result = score("Yesterday ext 2045 called 303-555-0199 and got silence.")
    assert values(result, "call_examples") == []
    assert any("date/time" in part for part in result.results["call_examples"].missing_parts)


def test_call_examples_can_be_declared_not_applicable():
    result = score("Call examples: N/A, this is about voicemail greetings.")
    assert result.results["call_examples"].not_applicable


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Our ticket INC0012345 has the details.", ["INC0012345"]),
        ("Internal ticket: 7781", ["7781"]),
        ("Ref: HD-2026-0042", ["HD-2026-0042"]),
        ("Our ticket #45821", ["45821"]),
        ("Ticket opened 03/14/2026", []),
    ],
)
def test_internal_ticket_numbers(text, expected):
    assert values(score(text), "internal_ticket") == expected


def test_our_own_subject_tag_is_not_the_clients_ticket():
    result = score("More details below.", subject="Re: [Z-Support #ZS-000123] calls drop")
    assert values(result, "internal_ticket") == []


def test_quoted_history_of_others_does_not_count():
    text = (
        "Thanks, see above.\n\nOn Mon, Mar 16, 2026 at 9:00 AM Bob <bob@x.example> wrote:\n"
        "> Board S/N 999ZZ\n> MX 16.04 patch 16109\n"
    )
    result = score(text)
    assert values(result, "board_serial") == []
    assert values(result, "software_version") == []


def test_forwarded_report_counts():
    text = (
        "FYI, see below.\n\n---------- Forwarded message ---------\nFrom: User <u@x>\n"
        "Subject: phones\n\nAppliance serial 6326V, MX 17.0.10 patch 17161\n"
    )
    result = score(text, subject="Fwd: phones")
    assert values(result, "appliance_serial") == ["6326V"]


def test_contact_phone_is_the_senders_not_a_call_party():
    text = (
        "On 03/14/2026 at 10:42 ext 2045 called 303-555-0199.\n\nDana Smith\n"
        "Phone: (303) 555-0142\n"
    )
    assert values(score(text), "contact_phone") == ["+13035550142"]


def test_record_values_are_marked_as_such():
    result = score("hello", record=ContactRecord("Acme Dental", "Dana Smith", "d@x", None))
    assert result.results["company"].evidence[0].origin == "record"


def test_call_log_attachment_and_pasted_lines():
    pasted = (
        "2026-03-14 10:42:13, 2045, 3035550199, 00:00:31, DROPPED\n"
        "2026-03-14 10:47:02, 2045, 3035550188, 00:00:30, DROPPED\n"
    )
    assert values(score(pasted), "call_logs") == ["3 pasted call-log lines"]
    attached = score("see attached", attachments=(("cdr_march.csv", "text/csv"),))
    assert values(attached, "call_logs") == ["cdr_march.csv"]


def test_form_lines_are_recognised_with_certainty():
    form = parse_form("Board serial: 620LQ\nAppliance serial: ...\nInternal ticket: INC77\n")
    assert form == {"board_serial": ["620LQ"], "internal_ticket": ["INC77"]}


def test_form_lines_returned_unchanged_are_not_answers():
    form = parse_form("Reproducible: yes / no / sometimes\nBoard serial: ...\n")
    assert form == {}
