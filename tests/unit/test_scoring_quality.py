"""Scoring quality, as measured by tests/scoring_eval.py (the evaluation bench/scoring_quality.py
prints):

- the tuned set (tests/fixtures/scoring): every item at least 0.95 precision and 0.90 recall;
- every tuned set (tests/fixtures/scoring, scoring_tuned*): issue 16's targets (furnished items
  recognised, missing items reported, complete reports sent a notice);
- each held-out set (tests/fixtures/scoring_heldout*): every item at least its measured floor,
  and the issue's figures at least (notices at most) what they measured;
- docs/SCORING.md's result tables: exactly what bench/scoring_quality.py generates today.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import pytest

from tests.scoring_eval import (
    DOC,
    FIXTURES,
    doc_tables,
    labelled_sets,
    results_tables,
    run,
    run_all,
)
from zsupport_mail.scoring.types import ITEM_KEYS

PRECISION, RECALL = 0.95, 0.90
# Issue 16's targets: furnished required items recognised, truly missing items reported,
# complete reports sent a notice (at most 1 in 20).
RECOGNISED, REPORTED, NOTICED = 0.97, 0.90, 1 / 20


class IssueFloors(NamedTuple):
    """A held-out set's measured issue figures: two floors and a ceiling of notices."""

    recognised: float  # share of furnished required items not reported missing
    reported: float  # share of truly missing items reported missing
    noticed: int  # complete reports that would get a notice: may only go down


# Held-out sets: (name, folder, {item: (precision floor, recall floor)}, issue figures).
# These are MEASURED FLOORS, not targets: each is the figure the extractors reached on the set
# when it was added (as docs/SCORING.md publishes it, to three decimals), so the test fails when
# scoring gets worse on mail it was not tuned against. When a change improves a figure, raise
# its floor here: that is how progress is recorded. Never lower one to make a change pass, and
# never tune against a held-out set (new cases go into the tuned set first). A new held-out set
# gets its own entry with its measured floors (test_every_heldout_set_has_floors holds that).
HELDOUT_SETS: list[tuple[str, Path, dict[str, tuple[float, float]], IssueFloors]] = [
    (
        "scoring_heldout",
        FIXTURES.parent / "scoring_heldout",
        {
            "company": (0.976, 0.976),
            "contact_name": (1.000, 0.933),
            "contact_email": (1.000, 0.941),
            "contact_phone": (1.000, 0.974),
            "board_serial": (1.000, 1.000),
            "appliance_serial": (1.000, 1.000),
            "software_version": (0.972, 0.946),
            "description": (0.983, 0.950),
            "reproducible": (0.921, 0.660),
            "call_examples": (0.957, 0.759),
            "internal_ticket": (1.000, 0.857),
            "notes": (0.885, 0.793),
            "call_logs": (0.857, 0.750),
        },
        IssueFloors(0.995, 0.937, 0),
    ),
    (
        "scoring_heldout2",
        FIXTURES.parent / "scoring_heldout2",
        {
            "company": (1.000, 0.976),
            "contact_name": (1.000, 0.821),
            "contact_email": (1.000, 1.000),
            "contact_phone": (1.000, 0.778),
            "board_serial": (1.000, 1.000),
            "appliance_serial": (1.000, 1.000),
            "software_version": (0.978, 0.936),
            "description": (1.000, 0.925),
            "reproducible": (0.977, 0.796),
            "call_examples": (0.929, 0.886),
            "internal_ticket": (1.000, 0.875),
            "notes": (0.652, 0.652),
            "call_logs": (0.800, 1.000),
        },
        IssueFloors(0.996, 0.952, 1),
    ),
    (
        "scoring_heldout3",
        FIXTURES.parent / "scoring_heldout3",
        {
            "company": (1.000, 1.000),
            "contact_name": (0.984, 0.926),
            "contact_email": (1.000, 1.000),
            "contact_phone": (1.000, 0.895),
            "board_serial": (1.000, 0.977),
            "appliance_serial": (1.000, 0.947),
            "software_version": (0.977, 0.977),
            "description": (0.971, 0.985),
            "reproducible": (1.000, 0.873),
            "call_examples": (0.922, 0.855),
            "internal_ticket": (1.000, 0.818),
            "notes": (0.826, 0.559),
            "call_logs": (0.857, 1.000),
        },
        IssueFloors(0.992, 0.955, 1),
    ),
    (
        "scoring_heldout4",
        FIXTURES.parent / "scoring_heldout4",
        {
            "company": (0.976, 1.000),
            "contact_name": (1.000, 0.939),
            "contact_email": (1.000, 1.000),
            "contact_phone": (1.000, 0.950),
            "board_serial": (1.000, 0.889),
            "appliance_serial": (1.000, 0.943),
            "software_version": (0.980, 0.980),
            "description": (0.946, 0.828),
            "reproducible": (0.978, 0.800),
            "call_examples": (0.912, 0.633),
            "internal_ticket": (1.000, 0.969),
            "notes": (0.964, 0.730),
            "call_logs": (1.000, 0.667),
        },
        IssueFloors(0.973, 0.963, 1),
    ),
    # Written in session 5 after two rounds of tuning, by someone who never read the
    # extractors; measured once as it landed, with the code of that moment.
    (
        "scoring_heldout5",
        FIXTURES.parent / "scoring_heldout5",
        {
            "company": (1.000, 0.970),
            "contact_name": (1.000, 0.875),
            "contact_email": (1.000, 1.000),
            "contact_phone": (0.980, 0.909),
            "board_serial": (1.000, 0.930),
            "appliance_serial": (1.000, 0.911),
            "software_version": (0.963, 0.912),
            "description": (0.944, 0.985),
            "reproducible": (0.945, 0.776),
            "call_examples": (0.913, 0.724),
            "internal_ticket": (0.974, 0.902),
            "notes": (1.000, 0.705),
            "call_logs": (0.875, 1.000),
        },
        IssueFloors(0.993, 0.941, 0),
    ),
]


