"""The period a temporary contact-change notice names (intake/notice_period.py), read in
English, German, Spanish and French, with and without a year, and "until Friday"."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from zsupport_mail.intake.notice_period import NoticePeriod, read_period, sounds_temporary

WRITTEN = date(2026, 1, 28)  # a Wednesday


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("While Dana is on leave until 15 March, please treat Lee as our primary.", None, (3, 15)),
        ("Carl covers as backup from Monday 2 Feb to Friday 13 Feb.", (2, 2), (2, 13)),
        ("From 2 February 2026 until 13 February 2026 Carl is our backup.", (2, 2), (2, 13)),
        ("Lee is our primary until Friday.", None, (1, 30)),
        ("Bis 31.03. ist Herr Bauer unser Ansprechpartner.", None, (3, 31)),
        ("Vom 2.2. bis 13.2.2026 ist Carl Bauer unsere Vertretung.", (2, 2), (2, 13)),
        ("Mientras Ana esté de baja, hasta el 20 de abril, Luis es el principal.", None, (4, 20)),
        ("Del 2 de febrero al 13 de febrero Luis es el respaldo.", (2, 2), (2, 13)),
        ("Jusqu'au 15 mars, Marie est notre contact principal.", None, (3, 15)),
        ("Please treat me as primary. Dana goes back to primary on June 8.", None, (6, 7)),
        ("Ab 1. Juli übernehme ich wieder; bis dahin ist Tobias Klein Vertretung.", None, (6, 30)),
    ],
)
def test_a_temporary_notice_is_read_with_its_start_and_end(text, start, end):
    period = read_period(text, WRITTEN)

    assert period is not None
    assert period.start == (date(2026, *start) if start else None)
    assert period.end == date(2026, *end)


def test_a_date_without_a_year_that_has_passed_this_year_is_next_years():
    period = read_period("Bis 15.01. ist Carl Bauer unser Ansprechpartner.", date(2026, 11, 20))

    assert period is not None
    assert period.end == date(2027, 1, 15)


@pytest.mark.parametrize(
    "text",
    [
        "Please make Pat our backup instead of Lee.",
        "Lee Jones has left the company; Pat is our primary from now on.",
        "Ab sofort ist Herr Bauer unser Ansprechpartner.",
    ],
)
def test_a_lasting_change_names_no_period(text):
    assert read_period(text, WRITTEN) is None


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Mientras Ana esté de baja, Luis es el contacto principal.", "Mientras"),
        ("While Dana is away, please treat Lee as our primary.", "While"),
        ("Pendant mon congé, Marie est notre contact principal.", "Pendant"),
    ],
)
def test_a_temporary_notice_without_an_end_is_noticed(text, words):
    assert read_period(text, WRITTEN) is None
    assert sounds_temporary(text) == words


def test_a_lasting_notice_does_not_sound_temporary():
    assert sounds_temporary("Please make Pat our backup instead of Lee.") is None


def test_the_period_ends_at_midnight_after_its_last_day_in_the_clients_zone():
    period = NoticePeriod(date(2026, 2, 2), date(2026, 2, 13), "")
    received = datetime(2026, 1, 28, 15, 0, tzinfo=UTC)

    start, end = period.bounds("America/New_York", received)

    assert start == datetime(2026, 2, 2, 5, 0, tzinfo=UTC)
    assert end == datetime(2026, 2, 14, 5, 0, tzinfo=UTC)
    assert (
        period.describe() == "from Monday 2 February 2026 until Friday 13 February 2026 inclusive"
    )


def test_a_start_already_reached_means_at_once():
    received = datetime(2026, 1, 28, 15, 0, tzinfo=UTC)
    period = NoticePeriod(date(2026, 1, 20), date(2026, 2, 13), "")

    assert period.bounds("Europe/Berlin", received)[0] == received
