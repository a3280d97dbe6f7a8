"""Print precision and recall per checklist item on the labelled sets (Markdown table).

Usage: python bench/scoring_quality.py [--errors]
The tuned set is tests/fixtures/scoring; the held-out set, written after tuning, is
tests/fixtures/scoring_heldout (when present). docs/SCORING.md publishes both tables.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests import scoring_eval


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--errors", action="store_true", help="list every disagreement")
    args = parser.parse_args(argv)
    sets = [
        ("tuned", scoring_eval.FIXTURES),
        ("held-out", scoring_eval.FIXTURES.parent / "scoring_heldout"),
    ]
    for name, folder in sets:
        if not (folder / "labels.json").exists():
            continue
        tallies = scoring_eval.run(folder)
        print(f"\n### {name} set ({folder.name}, {len(list(folder.glob('*.eml')))} mails)\n")
        print(scoring_eval.table(tallies))
        if args.errors:
            for key, tally in tallies.items():
                for error in tally.errors:
                    print(f"- {key}: {error}")


if __name__ == "__main__":
    main()
