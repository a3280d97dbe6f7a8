"""The score: which required items a report furnished, which are missing, and what is partial.

Cumulative over a thread: each new message's evidence is merged into what the ticket already
holds, so a reply that supplies the missing items completes the intake.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from zsupport_mail.scoring.types import ITEM_KEYS, Evidence, ItemResult

DEFAULT_REQUIRED: tuple[str, ...] = tuple(k for k in ITEM_KEYS if k not in ("notes", "call_logs"))


@dataclass(frozen=True)
class Score:
    """The scoring of a message (or of a whole thread, after merging)."""

    results: dict[str, ItemResult]
    required: tuple[str, ...]
    count_record: bool = True

    def _counts(self, result: ItemResult) -> bool:
        if result.not_applicable:
            return True
        return any(self.count_record or e.origin != "record" for e in result.evidence)

    @property
    def missing(self) -> list[str]:
        """Required item keys not furnished, in checklist order."""
        return [k for k in self.required if not self._counts(self.results[k])]

    @property
    def to_confirm(self) -> list[str]:
        """Required items furnished only by low-confidence findings: echoed back, never charged."""
        return [
            k
            for k in self.required
            if k not in self.missing
            and not self.results[k].not_applicable
            and all(e.confidence == "low" for e in self.results[k].evidence)
        ]

    @property
    def partial(self) -> dict[str, list[str]]:
        """For missing items that were half given: which parts are missing."""
        return {
            k: list(self.results[k].missing_parts)
            for k in self.missing
            if self.results[k].missing_parts
        }

    @property
    def complete(self) -> bool:
        """Whether every required item is furnished, so the report needs no follow-up notice."""
        return not self.missing

    @property
    def value(self) -> float:
        """The share of required items furnished, 0.0 to 1.0."""
        if not self.required:
            return 1.0
        return round(1 - len(self.missing) / len(self.required), 3)

    def found_json(self) -> dict[str, list[dict[str, str]]]:
        """item key -> the values found, each with the text it came from (a JSON interface)."""
        return {
            key: [
                {
                    "value": e.value,
                    "source": e.source,
                    "origin": e.origin,
                    "confidence": e.confidence,
                }
                for e in result.evidence
            ]
            for key, result in self.results.items()
            if result.evidence
        }

    def state_json(self) -> dict[str, Any]:
        """What a ticket stores to merge the next message's findings into."""
        return {
            "found": self.found_json(),
            "not_applicable": sorted(k for k, r in self.results.items() if r.not_applicable),
            "partial": {
                k: list(r.missing_parts) for k, r in self.results.items() if r.missing_parts
            },
        }


def merge(previous: dict[str, Any] | None, new: Score) -> Score:
    """The thread's score: earlier evidence plus this message's."""
    if not previous:
        return new
    found = previous.get("found", {})
    not_applicable = set(previous.get("not_applicable", []))
    merged: dict[str, ItemResult] = {}
    for key, result in new.results.items():
        earlier = tuple(
            Evidence(e["value"], e["source"], e.get("origin", "text"), e.get("confidence", "high"))
            for e in found.get(key, [])
        )
        evidence = _combined(earlier, result.evidence)
        done = bool(evidence) or key in not_applicable or result.not_applicable
        merged[key] = ItemResult(
            key,
            evidence,
            () if done else result.missing_parts or tuple(previous.get("partial", {}).get(key, [])),
            not_applicable=key in not_applicable or result.not_applicable,
        )
    return Score(merged, new.required, new.count_record)


def _combined(earlier: tuple[Evidence, ...], new: tuple[Evidence, ...]) -> tuple[Evidence, ...]:
    """Earlier evidence, then new values; a certain reading ends every guess of the item."""
    by_value: dict[str, Evidence] = {}
    for evidence in (*earlier, *new):
        known = by_value.get(evidence.value)
        if known is None or (known.confidence == "low" and evidence.confidence == "high"):
            by_value[evidence.value] = evidence
    combined = tuple(by_value.values())
    if any(e.confidence == "high" for e in combined):
        combined = tuple(e for e in combined if e.confidence == "high")
    return combined
