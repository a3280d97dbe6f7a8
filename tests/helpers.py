"""Test helpers: a config file writer and a builder for raw test mails."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path
from typing import Any

SUPPORT = "support@zsupport.example"

BASE_CONFIG: dict[str, Any] = {
    "database": {"url": ""},
    "smtp": {"host": "127.0.0.1", "port": 8025, "addresses": [SUPPORT]},
    "outbound": {"mode": "maildir", "maildir": "", "from_address": SUPPORT},
    "tickets": {"prefix": "ZS"},
    # No staff copies unless a test asks for them (tests/integration/test_staff_desk.py):
    # the other tests count the client's mail in the outbox.
    "staff": {
        "addresses": ["boss@staffmail.example"],
        "domains": ["zsupport.example"],
        "queue_addresses": [],
    },
    "processing": {"max_attempts": 3, "retry_base_seconds": 1},
    "clients": [
        {
            "name": "Acme Dental",
            "domains": ["acmedental.example"],
            "timezone": "America/Denver",
            "holidays": "US-CO",
            "monthly_fee": 450.0,
            "contacts": [
                {
                    "name": "Dana Smith",
                    "email": "dana@acmedental.example",
                    "phone": "+1 303 555 0100",
                    "role": "primary",
                },
                {"name": "Lee Jones", "email": "lee@acmedental.example", "role": "backup"},
                {"name": "Pat Reception", "email": "pat@acmedental.example", "role": "other"},
            ],
        },
        {
            "name": "Globex",
            "domains": ["globex.example"],
            "timezone": "America/Chicago",
            "holidays": "US",
            "monthly_fee": 900,
            "contacts": [
                {"name": "Hank Scorpio", "email": "hank@globex.example", "role": "primary"},
            ],
        },
    ],
}


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {value!r} as TOML")


def to_toml(data: dict[str, Any], prefix: str = "") -> str:
    """A small TOML writer for test configs (tables, arrays of tables, scalars, lists)."""
    scalars, tables, arrays = [], [], []
    for key, value in data.items():
        if isinstance(value, dict):
            tables.append((key, value))
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            arrays.append((key, value))
        else:
            scalars.append(f"{key} = {_value(value)}")
    out = "\n".join(scalars) + "\n"
    for key, value in tables:
        out += f"\n[{prefix}{key}]\n" + to_toml(value, f"{prefix}{key}.")
    for key, items in arrays:
        for item in items:
            out += f"\n[[{prefix}{key}]]\n" + to_toml(item, f"{prefix}{key}.")
    return out


def config_dict(db_url: str, tmp_path: Path, **overrides: Any) -> dict[str, Any]:
    """The base test config with section overrides (a dict merges into the section)."""
    data = copy.deepcopy(BASE_CONFIG)
    data["database"]["url"] = db_url
    data["outbound"]["maildir"] = str(tmp_path / "outbox")
    for section, value in overrides.items():
        if isinstance(value, dict) and isinstance(data.get(section), dict):
            data[section].update(value)
        else:
            data[section] = value
    return data


def write_config(path: Path, db_url: str, tmp_path: Path, **overrides: Any) -> Path:
    path.write_text(to_toml(config_dict(db_url, tmp_path, **overrides)), encoding="utf-8")
    return path


COMPLETE_REPORT = """Hello,

Since this morning every external call drops after exactly 30 seconds, on all
phones at the main office. It happens every time, on every outbound call.

Board S/N: 620LQ
Appliance serial: 6326V
MX 17.0.10 patch 17161, MXIE 17.0.10-2.40
Call example: 2026-11-25 10:42, from ext 2045, to +1 303 555 0199
Our internal ticket: INC0012345

Thanks,
Dana Smith
Direct: (303) 555-0142
"""
TERSE_REPORT = "Since this morning every external call drops after 30 seconds.\n"


def make_mail(
    *,
    sender: str = "Dana Smith <dana@acmedental.example>",
    to: str = SUPPORT,
    subject: str = "Phones drop calls after 30 seconds",
    body: str = COMPLETE_REPORT,
    message_id: str | None = "<report-1@acmedental.example>",
    headers: dict[str, str] | None = None,
) -> bytes:
    """A raw test mail with CRLF line ends."""
    message = EmailMessage()
    if sender:
        message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = "Thu, 26 Nov 2026 10:00:00 -0700"
    if message_id:
        message["Message-ID"] = message_id
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    return message.as_bytes(policy=SMTP)


STAFF_SECRET = "a-test-secret-of-enough-length"


def staff_thread(number: str = "ZS-000001", secret: str = STAFF_SECRET) -> dict[str, str]:
    """Headers of a reply to staff-only mail on ticket number: staff authority's proof.

    The Message-ID is made as the staff copy of a ticket or an SLA alert makes it.
    """
    from zsupport_mail.mail.tokens import STAFF, make_message_id

    staff_copy = make_message_id(number, "zsupport.example", secret, audience=STAFF)
    return {"In-Reply-To": staff_copy, "References": staff_copy}


class ManualClock:
    """A clock that moves only when told to (a Clock for code under test)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 26, 17, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def set_clock(path: Path, instant: str) -> None:
    """Move a running serve's $ZSUPPORT_CLOCK_FILE clock, atomically.

    write_text truncates first, so a serve reading the file at that moment saw an empty
    string and one of its tasks died on fromisoformat(''); a rename is never seen half done.
    """
    partial = path.with_name(path.name + ".new")
    partial.write_text(instant)
    partial.replace(path)


def moved_clock_env(clock_file: Path) -> dict[str, str]:
    """The environment that puts a serve on a clock the test moves (see settings/clock.py)."""
    return {"ZSUPPORT_CLOCK_FILE": str(clock_file), "ZSUPPORT_TESTING": "1"}
