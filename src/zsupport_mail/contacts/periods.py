"""An authorisation period as plain data: who was which kind of contact of which client, when.

Pure (no database), so the intake rules can be handed periods without touching storage;
``history`` reads and writes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

CONFIG_SOURCE = "config"
IMPORT_PREFIX = "import:"
# Config files carry no dates: a contact the config lists when we first see it was authorised
# before our record began. Later changes are dated when they are applied.
RECORD_START = datetime(1970, 1, 1, tzinfo=UTC)


def when(at: datetime) -> str:
    """An instant for people: ``2026-03-01 09:00 UTC``, or the start of the record."""
    if at <= RECORD_START:
        return "the start of the record"
    return f"{at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


@dataclass(frozen=True)
class Period:
    """One authorisation period, read-only, with the names it refers to."""

    contact_id: int
    name: str
    email: str
    phone: str | None
    client_id: int
    client: str
    role: str
    valid_from: datetime
    valid_until: datetime | None
    source: str
    ended_by: str | None
    note: str | None

    def covers(self, at: datetime) -> bool:
        """Whether the period includes the instant at (half-open: [from, until))."""
        return self.valid_from <= at and (self.valid_until is None or at < self.valid_until)

    def explain(self) -> str:
        """One line that says why someone was (or was not any more) authorised."""
        text = f"{self.role} contact of {self.client} since {when(self.valid_from)}, {self.source}"
        if self.note:
            text += f" ({self.note})"
        if self.valid_until is not None:
            text += f"; until {when(self.valid_until)}, {self.ended_by or 'ended'}"
        return text

    def as_json(self) -> dict[str, Any]:
        """The period for ``contacts list --json``; a date before our record began is null."""
        return {
            "client": self.client,
            "name": self.name,
            "email": self.email,
            "phone": self.phone,
            "role": self.role,
            "valid_from": None if self.valid_from <= RECORD_START else self.valid_from.isoformat(),
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "source": self.source,
            "ended_by": self.ended_by,
            "note": self.note,
        }
