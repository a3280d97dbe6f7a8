"""Issue 16's layouts, one behaviour each: tables, call-party lines, typed-in notices, bullet
lists, call-example wordings and serial labels (the tuned set 2 holds whole mails of each)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from zsupport_mail.mail.text import html_to_text
from zsupport_mail.scoring import score_input
from zsupport_mail.scoring.tables import relabel
from zsupport_mail.scoring.text import own_text, parse_form, split_reply
from zsupport_mail.scoring.types import ContactRecord, ScoringInput

RECEIVED = datetime(2026, 3, 18, 15, 0, tzinfo=UTC)  # Wednesday 09:00 in Denver
SIGN_OFF = "\n\nThanks,\nDana Smith\nAcme Dental\nTel. (303) 555-0142\n"


def score(text: str, subject: str = "Calls drop"):
    body, signature, forwarded = own_text(text, subject)
    body, forwarded = relabel(body), relabel(forwarded)
    item = ScoringInput(
        subject=subject,
        text=body,
        signature=signature,
        forwarded=forwarded,
        attachments=(),
        sender_address="dana@acmedental.example",
        received_at=RECEIVED,
        timezone="America/Denver",
        region="US",
        record=ContactRecord(),
        form=parse_form(f"{body}\n{forwarded}"),
    )
    return score_input(item, count_record=False)


def high(result, key: str) -> list[str]:
    return [e.value for e in result.results[key].evidence if e.confidence == "high"]


def test_a_header_row_table_gives_each_value_its_column_label():
    table = "| Board SN | Appliance SN |\n|---|---|\n| 620LQ | 6326V |\n\nThe calls drop."
    result = score(table)
    assert (high(result, "board_serial"), high(result, "appliance_serial")) == (
        ["620LQ"],
        ["6326V"],
    )


def test_a_call_list_table_is_not_relabelled():
    table = "| Date | From | To |\n| 03/17/2026 10:05 AM | 720-555-0111 | ext 2045 |"
    assert relabel(table) == table


def test_html_header_tables_keep_their_columns_and_other_tables_do_not_change():
    header = (
        "<table><tr><th>Board SN</th><th>Appliance SN</th></tr>"
        "<tr><td>620LQ</td><td>6326V</td></tr></table>"
    )
    plain = "<table><tr><td>Tel:</td><td>303-555-0142</td></tr></table>"
    assert html_to_text(header) == "Board SN | Appliance SN\n\n620LQ | 6326V"
    assert html_to_text(plain) == "Tel: 303-555-0142"


def test_a_call_party_block_is_not_a_quoted_header():
    text = (
        "Calls to the lab get dead air, every time.\n\nDate: 03/17/2026 4:40 PM\n"
        "From: ext 204\nTo: 303-555-0199\n\nBoard serial: 711KR" + SIGN_OFF
    )
    body, _signature = split_reply(text)
    assert "Board serial: 711KR" in body
    assert "From: ext 204" in body  # the colon is back as she wrote it
    result = score(text)
    assert high(result, "call_examples") == ["2026-03-17 16:40, from ext 204 to +13035550199"]
    assert high(result, "contact_phone") == ["+13035550142"]


NOTICE_REPLY = """Hi, answers below.
Dana

