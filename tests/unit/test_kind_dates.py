"""intake/dates.py: the day a scheduling request asks for, and the days a credit request names."""

from __future__ import annotations

from datetime import date

import pytest

from zsupport_mail.intake.dates import past_days, requested_day

THU_19_MAR = date(2026, 3, 19)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("We're replacing the firewall next Tuesday evening.", date(2026, 3, 24)),
        ("Can we get on a call this Friday?", date(2026, 3, 20)),
        ("Moving the voice VLAN on Saturday the 28th in the morning.", date(2026, 3, 28)),
        (
            "Tuesday April 14 at 1 pm would be ideal; the Thursday after also works.",
            date(2026, 4, 14),
        ),
        ("Passt Ihnen Dienstag, der 14. April 2026, um 10:00 Uhr?", date(2026, 4, 14)),
        ("¿Podemos agendar una capacitación el jueves 26 de marzo?", date(2026, 3, 26)),
        ("cutover on 2026-04-02 between 7 and 9 am", date(2026, 4, 2)),
        ("a kick-off call sometime in the week of 20 April", None),
        ("Whenever works for you, no rush.", None),
        ("Ping 10.40.0.1 and MX 17.0.12 are no dates.", None),
    ],
)
def test_requested_day(text, day):
    assert requested_day(text, THU_19_MAR) == day


def test_past_days_resolve_backwards_from_the_mail():
    text = "We were down on February 9 and AGAIN on the 11th; yesterday it was fine."
    assert past_days(text, date(2026, 2, 16)) == [
        date(2026, 2, 9),
        date(2026, 2, 11),
        date(2026, 2, 15),
    ]
    # A day without a year that lies ahead of the mail is last year's.
    assert past_days("the outage on 30 December", date(2026, 1, 5)) == [date(2025, 12, 30)]
