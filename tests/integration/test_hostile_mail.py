"""The hostile corpus through the real Pipeline: nothing raises, nothing is lost, names are safe.

All 140-odd cases go through one pipeline per backend (SQLite and PostgreSQL), so the test
costs one database each; the assertions collect every problem before failing, so one run
names every case that went wrong.
"""

from __future__ import annotations

import hashlib
import unicodedata

import pytest
from sqlalchemy import select

from tests.helpers import SUPPORT
from tests.hostile import HostileMessage, hostile_corpus
from tests.hostile.build import gzip_bomb, zip_bomb
from zsupport_mail.db.models import Attachment, InboundMessage, JourneyEvent, TicketMessage
from zsupport_mail.mail.filenames import MAX_NAME

ON_A_TICKET = {"created", "appended", "unauthorized"}


@pytest.fixture(scope="module")
def corpus() -> list[HostileMessage]:
    return hostile_corpus()


def unsafe_name(name: str) -> str | None:
    """Why a stored attachment name is unsafe, or None (independent of the sanitiser)."""
    if not name or len(name) > MAX_NAME:
        return f"length {len(name)}"
    if "/" in name or "\\" in name or name in {".", ".."}:
        return "a path"
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in name):
        return "control or format characters"
    if name != name.strip(" ."):
        return "leading or trailing dots or spaces"
    return None


def _problems(case: HostileMessage, action: str, row: InboundMessage, session) -> list[str]:
    problems = []
    stored = session.scalars(select(TicketMessage).where(TicketMessage.inbound_id == row.id)).all()
    if action in ON_A_TICKET:
        if len(stored) != 1:
            problems.append(f"{action} but {len(stored)} stored messages")
    elif action == "quarantined":
        if row.status != "quarantined" or not (row.reason or "").strip():
            problems.append(f"quarantined without a reason (status {row.status})")
    else:
        problems.append(f"ended as {action!r}: {row.reason or row.last_error}")
    steps = session.scalars(select(JourneyEvent.step).where(JourneyEvent.inbound_id == row.id))
    missing = {"received", "stored", "parsed", "decision"} - set(steps)
    if missing:
        problems.append(f"journey lacks {sorted(missing)}")
    return [f"{case.category}/{case.name}: {p}" for p in problems]


def test_every_hostile_message_ends_on_a_ticket_or_in_quarantine(pipeline, sessions, corpus):
    assert len(corpus) >= 100
    outcomes = {
        case.name: pipeline.ingest(case.raw, source="test", mailbox=SUPPORT) for case in corpus
    }

    problems: list[str] = []
    with sessions.begin() as session:
        for case in corpus:
            outcome = outcomes[case.name]
            row = session.get_one(InboundMessage, outcome.inbound_id)
            problems += _problems(case, outcome.action, row, session)
        names = session.scalars(select(Attachment.filename)).all()
        problems += [f"unsafe name {n!r}: {why}" for n in names if (why := unsafe_name(n))]
        stored = session.execute(select(Attachment.filename, Attachment.size, Attachment.sha256))
        by_name = {name: (size, sha) for name, size, sha in stored}
    assert not problems, "\n".join(p[:300] for p in problems)
    actions = {outcomes[c.name].action for c in corpus}
    assert {"created", "quarantined"} <= actions
    # The bombs are stored as sent (their compressed bytes hashed), never inflated.
    for name, bomb in (("calls.log.gz", gzip_bomb()), ("logs.zip", zip_bomb())):
        assert by_name[name] == (len(bomb), hashlib.sha256(bomb).hexdigest())


def test_hostile_attachment_names_are_stored_as_their_last_component(pipeline, sessions, corpus):
    cases = {c.name: c for c in corpus if c.category == "attachment_name"}
    expected = {
        "dotdot_unix": "passwd",
        "absolute_windows": "evil.dll",
        "control_chars": "abcd.txt",
        "nul_in_name": "evil.pdf.exe",
        "rfc2231_dotdot": "passwd",
        "rfc2047_dotdot": "passwd",
        "rtl_override": "invoicegpj.exe",
        "dotdot": "unnamed",
        "trailing_dots_spaces": "calls.csv",
        "tilde_home": "authorized_keys",
    }
    stored = {}
    for name in expected:
        outcome = pipeline.ingest(cases[name].raw, source="test", mailbox=SUPPORT)
        with sessions.begin() as session:
            stored[name] = session.scalar(
                select(Attachment.filename)
                .join(TicketMessage, Attachment.message_id == TicketMessage.id)
                .where(TicketMessage.inbound_id == outcome.inbound_id)
            )
    assert stored == expected
