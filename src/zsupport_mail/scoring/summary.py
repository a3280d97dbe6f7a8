"""What the replies say about a score: what we captured, what is missing, the form to fill in.

Kept apart from the templates so the wording of each item is decided in one place, and from the
extractors so a reply never re-reads the mail.
"""

from __future__ import annotations

from dataclasses import dataclass

from zsupport_mail.scoring.extractors.versions import version_key
from zsupport_mail.scoring.score import Score
from zsupport_mail.scoring.text import FORM_EXAMPLES, FORM_LABELS
from zsupport_mail.scoring.types import ITEM_LABELS, Evidence

_CAPTURED = (
    "board_serial",
    "appliance_serial",
    "software_version",
    "call_examples",
    "internal_ticket",
    "reproducible",
)


@dataclass(frozen=True)
class MissingItem:
    """A required item the notice asks for: its label, what part is lacking, its form line."""

    key: str
    label: str
    missing_parts: tuple[str, ...]
    form_line: str


def captured(score: Score) -> list[tuple[str, str]]:
    """(label, value) of what we read, so the client can spot a misreading.

    An item furnished only by a low-confidence finding is always listed, with what it was read
    from and a request to confirm it: it was not charged, so a wrong guess must be visible.
    """
    confirm = set(score.to_confirm)
    keys = [*_CAPTURED, *(k for k in score.required if k in confirm and k not in _CAPTURED)]
    rows = []
    for key in keys:
        label = ITEM_LABELS[key].split(" (")[0].split("?")[0]
        for evidence in score.results[key].evidence[:3]:
            rows.append((label, _to_confirm(evidence) if key in confirm else evidence.value))
    return rows


def _to_confirm(evidence: Evidence) -> str:
    """A guessed value with where it came from, for the client to confirm or correct."""
    if evidence.origin == "register":
        where = f"from our records for {evidence.source}"
        return f"{evidence.value} ({where}; please tell us if that is wrong)"
    said = " ".join(evidence.source.split())[:100]
    if said == evidence.value:
        return f'"{said}" (please tell us if we misread it)'
    return f'{evidence.value} (we read "{said}"; please tell us if that is wrong)'


def missing_items(score: Score) -> list[MissingItem]:
    """Every missing required item, with its partial parts and its fill-in form line."""
    partial = score.partial
    return [
        MissingItem(
            key,
            ITEM_LABELS[key],
            tuple(partial.get(key, ())),
            f"{FORM_LABELS[key][0].capitalize()}: {FORM_EXAMPLES.get(key, '...')}",
        )
        for key in score.missing
    ]


def outdated_version(score: Score, current: str | None) -> str | None:
    """The reported MX version when it is older than the current release, else None."""
    if current is None:
        return None
    for evidence in score.results["software_version"].evidence:
        if evidence.value.startswith("MX ") and version_key(evidence.value) < version_key(current):
            return evidence.value
    return None