def test_every_item_meets_the_targets():
    below = {
        key: (round(t.precision, 3), round(t.recall, 3), t.errors[:3])
        for key, t in run().items()
        if t.precision < PRECISION or t.recall < RECALL
    }
    assert below == {}


@pytest.mark.parametrize(
    "folder",
    [pytest.param(folder, id=folder.name) for name, folder in labelled_sets() if name == "tuned"],
)
def test_the_tuned_set_meets_the_issue_targets(folder):
    targets = run_all(folder)[1]
    assert targets.recognised_share >= RECOGNISED
    assert targets.reported_share >= REPORTED
    assert targets.noticed_share <= NOTICED


@pytest.mark.parametrize(
    ("folder", "issue"),
    [pytest.param(folder, issue, id=name) for name, folder, _, issue in HELDOUT_SETS],
)
def test_heldout_set_keeps_its_issue_figures(folder, issue):
    targets = run_all(folder)[1]
    measured = IssueFloors(
        round(targets.recognised_share, 3),
        round(targets.reported_share, 3),
        targets.complete_noticed,
    )
    assert measured.recognised >= issue.recognised, measured
    assert measured.reported >= issue.reported, measured
    assert measured.noticed <= issue.noticed, measured


@pytest.mark.parametrize(
    ("folder", "floors"),
    [pytest.param(folder, floors, id=name) for name, folder, floors, _ in HELDOUT_SETS],
)
def test_heldout_set_stays_at_or_above_its_measured_floors(folder, floors):
    assert (folder / "labels.json").is_file(), f"{folder} has no labels.json"
    assert set(floors) == set(ITEM_KEYS), "one floor pair per checklist item"
    measured = {key: (round(t.precision, 3), round(t.recall, 3)) for key, t in run(folder).items()}
    below = {
        key: {"measured": measured[key], "floor": floor}
        for key, floor in floors.items()
        if measured[key][0] < floor[0] or measured[key][1] < floor[1]
    }
    assert below == {}


def test_every_heldout_set_has_floors():
    on_disk = {folder.name for name, folder in labelled_sets() if name == "held-out"}
    assert on_disk == {folder.name for _, folder, _, _ in HELDOUT_SETS}


def test_scoring_doc_holds_the_generated_tables():
    expected = results_tables()
    published = doc_tables(DOC.read_text(encoding="utf-8"))
    assert published == expected, "run `.venv/bin/python bench/scoring_quality.py --write-doc`"
