"""Kind reading quality, as measured by tests/intent_eval.py (bench/intent_quality.py prints it):

- every tuned set (tests/fixtures/intent, tests/fixtures/intent_tuned*): the issue's targets,
  and every kind at 0.95 or better;
- the held-out set (tests/fixtures/intent_heldout): the first target (no non-report charged)
  and, for the rest, the figures measured when the classifier was written (floors, not
  targets: raise them when a change improves them; never lower one, never tune on the set);
- docs/SCORING.md's intent figures: exactly what bench/intent_quality.py prints today.
"""

from __future__ import annotations

import pytest

from tests.intent_eval import DOC, HELDOUT, doc_figures, evaluate, figures, tuned_sets

# Held-out floors as measured (docs/SCORING.md, three decimals): (precision, recall).
# Raised where round 2 improved them (recall 0.828 -> 0.897, notice_reply precision 0.800 ->
# 1.000, other precision 0.533 -> 0.615). The one floor ever lowered, by the lead's decision
# in session 5: problem_report precision 0.800 -> 0.765, traded for recall 0.828 -> 0.897. The
# two mails it cost are non-reports now opened as "not sure" tickets that ask and charge
# nothing: the issue's rule (when unsure, ask, never charge). Non-reports charged stays 0.
HELDOUT_FLOORS = {
    "problem_report": (0.765, 0.897),
    "contact_change": (1.000, 1.000),
    "scheduling_request": (1.000, 0.778),
    "credit_request": (1.000, 1.000),
    "notice_reply": (1.000, 0.727),
    "rma_shipment": (0.833, 0.833),
    "other": (0.615, 0.615),
}
HELDOUT_RECOGNISED_FLOOR = 0.897  # the issue's target is 0.95: not reached on this set yet


@pytest.mark.parametrize("folder", tuned_sets(), ids=lambda folder: folder.name)
def test_every_tuned_set_meets_the_issue_targets_and_every_kind_is_read_well(folder):
    result = evaluate(folder, keep_errors=True)

    assert result.messages >= 80
    assert result.non_problem_charged == 0, result.errors
    assert result.recognised_share >= 0.95, result.errors
    for kind, tally in result.kinds.items():
        assert (kind, tally.precision >= 0.95, tally.recall >= 0.95) == (kind, True, True)
    assert result.automatic.precision == result.automatic.recall == 1.0


@pytest.mark.skipif(not (HELDOUT / "labels.json").exists(), reason="held-out set not present")
def test_heldout_set_charges_no_non_report_and_holds_its_measured_floors():
    result = evaluate(HELDOUT, keep_errors=False)  # never its per-mail errors

    assert result.non_problem_charged == 0
    assert round(result.recognised_share, 3) >= HELDOUT_RECOGNISED_FLOOR
    for kind, (precision, recall) in HELDOUT_FLOORS.items():
        tally = result.kinds[kind]
        assert round(tally.precision, 3) >= precision, kind
        assert round(tally.recall, 3) >= recall, kind


def test_docs_publish_the_figures_measured_today():
    assert doc_figures(DOC.read_text(encoding="utf-8")) == figures().strip()
