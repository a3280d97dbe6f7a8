"""SLA: the contract's time promises, measured on each client's business calendar.

Pure code only (no database, no wall clock): ``calendar`` knows when a client's desk is open,
``clocks`` turns the contract's target times into due instants. The daemon's scheduler and the
reports call these with instants they read from the database and a clock they are given.
"""

from __future__ import annotations

from zsupport_mail.sla.calendar import DEFAULT_HOURS, BusinessCalendar, Window
from zsupport_mail.sla.clocks import (
    DEFAULT_POLICY,
    AutoCloseSchedule,
    Deadline,
    Interval,
    Measure,
    SlaPolicy,
    auto_close_schedule,
    counted_time,
    deadline,
    due_at,
    outage_notice_complies,
    outage_notice_deadline,
    response_deadline,
    restoration_deadline,
)

__all__ = [
    "DEFAULT_HOURS",
    "DEFAULT_POLICY",
    "AutoCloseSchedule",
    "BusinessCalendar",
    "Deadline",
    "Interval",
    "Measure",
    "SlaPolicy",
    "Window",
    "auto_close_schedule",
    "counted_time",
    "deadline",
    "due_at",
    "outage_notice_complies",
    "outage_notice_deadline",
    "response_deadline",
    "restoration_deadline",
]
