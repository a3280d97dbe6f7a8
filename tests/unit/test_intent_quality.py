"""Kind reading quality, as measured by tests/intent_eval.py (bench/intent_quality.py prints it):

- every tuned set (tests/fixtures/intent, tests/fixtures/intent_tuned*): the issue's targets,
  and every kind at 0.95 or better (a set still being tuned, TUNING: at its measured level);
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
# Round 3 raised problem_report precision to 0.788 and notice_reply recall to 0.818.
# Session 6 round 5 (a client helpdesk's notification relaying a fault is a report, not an
# auto-reply: intake/relayed.py) raised recognition 0.897 -> 0.931, problem_report precision
# to 0.794, other precision to 0.667 and automatic-mail precision 0.800 -> 1.000.
class HeldoutFloors(NamedTuple):
    """One held-out set's measured level: floors that may only rise, a ceiling that may only
    fall."""

    kinds: dict[str, tuple[float, float]]  # kind -> (precision, recall) floors
    recognised: float  # problem reports recognised (the issue's target is 0.95)
    charged: int  # non-reports given the notice or the charge (the issue's target is 0)
    automatic: tuple[float, float] = (0.0, 0.0)  # automatic mail: (precision, recall) floors


HELDOUT = {
    "intent_heldout": HeldoutFloors(
        {
            "problem_report": (0.794, 0.931),
            "contact_change": (1.000, 1.000),
            "scheduling_request": (1.000, 0.778),
            "credit_request": (1.000, 1.000),
            "notice_reply": (1.000, 0.818),
            "rma_shipment": (0.833, 0.833),
            "other": (0.667, 0.615),
        },
        recognised=0.931,
        charged=0,
        automatic=(1.000, 1.000),
    ),
    # Written in session 5 by someone who never read the classifier, after round 2's tuning,
    # and measured once as it landed: recognition met the issue's target, but three
    # non-reports would have been charged. Round 3 (a sure report needs no evidence against
    # it, intake/doubt.py) brought that to 0 with recognition kept. Session 6 (a fault told
    # beside a request, intake/second_matter.py; faults the vocabulary did not know) raised
    # recognition 0.961 -> 0.980 and rma_shipment precision 0.800 -> 1.000.
    "intent_heldout2": HeldoutFloors(
        {
            "problem_report": (0.909, 0.980),
            "contact_change": (1.000, 0.800),
            "scheduling_request": (1.000, 0.667),
            "credit_request": (0.833, 1.000),
            "notice_reply": (0.875, 0.700),
            "rma_shipment": (1.000, 1.000),
            "other": (0.789, 0.833),
        },
        recognised=0.980,
        charged=0,
        automatic=(1.000, 1.000),
    ),
}


# A tuned set whose kinds are not yet all read at 0.95: the issue's targets hold on it like on
# every tuned set, and its kinds are asserted at the level measured (floors that only rise,
# until they reach 0.95 and the set leaves this table). intent_tuned4 (hard negatives that talk
# about faults) came in session 5; round 3 brought its charged non-reports from 24 (the round-2
# classifier, before tuning) to 0. Tuning its kinds further cost a held-out report
# (branch s5-intent-r3-kinds), so that work waits for more tuned cases.
TUNING = {
    "intent_tuned4": {
        "problem_report": (0.642, 1.000),
        "contact_change": (0.750, 0.750),
        "scheduling_request": (1.000, 0.714),
        "credit_request": (1.000, 1.000),
        "notice_reply": (1.000, 0.556),
        "rma_shipment": (1.000, 0.833),
        "other": (1.000, 0.553),
    },
    # Session 6: problem reports written the ways a classifier misses them, and close
    # negatives. Measured before tuning (docs/SCORING.md): recognised 65 of 74, charged 0;
    # tuned for its reports first (the held-out target); its other kinds wait.
    "intent_tuned5": {
        "problem_report": (0.937, 1.000),
        "contact_change": (1.000, 0.500),
        "scheduling_request": (1.000, 0.600),
        "credit_request": (1.000, 1.000),
        "notice_reply": (1.000, 1.000),
        "rma_shipment": (1.000, 1.000),
        "other": (0.895, 0.810),
    },
}


@pytest.mark.parametrize("folder", tuned_sets(), ids=lambda folder: folder.name)
def test_every_tuned_set_meets_the_issue_targets_and_every_kind_is_read_well(folder):
    result = evaluate(folder, keep_errors=True)

    assert result.messages >= 80
    assert result.non_problem_charged == 0, result.errors
    assert result.recognised_share >= 0.95, result.errors
    floors = TUNING.get(folder.name, dict.fromkeys(result.kinds, (0.95, 0.95)))
    for kind, tally in result.kinds.items():
        precision, recall = floors[kind]
        reached = (round(tally.precision, 3) >= precision, round(tally.recall, 3) >= recall)
        assert (kind, *reached) == (kind, True, True)
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
    auto, (auto_precision, auto_recall) = result.automatic, floors.automatic
    assert round(auto.precision, 3) >= auto_precision, "automatic mail"
    assert round(auto.recall, 3) >= auto_recall, "automatic mail"


def test_docs_publish_the_figures_measured_today():
    assert doc_figures(DOC.read_text(encoding="utf-8")) == figures().strip()
