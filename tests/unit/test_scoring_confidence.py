"""Confidence, plausible findings, the serial register and quoted history, on small texts.

The wordings are the styles issue 16 lists (made-up values): each test pins one behaviour.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest

from tests.helpers import BASE_CONFIG, config_dict, to_toml
from zsupport_mail.mail.text import html_to_text
from zsupport_mail.scoring import merge, score_input
from zsupport_mail.scoring.summary import captured
from zsupport_mail.scoring.text import own_text, parse_form
from zsupport_mail.scoring.types import ContactRecord, ScoringInput
from zsupport_mail.settings import ConfigError, load_settings

RECEIVED = datetime(2026, 3, 17, 16, 0, tzinfo=UTC)


def score(text: str, subject: str = "Phones drop calls", **extra):
    body, signature, forwarded = own_text(text, subject)
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
        **extra,
    )
    return score_input(item, count_record=False)


def found(result, key: str, confidence: str = "high") -> list[str]:
    return [e.value for e in result.results[key].evidence if e.confidence == confidence]


@pytest.mark.parametrize(
    ("text", "board", "appliance"),
    [
        ("Board SN# 4C10M, Appliance SN# 4C11M", ["4C10M"], ["4C11M"]),
        ("| Board serial | 4C10M |\n| Appliance serial | 4C11M |", ["4C10M"], ["4C11M"]),
        ("- Board: 4C10M\n- Appliance: 4C11M", ["4C10M"], ["4C11M"]),
        ("unit serial 4C11M, board serial 4C10M", ["4C10M"], ["4C11M"]),
        ("Board serial - 4C10M\nAppliance serial - 4C11M", ["4C10M"], ["4C11M"]),
        ("número de serie de la placa: 4C10M, del equipo: 4C11M", ["4C10M"], []),
    ],
)
def test_serials_in_any_layout_are_read_with_their_role(text, board, appliance):
    result = score(text)
    assert found(result, "board_serial") == board
    assert found(result, "appliance_serial")[: len(appliance)] == appliance


@pytest.mark.parametrize(
    ("text", "subject", "ticket"),
    [
        ("I've logged it on our side as NET-2231.", "Phones", "NET-2231"),
        ("Ticket # here: 77120", "Phones", "77120"),
        ("our ref INC0098765", "Phones", "INC0098765"),
        ("Calls drop.", "[Ticket #55012] Phones drop", "55012"),
        ("tracked internally under SUP-1182", "Phones", "SUP-1182"),
    ],
)
def test_internal_tickets_after_a_label_a_filing_verb_or_in_the_subject(text, subject, ticket):
    assert found(score(text, subject), "internal_ticket") == [ticket]


def test_our_own_tag_is_never_the_clients_ticket():
    result = score("Internal ticket: none yet", "RE: [Z-Support #ZS-000123] Phones drop")
    assert result.results["internal_ticket"].evidence == ()


def test_a_version_without_product_word_is_a_guess_to_confirm():
    result = score("Phones drop all day. we're on 17.0.4 patch 17102 i think")
    assert found(result, "software_version", "low") == ["17.0.4 patch 17102"]
    assert "software_version" not in result.missing
    assert "software_version" in result.to_confirm


def test_a_version_with_its_patch_in_parentheses_is_read_whole():
    assert found(score("Version: 17.0.4 (patch 17102)"), "software_version") == [
        "MX 17.0.4 patch 17102"
    ]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("No, maybe a quarter of the calls.", "sometimes"),
        ("It happens on every single inbound call.", "yes"),
        ("Das passiert ab und an, nicht immer.", "sometimes"),
        ("Pasa de vez en cuando.", "sometimes"),
    ],
)
def test_recurrence_wording_is_a_plausible_reproducibility(text, value):
    result = score(text)
    assert "reproducible" not in result.missing
    assert result.results["reproducible"].evidence[0].value == value


def test_nothing_plausible_means_missing_and_charged():
    result = score("Please call me back about the phones.")
    assert {"board_serial", "software_version", "reproducible", "call_examples"} <= set(
        result.missing
    )


def test_a_guess_is_echoed_with_its_source_and_a_certain_reading_is_not():
    result = score("S/N 4C10M on the back.\n\nAppliance serial: 4C11M")
    rows = dict(captured(result))
    assert rows["Board serial number"] == (
        '4C10M (we read "S/N 4C10M"; please tell us if that is wrong)'
    )
    assert rows["Appliance serial number"] == "4C11M"


def test_a_certain_reading_in_a_later_mail_replaces_the_guess():
    first = score("S/N 4C10M on the back.")
    second = score("Board serial: 4C10M")
    merged = merge(first.state_json(), second)
    assert [(e.value, e.confidence) for e in merged.results["board_serial"].evidence] == [
        ("4C10M", "high")
    ]
    assert merged.state_json()["found"]["board_serial"][0]["confidence"] == "high"


def test_inline_answers_count_and_the_quoted_older_thread_does_not():
    text = (
        "Answers below.\n\n"
        "On Mon, Mar 16, 2026 at 9:00 AM Z-Support <support@zsupport.example> wrote:\n"
        "> We still need:\n"
        "> Board serial number:\n\n"
        "4C10M\n\n"
        "> Your internal ticket number?\n"
        "Logged it as NET-2231.\n\n"
        "> > On Fri, Mar 13 Lee wrote:\n"
        "> > Lakewood appliance serial 7140M\n\n"
        "Dana\n"
    )
    result = score(text, "RE: [Z-Support #ZS-000123] Phones drop")
    assert found(result, "board_serial") == ["4C10M"]
    assert found(result, "internal_ticket") == ["NET-2231"]
    assert result.results["appliance_serial"].evidence == ()


def test_an_outlook_forward_without_marker_line_is_the_forwarded_report():
    text = (
        "Please see below.\n\nDana\n\n"
        "From: Tom Becker <tom@acmedental.example>\n"
        "Sent: Monday, March 16, 2026 9:12 AM\n"
        "Subject: Phones\n\n"
        "Board serial 4C10M, appliance serial 4C11M.\n"
    )
    body, _, forwarded = own_text(text, "FW: Phones")
    assert "4C10M" in forwarded
    assert "4C10M" not in body
    assert found(score(text, "FW: Phones"), "board_serial") == ["4C10M"]


@pytest.mark.parametrize(
    "html",
    [
        '<div>See below</div><div class="gmail_quote"><div>On Mon Dana wrote:</div>'
        '<blockquote class="gmail_quote">Board serial 4C10M</blockquote></div>',
        '<div>See below</div><blockquote type="cite"><div>Board serial 4C10M</div></blockquote>',
    ],
)
def test_html_quote_markup_becomes_quoted_lines(html):
    text = html_to_text(html)
    assert "> Board serial 4C10M" in text
    assert score(text, "Re: Phones").results["board_serial"].evidence == ()


def register(**extra):
    return {
        "known_serials": {"620LQ": "board", "711KR": "board", "6326V": "appliance"},
        "register_counts": True,
        **extra,
    }


def test_the_register_furnishes_a_role_with_one_serial_only():
    result = score("Every external call drops.", **register())
    assert result.results["appliance_serial"].evidence[0].origin == "register"
    assert "board_serial" in result.missing  # two boards: which one is unknown


def test_the_register_furnishes_the_serials_of_a_named_site():
    result = score(
        "At Lakewood every external call drops.",
        **register(register_sites=(("Lakewood", ("711KR",)),)),
    )
    assert [e.value for e in result.results["board_serial"].evidence] == ["711KR"]


def test_a_site_serial_must_be_in_the_register(tmp_path):
    clients = copy.deepcopy(BASE_CONFIG["clients"])
    clients[0].update(board_serials=["620LQ"], sites={"Lakewood": ["711KR"]})
    path = tmp_path / "config.toml"
    path.write_text(to_toml(config_dict("sqlite:///x.db", tmp_path, clients=clients)))
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    assert any(
        "clients[0].sites.Lakewood: serials ['711KR'] are not in board_serials" in p
        for p in info.value.problems
    )


def _with_record(text: str, count_record: bool):
    body, signature, forwarded = own_text(text, "Faxe kommen nicht an")
    item = ScoringInput(
        subject="Faxe kommen nicht an",
        text=body,
        signature=signature,
        forwarded=forwarded,
        attachments=(),
        sender_address="jana@mueller-logistik.example",
        received_at=RECEIVED,
        timezone="Europe/Berlin",
        region="DE",
        record=ContactRecord(company="Müller Logistik GmbH"),
        form=parse_form(f"{body}\n{forwarded}"),
    )
    return score_input(item, count_record=count_record)


def test_when_the_record_does_not_count_the_company_named_in_the_mail_still_does():
    named = "Faxe kommen manchmal nicht an.\n\nGrüße aus Augsburg\nJana Müller, Müller Logistik"
    assert "company" not in _with_record(named, count_record=False).missing
    assert found(_with_record(named, count_record=False), "company", "low") == [
        "Müller Logistik GmbH"
    ]
    # her surname alone is no company, and with the record counted nothing is guessed
    surname = "Faxe kommen manchmal nicht an.\n\nGrüße\nJana Müller\nTel. +49 89 5550 1234"
    assert "company" in _with_record(surname, count_record=False).missing
    assert found(_with_record(named, count_record=True), "company", "low") == []


@pytest.mark.parametrize(
    ("text", "key", "value"),
    [
        ("Internal no. 4471", "internal_ticket", "4471"),
        ("Unsere Nummer: 4471", "internal_ticket", "4471"),
        ("We're on 17.0.4, I think.", "software_version", "on 17.0.4"),
        ("Softwarestand 17.0.8", "software_version", "Softwarestand 17.0.8"),
        ("My number is 303-555-0142 if you need me.", "contact_phone", "+13035550142"),
        ("It keeps dropping calls.", "reproducible", "sometimes"),
        ("Das Telefon verliert dauernd Gespräche.", "reproducible", "sometimes"),
        ("It fails about 50 percent of the time.", "reproducible", "sometimes"),
        ("Ça coupe à tous les coups.", "reproducible", "sometimes"),
        (
            "Reach me at dana.smith@acmedental.example",
            "contact_email",
            "dana.smith@acmedental.example",
        ),
    ],
)
def test_more_plausible_wordings_are_echoed_not_charged(text, key, value):
    result = score(f"Phones at the front desk drop calls.\n\n{text}")
    assert found(result, key, "low") == [value]
    assert key not in result.missing


@pytest.mark.parametrize(
    "text",
    [
        "Example: 3/16 10:05 AM, ext: 2045 to 303-555-0199",
        "Ejemplo: 16/03 a las 10:05, anexo 2045 a 303-555-0199",
        "Beispiel: 16.03. um 10:05 Uhr, Nst. 2045 an 303-555-0199",
    ],
)
def test_extension_words_and_day_first_dates_in_call_examples(text):
    assert found(score(f"Calls drop.\n\n{text}"), "call_examples") == [
        "2026-03-16 10:05, from ext 2045 to +13035550199"
    ]


def test_a_dotted_date_without_year_is_day_and_month():
    # dateutil alone read "16.02 10:05" as the 16th of the received month (March here)
    text = "Calls drop.\n\nBeispiel: 16.02. um 10:05 Uhr, Nst. 2045 an 303-555-0199"
    assert found(score(text), "call_examples") == [
        "2026-02-16 10:05, from ext 2045 to +13035550199"
    ]


@pytest.mark.parametrize("date", ["", "03/17", "3/7", "12/31/2025", "2026-03-17", "2/29"])
@pytest.mark.parametrize("time", ["10:05", "9:05 AM", "12:30 PM", "12:05 am", "5pm", "10:02:11"])
def test_numeric_dates_and_times_read_as_dateutil_reads_them(date, time):
    from dateutil import parser

    from zsupport_mail.scoring.extractors.when import _numeric_when

    default = datetime(2024, 2, 29)
    text = f"{date} {time}".strip()
    assert _numeric_when(text, default, False) == parser.parse(text, default=default)


def test_a_bracketed_key_in_the_subject_is_a_plausible_ticket():
    result = score("Phones at the front desk drop calls.", subject="[OPS-1212] Phones drop calls")
    assert found(result, "internal_ticket", "low") == ["OPS-1212"]
    ours = score("Phones drop calls.", subject="Re: [Z-Support #ZS-000123] Phones drop calls")
    assert "internal_ticket" in ours.missing


@pytest.mark.parametrize("company", ["Initech B.V.", "Initech Pty Ltd", "Initech PLC"])
def test_a_sign_off_line_ending_in_a_legal_form_is_a_plausible_company(company):
    body, signature, forwarded = own_text(f"Phones drop calls.\n\nPat\n{company}", "Calls drop")
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
        form={},
    )
    assert found(score_input(item, count_record=False), "company", "low") == [company]
