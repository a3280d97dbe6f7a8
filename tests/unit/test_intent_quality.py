"""Kind reading quality, as measured by tests/intent_eval.py (bench/intent_quality.py prints it):

- every tuned set (tests/fixtures/intent, tests/fixtures/intent_tuned*): the issue's targets,
  and every kind at 0.95 or better;
- each held-out set (tests/fixtures/intent_heldout*): the figures measured on it (floors, and
  a ceiling of non-reports charged; not targets: raise a floor or lower the ceiling when a
  change improves it; never the other way, never tune on the set);
- docs/SCORING.md's intent figures: exactly what bench/intent_quality.py prints today.
"""

from __future__ import annotations

from typing import NamedTuple

import pytest

from tests.intent_eval import DOC, doc_figures, evaluate, figures, heldout_sets, tuned_sets


# Held-out floors as measured (docs/SCORING.md, three decimals): (precision, recall).
# Raised where round 2 improved them (recall 0.828 -> 0.897, notice_reply precision 0.800 ->
# 1.000, other precision 0.533 -> 0.615). The one floor ever lowered, by the lead's decision
# in session 5: problem_report precision 0.800 -> 0.765, traded for recall 0.828 -> 0.897. The
# two mails it cost are non-reports now opened as "not sure" tickets that ask and charge
# nothing: the issue's rule (when unsure, ask, never charge). Non-reports charged stays 0.
class HeldoutFloors(NamedTuple):
    """One held-out set's measured level: floors that may only rise, a ceiling that may only
    fall."""

    kinds: dict[str, tuple[float, float]]  # kind -> (precision, recall) floors
    recognised: float  # problem reports recognised (the issue's target is 0.95)
    charged: int  # non-reports given the notice or the charge (the issue's target is 0)


HELDOUT = {
    "intent_heldout": HeldoutFloors(
        {
            "problem_report": (0.765, 0.897),
            "contact_change": (1.000, 1.000),
            "scheduling_request": (1.000, 0.778),
            "credit_request": (1.000, 1.000),
            "notice_reply": (1.000, 0.727),
            "rma_shipment": (0.833, 0.833),
            "other": (0.615, 0.615),
        },
        recognised=0.897,
        charged=0,
    ),
    # Written in session 5 by someone who never read the classifier, after round 2's tuning,
    # and measured once as it landed: recognition meets the issue's target, but three
    # non-reports would be charged. That is recorded here as found, to be brought to 0.
    "intent_heldout2": HeldoutFloors(
        {
            "problem_report": (0.907, 0.961),
            "contact_change": (1.000, 0.800),
            "scheduling_request": (1.000, 0.667),
            "credit_request": (0.833, 1.000),
            "notice_reply": (0.875, 0.700),
            "rma_shipment": (0.800, 1.000),
            "other": (0.789, 0.833),
        },
        recognised=0.961,
        charged=3,
    ),
}


@pytest.mark.parametrize("folder", tuned_sets(), ids=lambda folder: folder.name)
def test_every_tuned_set_meets_the_issue_targets_and_every_kind_is_read_well(folder):
    result = evaluate(folder, keep_errors=True)

    assert result.messages >= 80
    assert result.non_problem_charged == 0, result.errors
    assert result.recognised_share >= 0.95, result.errors
    for kind, tally in result.kinds.items():
        assert (kind, tally.precision >= 0.95, tally.recall >= 0.95) == (kind, True, True)
    assert result.automatic.precision == result.automatic.recall == 1.0


def test_every_heldout_set_has_floors():
    assert sorted(folder.name for folder in heldout_sets()) == sorted(HELDOUT)


@pytest.mark.parametrize("folder", heldout_sets(), ids=lambda folder: folder.name)
def test_heldout_sets_hold_their_measured_level(folder):
    floors = HELDOUT[folder.name]
    result = evaluate(folder, keep_errors=False)  # never its per-mail errors

    assert result.non_problem_charged <= floors.charged
    assert round(result.recognised_share, 3) >= floors.recognised
    for kind, (precision, recall) in floors.kinds.items():
        tally = result.kinds[kind]
        assert round(tally.precision, 3) >= precision, kind
        assert round(tally.recall, 3) >= recall, kind


def test_docs_publish_the_figures_measured_today():
    assert doc_figures(DOC.read_text(encoding="utf-8")) == figures().strip()
