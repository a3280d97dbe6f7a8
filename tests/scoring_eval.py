"""Precision and recall of the scoring extractors on the labelled sets: the tuned set in
tests/fixtures/scoring and the held-out sets in tests/fixtures/scoring_heldout* (when present).

Used by tests/unit/test_scoring_quality.py, which holds the tuned set's targets, the held-out
sets' measured floors and docs/SCORING.md's tables, and by ``bench/scoring_quality.py``, which
prints the tables and writes them into docs/SCORING.md. Labels describe what the mail itself
furnishes, so the extractors run without the contact record here.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC
from email.utils import parsedate_to_datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from zsupport_mail.mail.message import parse_message
from zsupport_mail.scoring import DEFAULT_REQUIRED, Score, score_input
from zsupport_mail.scoring.build import build_input
from zsupport_mail.scoring.types import ITEM_KEYS, ContactRecord

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "scoring"
DOC = Path(__file__).resolve().parents[1] / "docs" / "SCORING.md"
CLIENTS = {
    "acmedental.example": ("America/Denver", "US-CO"),
    "globex.example": ("America/Chicago", "US"),
    "mueller-logistik.example": ("Europe/Berlin", "DE-BY"),
}
BOOLEAN_ITEMS = ("company", "contact_name", "contact_email", "description", "notes", "call_logs")
LIST_ITEMS = (
    "board_serial",
    "appliance_serial",
    "software_version",
    "internal_ticket",
    "contact_phone",
)


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def score_file(path: Path, client_name: str = "") -> Score:
    """Score one labelled mail as the daemon would, without the contact record."""
    msg = parse_message(path.read_bytes())
    timezone, holidays = CLIENTS.get(msg.from_addr.rpartition("@")[2], ("UTC", "US"))
    date = msg.first_header("date")
    received = parsedate_to_datetime(date).astimezone(UTC) if date else None
    assert received is not None, f"{path.name} needs a Date header"
    item = build_input(
        msg,
        received_at=received,
        timezone=timezone,
        holidays=holidays,
        record=ContactRecord(company=client_name or None),
    )
    return score_input(item, count_record=False)


def _text_values(score: Score, key: str) -> list[str]:
    """The values the score asserts: low-confidence findings are only echoed for confirmation
    (they count in the issue's figures, which are about notices, not in the item tables)."""
    return [
        e.value
        for e in score.results[key].evidence
        if e.origin != "record" and e.confidence == "high"
    ]


def _normal(value: str) -> str:
    return " ".join(value.upper().replace("#", "").split())


def _party(value: str | None) -> str | None:
    if value is None:
        return None
    text = value.strip().lower().replace("extension", "ext").replace("ext.", "ext")
    return " ".join(text.split())


def _examples(score: Score) -> set[tuple[str | None, str | None, str | None]]:
    found: set[tuple[str | None, str | None, str | None]] = set()
    for evidence in score.results["call_examples"].evidence:
        if evidence.confidence != "high":
            continue
        when, _, parties = evidence.value.partition(", from ")
        calling, _, called = parties.partition(" to ")
        found.add((when.replace(" ", "T"), _party(calling), _party(called)))
    return found


def _compare_sets(tally: Tally, name: str, predicted: set[Any], expected: set[Any]) -> None:
    tally.tp += len(predicted & expected)
    tally.fp += len(predicted - expected)
    tally.fn += len(expected - predicted)
    if predicted != expected:
        tally.errors.append(
            f"{name}: got {sorted(map(str, predicted))}, want {sorted(map(str, expected))}"
        )


def evaluate(label: dict[str, Any], score: Score, tallies: dict[str, Tally]) -> None:
    """Add one labelled message's comparisons to the per-item tallies."""
    expected, name = label["expected"], label["file"]
    for key in BOOLEAN_ITEMS:
        _compare_sets(
            tallies[key],
            name,
            {True} if _text_values(score, key) else set(),
            {True} if expected[key] else set(),
        )
    for key in LIST_ITEMS:
        _compare_sets(
            tallies[key],
            name,
            {_normal(v) for v in _text_values(score, key)},
            {_normal(v) for v in expected[key]},
        )
    repro = _text_values(score, "reproducible")
    _compare_sets(
        tallies["reproducible"],
        name,
        set(repro[:1]),
        {expected["reproducible"]} if expected["reproducible"] else set(),
    )
    calls = expected["call_examples"]
    want = {
        (e["datetime"], _party(e["calling"]), _party(e["called"]))
        for e in calls["examples"]
        if e["datetime"] and e["calling"] and e["called"]
    }
    got = _examples(score)
    if calls["not_applicable"]:
        want.add(("n/a", None, None))
    if score.results["call_examples"].not_applicable:
        got.add(("n/a", None, None))
    _compare_sets(tallies["call_examples"], name, got, want)


@dataclass
class Targets:
    """The issue's own figures for a set: what a missing-information notice gets right.

    A required item is furnished when the labels say the mail gives it (call examples: not
    applicable, or every example with date/time, calling and called); a report is complete
    when every required item is furnished (tests/fixtures/scoring/README.md).
    """

    furnished: int = 0
    recognised: int = 0  # furnished items the score did not report missing
    truly_missing: int = 0
    reported: int = 0  # truly missing items the score reported missing
    complete: int = 0
    complete_noticed: int = 0  # complete reports that would get a notice anyway
    asked_for: Counter[str] = field(default_factory=Counter)  # furnished but reported missing

    @property
    def recognised_share(self) -> float:
        return self.recognised / self.furnished if self.furnished else 1.0

    @property
    def reported_share(self) -> float:
        return self.reported / self.truly_missing if self.truly_missing else 1.0

    @property
    def noticed_share(self) -> float:
        return self.complete_noticed / self.complete if self.complete else 0.0


def furnished(key: str, expected: dict[str, Any]) -> bool:
    """Whether a labelled mail furnishes one required item."""
    value = expected[key]
    if key == "call_examples":
        examples = value["examples"]
        complete = all(e["datetime"] and e["calling"] and e["called"] for e in examples)
        return bool(value["not_applicable"] or (examples and complete))
    return bool(value)


def count_targets(expected: dict[str, Any], score: Score, targets: Targets) -> None:
    """Add one labelled message to the issue's figures."""
    missing = set(score.missing)
    given = {key: furnished(key, expected) for key in DEFAULT_REQUIRED}
    for key, is_given in given.items():
        if is_given:
            targets.furnished += 1
            targets.recognised += key not in missing
            targets.asked_for[key] += key in missing
        else:
            targets.truly_missing += 1
            targets.reported += key in missing
    if all(given.values()):
        targets.complete += 1
        targets.complete_noticed += bool(missing)


def targets_line(targets: Targets) -> str:
    """The issue's figures for one set, as one Markdown paragraph."""
    return (
        f"Furnished required items recognised: {targets.recognised_share:.3f} "
        f"({targets.recognised} of {targets.furnished}; target >= 0.97). "
        f"Truly missing items reported: {targets.reported_share:.3f} "
        f"({targets.reported} of {targets.truly_missing}; target >= 0.90). "
        f"Complete reports sent a notice: {targets.complete_noticed} of {targets.complete} "
        f"({targets.noticed_share:.3f}; target <= 1 in 20)."
    )


def run(folder: Path = FIXTURES) -> dict[str, Tally]:
    """Tallies per item over a whole labelled set."""
    return run_all(folder)[0]


@lru_cache(maxsize=16)
def run_all(folder: Path = FIXTURES) -> tuple[dict[str, Tally], Targets]:
    """Tallies per item and the issue's figures over a whole labelled set (cached per run)."""
    labels = json.loads((folder / "labels.json").read_text(encoding="utf-8"))
    tallies = {key: Tally() for key in ITEM_KEYS}
    targets = Targets()
    companies = {
        "acmedental.example": "Acme Dental",
        "globex.example": "Globex",
        "mueller-logistik.example": "Müller Logistik GmbH",
    }
    for label in labels:
        domain = label["from"].rpartition("@")[2].rstrip(">")
        score = score_file(folder / label["file"], companies.get(domain, ""))
        evaluate(label, score, tallies)
        count_targets(label["expected"], score, targets)
    return tallies, targets


def table(tallies: dict[str, Tally]) -> str:
    """A Markdown table of precision and recall per item."""
    rows = ["| item | precision | recall | TP | FP | FN |", "| --- | --- | --- | --- | --- | --- |"]
    for key, t in tallies.items():
        rows.append(f"| `{key}` | {t.precision:.3f} | {t.recall:.3f} | {t.tp} | {t.fp} | {t.fn} |")
    return "\n".join(rows)


def labelled_sets() -> list[tuple[str, Path]]:
    """(name, folder) of the tuned sets (tests/fixtures/scoring, then scoring_tuned*), then of
    every held-out set; only folders with a labels.json count."""

    def found(pattern: str) -> list[Path]:
        folders = (p.parent for p in FIXTURES.parent.glob(f"{pattern}/labels.json"))
        return sorted(folders, key=lambda folder: (len(folder.name), folder.name))  # ..2, ..10

    tuned = [FIXTURES, *found("scoring_tuned*")]
    return [*(("tuned", f) for f in tuned), *(("held-out", f) for f in found("scoring_heldout*"))]


def set_heading(name: str, folder: Path) -> str:
    return f"### {name} set ({folder.name}, {len(list(folder.glob('*.eml')))} mails)"


def results_tables(sets: Sequence[tuple[str, Path]] | None = None) -> str:
    """The Markdown that docs/SCORING.md's Results section holds: a heading and a table per set
    (by default every set of labelled_sets())."""
    chosen = labelled_sets() if sets is None else sets
    return f"{side_by_side(chosen)}\n\n" + "".join(
        f"{set_heading(name, folder)}\n\n{table(run(folder))}\n\n"
        f"{targets_line(run_all(folder)[1])}\n\n"
        for name, folder in chosen
    )


def side_by_side(sets: Sequence[tuple[str, Path]]) -> str:
    """Issue 16's figures for every set in one table (the first of the generated tables)."""
    rows = [
        "### every set (side by side)",
        "",
        "| set | mails | furnished items recognised (>= 0.97) | missing items reported "
        "(>= 0.90) | complete reports sent a notice (<= 1 in 20) |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, folder in sets:
        t = run_all(folder)[1]
        rows.append(
            f"| {folder.name} ({name}) | {len(list(folder.glob('*.eml')))} "
            f"| {t.recognised_share:.3f} | {t.reported_share:.3f} "
            f"| {t.complete_noticed} of {t.complete} |"
        )
    return "\n".join(rows)


# The generated tables in docs/SCORING.md: consecutive "### <name> set (<folder>, N mails)"
# headings, each followed by a blank line, a table, a blank line and the figures.
DOC_TABLES = re.compile(
    r"(?:^### [^\n]+ set \([^\n]+\)\n\n(?:^\|[^\n]*\n)+\n(?:^Furnished [^\n]+\n\n)?)+",
    re.MULTILINE,
)


def doc_tables(text: str) -> str:
    """The generated tables section of docs/SCORING.md's text; exactly one must be there."""
    found = DOC_TABLES.findall(text)
    if len(found) != 1:
        raise ValueError(f"{DOC.name} must hold one run of result tables, found {len(found)}")
    return str(found[0])


def with_tables(text: str, tables: str) -> str:
    """docs/SCORING.md's text with its generated tables section replaced by `tables`."""
    old = doc_tables(text)
    return text.replace(old, tables, 1)
