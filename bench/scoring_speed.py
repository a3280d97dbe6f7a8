"""Scoring speed: messages/s of the extractors on typical support mails, on one core.

Parsing is done before timing (it is measured by bench/pipeline.py); this times what scoring
adds: quote splitting, masking, every extractor. The baseline in the same run is the cost of
splitting the quotes alone, the one third-party step every message pays.
Usage: python bench/scoring_speed.py
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.corpus import main as corpus_main
from zsupport_mail.mail.message import parse_message
from zsupport_mail.scoring import score_input
from zsupport_mail.scoring.build import build_input
from zsupport_mail.scoring.text import split_reply
from zsupport_mail.scoring.types import ContactRecord

RECEIVED = datetime(2025, 4, 1, 15, 0, tzinfo=UTC)


def typical_messages(count: int) -> list:
    """Parsed corpus mails without attachments (the typical 1-6 KB report)."""
    with tempfile.TemporaryDirectory() as folder:
        with contextlib.redirect_stdout(io.StringIO()):  # its summary is not ours to print
            corpus_main(["--out", folder, "--count", str(count), "--seed", "7"])
        raws = [p.read_bytes() for p in sorted(Path(folder).glob("*.eml"))]
    return [parse_message(raw) for raw in raws if len(raw) <= 8_000]


def rate(func, items: list, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        for item in items:
            func(item)
        best = min(best, time.perf_counter() - started)
    return len(items) / best


def score_one(msg) -> None:
    item = build_input(
        msg,
        received_at=RECEIVED,
        timezone="America/Denver",
        holidays="US-CO",
        record=ContactRecord(company="Acme Dental"),
    )
    score_input(item)


def main(argv: list[str] | None = None) -> dict:
    argparse.ArgumentParser(description=__doc__).parse_args(argv)  # --help only
    messages = typical_messages(1000)
    size = sum(len(m.text) for m in messages) / len(messages)
    result = {
        "messages": len(messages),
        "mean_text_chars": round(size),
        "quote_split_only_per_s": round(rate(lambda m: split_reply(m.text), messages)),
        "scoring_per_s": round(rate(score_one, messages)),
        "target_per_s": 500,
    }
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
