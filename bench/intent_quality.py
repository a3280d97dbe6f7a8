"""Print how well intake/kind.py tells what a mail is, on the labelled intent sets.

Usage: python bench/intent_quality.py [--errors] [--write-doc]
The tuned sets are tests/fixtures/intent and tests/fixtures/intent_tuned* (--errors lists
their disagreements); the held-out set
tests/fixtures/intent_heldout is only ever measured: its per-mail errors are never printed.
--write-doc rewrites the figures in docs/SCORING.md; tests/unit/test_intent_quality.py fails
when the doc differs from what this prints.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests import intent_eval


def main(argv: list[str] | None = None) -> None:
    """Print both sets' figures; optionally the tuned set's errors; optionally write the doc."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--errors", action="store_true", help="list the tuned sets' errors")
    parser.add_argument("--write-doc", action="store_true", help="rewrite docs/SCORING.md")
    args = parser.parse_args(argv)
    generated = intent_eval.figures()
    print(generated)
    if args.errors:
        for folder in intent_eval.tuned_sets():  # never the held-out set's errors
            for error in intent_eval.evaluate(folder, keep_errors=True).errors:
                print(f"- {folder.name}/{error}")
    if args.write_doc:
        text = intent_eval.DOC.read_text(encoding="utf-8")
        updated = intent_eval.with_figures(text, generated)
        intent_eval.DOC.write_text(updated, encoding="utf-8")
        print(f"\n{intent_eval.DOC}: " + ("unchanged" if updated == text else "rewritten"))


if __name__ == "__main__":
    main()