From: Z-Support <support@zsupport.example>
Sent: Wednesday, March 18, 2026 9:02 AM
Subject: [Z-Support #ZS-000201] Calls drop

We have opened ticket ZS-000201 for Acme Dental:
Board serial number: 620LQ
Appliance serial number:
6326V
Your internal ticket number: INC0012399
What we already have:
Contact phone number: +1 303 555 0100
Board serial number: 711KR
--
Z-Support
Phone: (303) 957-2884
"""


def test_answers_typed_into_our_quoted_notice_count_and_the_rest_of_it_does_not():
    result = score(NOTICE_REPLY, "RE: [Z-Support #ZS-000201] Calls drop")
    assert high(result, "board_serial") == ["620LQ"]
    assert high(result, "appliance_serial") == ["6326V"]
    assert high(result, "internal_ticket") == ["INC0012399"]
    assert result.results["contact_phone"].evidence == ()


def test_values_in_someone_elses_quoted_mail_are_history():
    other = NOTICE_REPLY.replace("Z-Support", "Stefan Kraus").replace("ZS-000201", "a case")
    result = score(other, "RE: Calls drop")
    assert result.results["board_serial"].evidence == ()


def test_a_bulleted_list_does_not_end_the_senders_text():
    text = (
        "Hi,\n\n- Board SN: 620LQ\n- Appliance SN: 6326V\n\nSince Monday calls to the main "
        "number drop after thirty seconds, every time, for every caller." + SIGN_OFF
    )
    result = score(text)
    assert high(result, "reproducible") == ["yes"]
    assert high(result, "description")


def test_our_notice_under_an_unknown_attribution_is_not_her_signature():
    text = (
        "Board serial is 620LQ, appliance 6326V.\n\n- Dana\n\nZ-Support wrote:\n"
        "We have opened ticket ZS-000215 for Acme Dental.\n    - Board serial number\n"
        "--\nZ-Support\nPhone: (303) 957-2884\n"
    )
    result = score(text, "RE: [Z-Support #ZS-000215] Calls drop")
    assert result.results["contact_phone"].evidence == ()
    assert result.results["company"].evidence == ()


CALL = "{}, from {} to {}"


@pytest.mark.parametrize(
    ("sentence", "example"),
    [
        (
            "Mar 17, 2:15 PM: 720.555.0111 -> ext 2045",
            CALL.format("2026-03-17 14:15", "+17205550111", "ext 2045"),
        ),
        (
            "At 9:30 AM on March 16 ext. 2001 dialed (303) 555-0199.",
            CALL.format("2026-03-16 09:30", "ext 2001", "+13035550199"),
        ),
        (
            "3/17 10:05a from 2045 to 303-555-0199",
            CALL.format("2026-03-17 10:05", "ext 2045", "+13035550199"),
        ),
        (
            "Today at 3:40 this afternoon, ext 204 to 303-555-0199.",
            CALL.format("2026-03-18 15:40", "ext 204", "+13035550199"),
        ),
        (
            "2026-03-17T14:15 from 773-555-0123 to 303-555-0150",
            CALL.format("2026-03-17 14:15", "+17735550123", "+13035550150"),
        ),
        (
            "On the 16th at 4:05 pm, 847-555-0190 called 303-555-0150.",
            CALL.format("2026-03-16 16:05", "+18475550190", "+13035550150"),
        ),
    ],
)
def test_call_examples_in_more_wordings(sentence, example):
    assert high(score(f"Calls to the lab drop.\n\n{sentence}"), "call_examples") == [example]


@pytest.mark.parametrize(
    ("text", "board", "appliance"),
    [
        ("Serial numbers:\n  Board ........ 620LQ\n  Appliance .... 6326V", "620LQ", "6326V"),
        ("SN (board / appliance): 620LQ / 6326V", "620LQ", "6326V"),
        ("Board and appliance serials are 620LQ and 6326V.", "620LQ", "6326V"),
        ("N.º de serie placa base: 620LQ\nN.º de serie equipo: 6326V", "620LQ", "6326V"),
        ("N° de série carte mère : 620LQ\nN° de série boîtier : 6326V", "620LQ", "6326V"),
        ("Lakewood system: S/N 711KR (board) and S/N 7140M (appliance)", "711KR", "7140M"),
        ("Seriennummer des Geräts: 6326V", None, "6326V"),
        ("\u2022 Board \u2013 620LQ\n\u2022 Appliance \u2013 6326V", "620LQ", "6326V"),
        ("board_sn = 620LQ\nappliance_sn = 6326V", "620LQ", "6326V"),
        ("Serial numbers\nboard:\n620LQ\nappliance:\n6326V", "620LQ", "6326V"),
        ("Seriennummer der Karte: 620LQ\nSeriennummer der Appliance: 6326V", "620LQ", "6326V"),
        ("Placa (número de serie): 620LQ\nEquipo (número de serie): 6326V", "620LQ", "6326V"),
        ("Unit serial (from the sticker): 6326V", None, "6326V"),
        ("Die Appliance-Seriennummer in München ist 6326V.", None, "6326V"),
        ("Board-Nr.: 620LQ, Gerätenummer 6326V", "620LQ", "6326V"),
        ("board number: 620LQ\nappliance ID: 6326V", "620LQ", "6326V"),
    ],
)
def test_serial_labels_and_layouts(text, board, appliance):
    result = score(f"Calls drop.\n\n{text}")
    assert high(result, "board_serial") == ([board] if board else [])
    assert high(result, "appliance_serial") == [appliance]


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("It happens most mornings.", "sometimes"),
        ("Pasa a menudo.", "sometimes"),
        ("Ça arrive fréquemment.", "sometimes"),
        ("It happens on and off.", "sometimes"),
    ],
)
def test_recurrence_wordings(text, answer):
    assert high(score(f"Calls to the lab drop.\n\n{text}"), "reproducible") == [answer]


COMMENTED = """See below.

On 3/24/26 8:02 AM, Z-Support wrote:
> Thank you for your report.
Our system: board 4402B, appliance 4471X.
> We will continue with your case as soon as we have the details.
Thanks.
> --
> Z-Support
> Phone: (303) 957-2884

Hank
"""


def test_a_value_under_a_quoted_statement_is_hers_and_the_quote_is_not():
    result = score(COMMENTED, "Re: [Z-Support #ZS-000230] Paging zone 2 silent")
    assert high(result, "board_serial") == ["4402B"]
    assert high(result, "appliance_serial") == ["4471X"]
    assert result.results["contact_phone"].evidence == ()  # our phone, quoted after "> --"


def test_a_comment_without_a_value_under_a_quoted_statement_adds_nothing():
    body, _signature = split_reply(COMMENTED.replace("board 4402B, appliance 4471X", "the usual"))
    assert "usual" not in body


@pytest.mark.parametrize(
    ("text", "version"),
    [
        ("MX version is 17.0.6 patch 17118.", "MX 17.0.6 patch 17118"),
        ("MX version - 17.0.8 patch 17140", "MX 17.0.8 patch 17140"),
        ("MX there is 17.0.6 patch 17118.", "MX 17.0.6 patch 17118"),
        ("We're running the latest MX 17 build (17.0.6).", "MX 17.0.6"),
        ("MX software 16.0.5.16131.", "MX 16.0.5.16131"),
    ],
)
def test_version_wordings(text, version):
    assert high(score(f"Calls to the lab drop.\n\n{text}"), "software_version") == [version]


@pytest.mark.parametrize(
    ("text", "ticket"),
    [
        ("Jira OPS-1212 on our side.", "OPS-1212"),
        ("Jira: OPS-1212", "OPS-1212"),
        ("Zendesk #4410", "4410"),
    ],
)
def test_a_trackers_name_labels_its_ticket(text, ticket):
    assert high(score(f"Calls to the lab drop.\n\n{text}"), "internal_ticket") == [ticket]


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("Das passiert jedesmal.", "yes"),
        ("Wir können es jederzeit nachstellen.", "yes"),
        ("Bisher ist das nur dieses eine Mal passiert.", "no"),
        ("Wir können es nicht gezielt auslösen.", "no"),
        ("Impossible à reproduire, c'est arrivé une seule fois.", "no"),
        ("El problema es intermitente.", "sometimes"),
        ("Nicht bei allen, vielleicht jedes dritte Gespräch.", "sometimes"),
        ("It happens every evening.", "yes"),
        ("Can you reproduce it: yes, every hold", "yes"),
        ("Reproducible? no, it happened once", "no"),
    ],
)
def test_recurrence_wordings_in_four_languages(text, answer):
    assert high(score(f"Calls to the lab drop.\n\n{text}"), "reproducible") == [answer]


LISTED = [
    "2026-03-13 10:02, from ext 508 to +13035550188",
    "2026-03-18 08:15, from ext 502 to +13035550175",
]


@pytest.mark.parametrize(
    "calls",
    [
        "Calls:\n1. Fri 03/13 10:02 - ext 508 to 303-555-0188\n"
        "2. today 8:15 AM - ext 502 to 303-555-0175",
        "Two calls:\n* 3/13 10:02 AM - ext 508 -> 303-555-0188\n"
        "* 3/18 8:15 AM - ext 502 -> 303-555-0175",
        "Beispiele:\n13.03.2026 10:02 ext 508 -> 303-555-0188\n"
        "18.03.2026 08:15 ext 502 -> 303-555-0175\nViele Grüße\nDana",
    ],
)
def test_a_list_of_calls_is_one_example_an_item(calls):
    assert high(score(f"Calls to the lab drop.\n\n{calls}"), "call_examples") == LISTED


def test_a_route_named_after_is_and_an_ip_ending_a_sentence_are_notes():
    assert high(score('Calls fail.\n\nOutbound route for it is "Boulder-SIP".'), "notes")
    assert high(score("Calls fail.\n\nDer NTP-Server ist 192.168.1.5."), "notes")


def test_a_number_calling_an_extension_is_the_caller():
    text = (
        "The caller can't hear me. Last one was 11:15 this morning, 303-555-0112 calling ext 201."
    )
    assert high(score(text), "call_examples") == ["2026-03-18 11:15, from +13035550112 to ext 201"]
    table = "Calling: 303-555-0112, called: ext 201, at 11:15 today."
    assert high(score(table), "call_examples") == ["2026-03-18 11:15, from +13035550112 to ext 201"]


def test_an_answer_that_gives_no_serial_is_no_serial():
    text = "Board serial number: 620LQ\nAppliance serial number: don't know, the sticker is gone"
    result = score(text)
    assert high(result, "appliance_serial") == []
    assert "appliance_serial" in result.missing


def test_a_ticket_key_or_version_under_a_quoted_statement_is_hers():
    text = COMMENTED.replace("Our system: board 4402B, appliance 4471X.", "Logged as NET-2231.")
    assert high(score(text, "Re: [Z-Support #ZS-000230] Paging"), "internal_ticket") == ["NET-2231"]
    text = COMMENTED.replace("Our system: board 4402B, appliance 4471X.", "We run MX 17.0.6.")
    assert high(score(text, "Re: [Z-Support #ZS-000230] Paging"), "software_version") == [
        "MX 17.0.6"
    ]
