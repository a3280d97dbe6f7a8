"""The public result of processing one message (``ingest``'s JSON lines, serve's workers)."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Outcome:
    """The public result of one message, as printed by ``ingest`` (a JSON interface)."""

    inbound_id: int
    message_id: str | None
    action: str
    ticket: str | None
    reply: str | None
    reason: str
    missing: list[str] | None = None  # required items not furnished (None: not scored)
    found: dict[str, list[dict[str, str]]] | None = None  # item -> values with their source
    score: float | None = None  # share of required items furnished, 0.0 to 1.0
    kind: str | None = None  # what the mail is (intake/kind.py); None when not read

    def as_json(self) -> dict[str, object]:
        """Every field, under its own name: renaming a field changes the interface."""
        return asdict(self)
