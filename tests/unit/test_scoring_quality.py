"""The scoring quality targets on the labelled set (tests/fixtures/scoring): every required
item at least 0.95 precision and 0.90 recall. docs/SCORING.md publishes the full table."""

from __future__ import annotations

from tests.scoring_eval import run
from zsupport_mail.scoring import DEFAULT_REQUIRED

PRECISION, RECALL = 0.95, 0.90


def test_required_items_meet_the_targets():
    tallies = run()
    below = {
        key: (round(t.precision, 3), round(t.recall, 3), t.errors[:3])
        for key, t in tallies.items()
        if key in DEFAULT_REQUIRED and (t.precision < PRECISION or t.recall < RECALL)
    }
    assert below == {}


def test_where_applicable_items_stay_useful():
    """notes and call_logs are reported, not required: hold them at their measured level."""
    tallies = run()
    assert tallies["call_logs"].precision >= 0.95
    assert tallies["call_logs"].recall >= 0.90
    assert tallies["notes"].precision >= 0.90
    assert tallies["notes"].recall >= 0.85
