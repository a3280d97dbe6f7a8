"""Directory.as_of: the intake's view of who was authorised at a message's received time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from zsupport_mail.contacts.periods import RECORD_START, Period
from zsupport_mail.intake.directory import Directory
from zsupport_mail.intake.types import ClientRef, ContactRef

ACME = ClientRef(1, "Acme Dental")
NOTICE = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def period(email: str, role: str, start: datetime, end: datetime | None, source: str) -> Period:
    return Period(
        1, email.split("@")[0], email, None, 1, ACME.name, role, start, end, source, None, None
    )


def directory() -> Directory:
    kim = ContactRef(2, "Kim", "kim@acme.example", "backup", ACME)
    return Directory(
        contacts={},
        domains={"acme.example": ACME},
        staff_addresses=frozenset(),
        staff_domains=frozenset(),
        own_addresses=frozenset(),
        people={"kim@acme.example": kim},  # dana is no longer active
        periods={
            "dana@acme.example": (
                period("dana@acme.example", "primary", RECORD_START, NOTICE, "config"),
            ),
            "kim@acme.example": (
                period("kim@acme.example", "backup", NOTICE, None, "import:c.csv by ops"),
            ),
        },
    )


def test_before_the_notice_the_old_list_applies():
    then = directory().as_of(NOTICE - timedelta(seconds=1))
    dana, kim = then.contact("dana@acme.example"), then.contact("kim@acme.example")
    assert dana is not None
    assert dana.authorized
    assert dana.authorization == (
        "primary contact of Acme Dental since the start of the record, config; "
        "until 2026-03-01 09:00 UTC, ended"
    )
    assert kim is not None
    assert (kim.role, kim.authorized) == ("other", False)  # known now, not authorised then


def test_from_the_notice_on_the_new_list_applies():
    now = directory().as_of(NOTICE)  # half-open: the notice's instant belongs to the new list
    assert now.contact("dana@acme.example") is None  # ended and inactive: known by domain only
    assert now.client_for("dana@acme.example") == ACME
    kim = now.contact("kim@acme.example")
    assert kim is not None
    assert kim.authorized
    assert kim.authorization.startswith("backup contact of Acme Dental since 2026-03-01 09:00 UTC")
