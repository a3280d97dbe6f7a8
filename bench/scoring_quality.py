"""Print precision and recall per checklist item on the labelled sets (Markdown tables).

Usage: python bench/scoring_quality.py [--errors] [--write-doc]
The tuned sets are tests/fixtures/scoring and tests/fixtures/scoring_tuned*; the held-out
sets, written after tuning, are tests/fixtures/scoring_heldout* (those with a labels.json).
--errors lists the tuned sets' disagreements only: a held-out set's mails are never shown.
docs/SCORING.md publishes every set's table; --write-doc rewrites those tables there, and
tests/unit/test_scoring_quality.py fails when the doc's tables differ from what this prints.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests import scoring_eval


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--errors",
        action="store_true",
        help="list every disagreement on the tuned sets (never on a held-out set)",
    )
    parser.add_argument(
        "--write-doc",
        action="store_true",
        help=f"replace the result tables in docs/{scoring_eval.DOC.name} with these",
    )
    args = parser.parse_args(argv)
    for name, folder in scoring_eval.labelled_sets():
        tallies, targets = scoring_eval.run_all(folder)
        print(f"\n{scoring_eval.set_heading(name, folder)}\n")
        print(scoring_eval.table(tallies))
        print(f"\n{scoring_eval.targets_line(targets)}")
        if args.errors and name == "tuned":
            for key, tally in tallies.items():
                for error in tally.errors:
                    print(f"- {key}: {error}")
    if args.write_doc:
        text = scoring_eval.DOC.read_text(encoding="utf-8")
        updated = scoring_eval.with_tables(text, scoring_eval.results_tables())
        if updated == text:
            print(f"\n{scoring_eval.DOC}: tables already up to date")
        else:
            scoring_eval.DOC.write_text(updated, encoding="utf-8")
            print(f"\n{scoring_eval.DOC}: tables rewritten")


if __name__ == "__main__":
    main()
