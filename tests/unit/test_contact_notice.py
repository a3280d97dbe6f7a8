"""A contact-change notice read into who becomes primary or backup and who is removed
(intake/contact_notice.py), and the client's new set it gives (contacts/notice.py).

The notices are the tuned intent set's contact changes (tests/fixtures/intent 037-044), each
written differently: a form with labels, a terse line, German prose, a departure, an HTML
table, "instead of", a wrapped paragraph, a newcomer announcing himself.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from zsupport_mail.contacts.notice import read_notice, rows_after_notice
from zsupport_mail.contacts.periods import Period
from zsupport_mail.mail.message import parse_message

INTENT = Path(__file__).resolve().parents[1] / "fixtures" / "intent"
DIRECTORY = {
    "acmedental.example": {
        "dana@acmedental.example": "Dana Smith",
        "lee@acmedental.example": "Lee Jones",
        "pat@acmedental.example": "Pat Reception",
    },
    "globex.example": {"hank@globex.example": "Hank Scorpio"},
    "mueller-logistik.example": {"jana@mueller-logistik.example": "Jana Müller"},
}


def read(name: str) -> list[str]:
    msg = parse_message(next(INTENT.glob(f"{name}_*.eml")).read_bytes())
    return [p.line() for p in read_notice(msg, DIRECTORY[msg.from_addr.partition("@")[2]])]


@pytest.mark.parametrize(
    ("name", "lines"),
    [
        (
            "037",  # form lines "Primary ...: Lee Jones, lee@..."; "I am retiring"
            [
                "+ Lee Jones <lee@acmedental.example> primary",
                "+ Pat Reception <pat@acmedental.example> backup",
                "- Dana Smith <dana@acmedental.example> no longer authorised",
            ],
        ),
        ("038", ["+ Carl Bauer <carl.bauer@globex.example> backup"]),
        (
            "039",  # German: "Herr Tobias Weber (...) als Backup-Ansprechpartner"; "Ich bleibe ..."
            [
                "+ Tobias Weber <tobias.weber@mueller-logistik.example> backup",
                "+ Jana Müller <jana@mueller-logistik.example> primary",
            ],
        ),
        ("040", ["- Lee Jones <lee@acmedental.example> no longer authorised"]),
        (
            "041",  # an HTML table: role, name, address per row
            [
                "+ Hank Scorpio <hank@globex.example> primary",
                "+ Carl Bauer <carl.bauer@globex.example> backup",
                "- Frank Grimes <frank.grimes@globex.example> no longer authorised",
            ],
        ),
        (
            "042",  # "pls make Pat our backup instead of Lee"
            [
                "+ Pat Reception <pat@acmedental.example> backup",
                "- Lee Jones <lee@acmedental.example> no longer authorised",
            ],
        ),
        (
            "043",  # a wrapped line: "... and Pat\nReception as backup"
            [
                "+ Lee Jones <lee@acmedental.example> primary",
                "+ Pat Reception <pat@acmedental.example> backup",
            ],
        ),
        (
            "044",  # "I am replacing Hank Scorpio as your primary ...; Hank stays on as backup"
            [
                "+ Carl Bauer <carl.bauer@globex.example> primary",
                "+ Hank Scorpio <hank@globex.example> backup",
            ],
        ),
    ],
)
def test_each_notice_is_read_person_by_person(name, lines):
    assert read(name) == lines


TUNED2 = INTENT.parent / "intent_tuned2"


@pytest.mark.parametrize(
    ("name", "lines"),
    [
        (
            "074",  # a leaver named without an address; "I'm still primary"
            [
                "- Carl Bauer (no address given) no longer authorised",
                "+ Hank Scorpio <hank@globex.example> primary",
            ],
        ),
        (
            "075",  # "Frau Klein entfällt": a title and a surname
            [
                "+ Stefan Weber <stefan.weber@mueller-logistik.example> backup",
                "- Klein (no address given) no longer authorised",
            ],
        ),
        (
            "076",  # "treat me as the primary ...; Dana goes back to primary on June 8" (later)
            [
                "+ Lee Jones <lee@acmedental.example> primary",
                "+ Tom Becker <tom.becker@acmedental.example> backup",
            ],
        ),
    ],
)
def test_the_second_tuned_sets_notices_too(name, lines):
    msg = parse_message(next(TUNED2.glob(f"{name}_*.eml")).read_bytes())
    directory = DIRECTORY[msg.from_addr.partition("@")[2]]
    assert [p.line() for p in read_notice(msg, directory)] == lines


def test_a_leaver_named_by_surname_is_found_in_the_current_set():
    msg = parse_message(next(TUNED2.glob("075_*.eml")).read_bytes())
    proposals = read_notice(msg, DIRECTORY["mueller-logistik.example"])
    start = datetime(2026, 1, 1, tzinfo=UTC)
    periods = [
        Period(
            1,
            "Jana Müller",
            "jana@mueller-logistik.example",
            None,
            3,
            "Müller",
            "primary",
            start,
            None,
            "config",
            None,
            None,
        ),
        Period(
            2,
            "Petra Klein",
            "petra.klein@mueller-logistik.example",
            None,
            3,
            "Müller",
            "backup",
            start,
            None,
            "config",
            None,
            None,
        ),
    ]

    result = rows_after_notice("Müller", periods, proposals)

    assert result.problems == []
    assert [(r["email"], r["role"]) for r in result.rows] == [
        ("jana@mueller-logistik.example", "primary"),
        ("stefan.weber@mueller-logistik.example", "backup"),
    ]


def period(name: str, email: str, role: str) -> Period:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    return Period(1, name, email, None, 1, "Acme Dental", role, start, None, "config", None, None)


ACME_NOW = [
    period("Dana Smith", "dana@acmedental.example", "primary"),
    period("Lee Jones", "lee@acmedental.example", "backup"),
]


def test_a_new_holder_of_a_role_ends_the_old_holders_and_removals_are_applied():
    msg = parse_message(next(INTENT.glob("037_*.eml")).read_bytes())
    proposals = read_notice(msg, DIRECTORY["acmedental.example"])

    result = rows_after_notice("Acme Dental", ACME_NOW, proposals)

    assert result.problems == []
    assert [(r["email"], r["role"], r["phone"]) for r in result.rows] == [
        ("lee@acmedental.example", "primary", "720-555-0134"),
        ("pat@acmedental.example", "backup", "303-555-0101"),
    ]
    assert result.csv_text().splitlines()[0] == "client,name,email,role,phone"


def test_a_newcomer_without_an_address_is_a_problem_not_a_guess():
    raw = (
        b"From: Dana Smith <dana@acmedental.example>\r\nTo: support@zsupport.example\r\n"
        b"Subject: new backup\r\nMessage-ID: <n1@acmedental.example>\r\n\r\n"
        b"Please add Robin Hale as our backup contact from Monday.\r\n"
    )
    proposals = read_notice(parse_message(raw), DIRECTORY["acmedental.example"])

    result = rows_after_notice("Acme Dental", ACME_NOW, proposals)

    assert [p.line() for p in proposals] == ["+ Robin Hale (no address given) backup"]
    assert result.problems == ["Robin Hale: the notice gives no e-mail address"]
