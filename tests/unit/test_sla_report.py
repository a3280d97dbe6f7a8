"""Monthly SLA report and restoration credits (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from zsupport_mail.sla.report import TicketClock, credits, month_bounds, monthly_report

NOV = datetime(2026, 11, 10, 15, 0, tzinfo=UTC)


def clock(number="ZS-000001", **values) -> TicketClock:
    base = {
        "number": number,
        "client": "Acme Dental",
        "monthly_fee": Decimal("720"),
        "created_at": NOV,
        "started_at": NOV,
        "response_due_at": NOV + timedelta(hours=2),
        "first_response_at": NOV + timedelta(hours=1),
        "critical": True,
        "restoration_due_at": NOV + timedelta(hours=4),
        "restored_at": NOV + timedelta(hours=10),
        "affected_portion": Decimal("1.0"),
        "credit_requested": False,
    }
    base.update(values)
    return TicketClock(**base)


def test_month_bounds():
    assert month_bounds("2026-11") == (
        datetime(2026, 11, 1, tzinfo=UTC),
        datetime(2026, 12, 1, tzinfo=UTC),
    )


def test_credit_is_prorated_fee_times_portion_times_hours_past_due():
    # 6 hours past due in a 720-hour month, fee 720, half the system affected: 3.00
    [credit] = credits(
        [clock(affected_portion=Decimal("0.5"), credit_requested=True)],
        "2026-11",
        now=NOV + timedelta(days=30),
    )
    assert (credit.hours_past_due, credit.amount, credit.requested) == (
        Decimal("6.00"),
        Decimal("3.00"),
        True,
    )


def test_restoration_met_or_not_critical_earns_no_credit():
    tickets = [clock(restored_at=NOV + timedelta(hours=3)), clock(critical=False)]
    assert credits(tickets, "2026-11", now=NOV + timedelta(days=1)) == []


def test_unrestored_ticket_counts_until_now_and_only_inside_the_month():
    late = clock(restoration_due_at=datetime(2026, 11, 30, 22, 0, tzinfo=UTC), restored_at=None)
    [credit] = credits([late], "2026-11", now=datetime(2026, 12, 2, tzinfo=UTC))
    assert credit.hours_past_due == Decimal("2.00")  # 22:00 to midnight on 30 November


def test_monthly_report_counts_met_and_missed():
    tickets = [
        clock("ZS-1"),  # response met, restoration missed
        clock(
            "ZS-2", first_response_at=NOV + timedelta(hours=3), restored_at=NOV + timedelta(hours=2)
        ),  # response missed, restoration met
        clock("ZS-3", created_at=NOV - timedelta(days=20)),  # October: not in the report
    ]
    [row] = monthly_report(tickets, "2026-11", now=NOV + timedelta(days=1))
    assert row == {
        "client": "Acme Dental",
        "tickets": 2,
        "responses_met": 1,
        "responses_missed": 1,
        "restorations_met": 1,
        "restorations_missed": 1,
        "median_response_hours": 2.0,
        "median_restoration_hours": 6.0,
    }
