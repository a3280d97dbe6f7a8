"""Baseline parse throughput of mail-parser over a generated corpus.

``python bench/parse_baseline.py DIR`` reads every ``*.eml`` in DIR into memory first (so disk
time is not measured), then parses each with ``mailparser.parse_from_bytes`` and touches the
attributes the daemon's parse step uses (subject, sender, plain-text body, attachments). It prints
one JSON object: ``{"files": N, "seconds": S, "messages_per_second": R, "bytes": B}``.

This is the yardstick for the daemon's own ``ParsedMessage`` step: a figure well below it means
the wrapper, not mail-parser, is the cost.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import mailparser


def load(directory: Path) -> list[bytes]:
    """Every ``*.eml`` file in ``directory``, in name order, as raw bytes."""
    return [path.read_bytes() for path in sorted(directory.glob("*.eml"))]


def parse_all(messages: list[bytes]) -> float:
    """Parse every message and touch the fields the daemon reads; return elapsed seconds."""
    started = time.perf_counter()
    for raw in messages:
        mail = mailparser.parse_from_bytes(raw)
        # Read the properties, as the daemon would; some of them decode lazily.
        _ = (mail.subject, mail.from_, mail.text_plain, mail.attachments)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description="Measure mail-parser on a corpus directory.")
    parser.add_argument("directory", type=Path, help="directory of .eml files")
    args = parser.parse_args(argv)
    messages = load(args.directory)
    if not messages:
        parser.error(f"no .eml files in {args.directory}")
    seconds = parse_all(messages)
    result = {
        "files": len(messages),
        "seconds": round(seconds, 3),
        "messages_per_second": round(len(messages) / seconds, 1),
        "bytes": sum(len(raw) for raw in messages),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
