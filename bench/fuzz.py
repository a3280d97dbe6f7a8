"""Fuzz parse + score for N minutes: any exception but MessageParseError is a crash.

``python bench/fuzz.py --minutes 2`` runs the property of tests/unit/test_parse_properties.py
(``tests.strategies.parse_and_score``) over two generators, in rounds of Hypothesis runs with a
fresh seed each, until the time is up:

- ``generated``: random headers, bytes and MIME trees (``tests.strategies.raw_message``);
- ``mutated``: a hostile corpus message (``tests/hostile``, those under 64 KB) with byte
  flips, insertions, deletions and splices.

With ``--pipeline`` every case is also ingested through the real Pipeline on a fresh SQLite
database, and a ``failed`` outcome (an exception inside processing) counts as a crash.
Each distinct crash (exception type and the innermost frame of our code) is shrunk by
Hypothesis and saved as ``bench/out/fuzz/crash-N.eml`` with its traceback in ``crash-N.txt``.
Prints a JSON summary: cases run, crashes found, reproducers.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import benchlib

sys.path.insert(0, str(benchlib.ROOT))  # the test suite's strategies and hostile corpus

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from tests.hostile import hostile_corpus
from tests.strategies import parse_and_score, raw_message

OUT = benchlib.BENCH / "out" / "fuzz"
ROUND_EXAMPLES = 100  # small rounds: the deadline is checked between them


@st.composite
def mutated_hostile(draw: st.DrawFn) -> bytes:
    """A small hostile corpus message with a few byte-level mutations."""
    seeds = [c.raw for c in hostile_corpus() if 0 < len(c.raw) < 65_536]
    raw = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, max(0, len(raw) - 1)))
        kind = draw(st.sampled_from(["flip", "insert", "delete", "splice"]))
        if kind == "flip" and raw:
            raw[at] = draw(st.integers(0, 255))
        elif kind == "insert":
            raw[at:at] = draw(st.binary(min_size=1, max_size=64))
        elif kind == "delete":
            del raw[at : at + draw(st.integers(1, 64))]
        else:
            other = draw(st.sampled_from(seeds))
            start = draw(st.integers(0, max(0, len(other) - 1)))
            raw[at:at] = other[start : start + draw(st.integers(1, 512))]
    return bytes(raw)


def _where(exc: BaseException) -> str:
    """The innermost frame in our own code (or the innermost at all): a crash's identity."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "zsupport_mail" in f.filename] or frames
    frame = ours[-1]
    return f"{Path(frame.filename).name}:{frame.lineno} {frame.name}"


class Pipeline:
    """The real pipeline on a fresh SQLite database (``--pipeline``)."""

    def __init__(self, work: Path) -> None:
        import structlog
        from tests.helpers import write_config

        from zsupport_mail.db import migrate
        from zsupport_mail.db.repos import sync_directory
        from zsupport_mail.db.session import make_engine, make_session_factory
        from zsupport_mail.mail.replies import ReplyRenderer
        from zsupport_mail.runtime.pipeline import Pipeline as RealPipeline
        from zsupport_mail.settings import load_settings
        from zsupport_mail.settings.clock import utc_now

        # stdout carries the JSON summary: the pipeline's events go to stderr, warnings only.
        structlog.configure(
            wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING),
            logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        )
        url = f"sqlite:///{work / 'fuzz.db'}"
        migrate.upgrade(url)
        settings = load_settings(write_config(work / "fuzz.toml", url, work))
        sessions = make_session_factory(make_engine(url))
        with sessions.begin() as session:
            sync_directory(session, settings)
        self._pipeline = RealPipeline(settings, sessions, ReplyRenderer(settings), utc_now)

    def __call__(self, raw: bytes) -> None:
        outcome = self._pipeline.ingest(raw, source="fuzz", mailbox="support@zsupport.example")
        if outcome.action in ("failed", "error"):
            raise AssertionError(f"pipeline: {outcome.action}: {outcome.reason}")


class Fuzzer:
    """Rounds of Hypothesis runs until a deadline; distinct crashes are kept."""

    def __init__(self, deadline: float, check: Callable[[bytes], None], out: Path) -> None:
        self.deadline = deadline
        self.out = out
        self.check = check
        self.cases = 0
        self.crashes: dict[str, dict[str, Any]] = {}

    def round(self, strategy: st.SearchStrategy[bytes], number: int) -> None:
        failing: list[bytes] = []

        @seed(number)
        @settings(
            max_examples=ROUND_EXAMPLES,
            deadline=None,
            database=None,
            phases=[Phase.generate, Phase.shrink],
            suppress_health_check=list(HealthCheck),
        )
        @given(strategy)
        def run(raw: bytes) -> None:
            # No deadline check in here: a replay that skipped the check would look flaky.
            self.cases += 1
            try:
                self.check(raw)
            except Exception:
                failing.append(raw)
                raise

        try:
            run()
        except Exception as exc:
            self._record(exc, failing[-1] if failing else b"")

    def _record(self, exc: BaseException, raw: bytes) -> None:
        while isinstance(exc, BaseExceptionGroup) and exc.exceptions:  # FlakyFailure et al.
            exc = exc.exceptions[0]
        where = _where(exc)
        key = f"{type(exc).__name__} at {where}"
        if key in self.crashes:
            return
        self.out.mkdir(parents=True, exist_ok=True)
        path = self.out / f"crash-{len(self.crashes) + 1}.eml"
        path.write_bytes(raw)
        path.with_suffix(".txt").write_text("".join(traceback.format_exception(exc)))
        self.crashes[key] = {"error": f"{type(exc).__name__}: {exc}"[:300], "where": where}
        self.crashes[key]["reproducer"] = str(path)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: prints a JSON summary; exits 1 if a crash was found."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=2.0)
    parser.add_argument("--pipeline", action="store_true", help="also ingest every case")
    parser.add_argument("--out", type=Path, default=OUT, help="where reproducers go")
    args = parser.parse_args(argv)
    benchlib.exit_on_sigterm()
    # flufl.bounce logs every detector that chokes on odd MIME (and carries on): noise here.
    logging.getLogger("flufl.bounce").setLevel(logging.CRITICAL)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="zs-fuzz-") as tmp:
        check: Callable[[bytes], None] = parse_and_score  # type: ignore[assignment]
        if args.pipeline:
            ingest = Pipeline(Path(tmp))

            def check(raw: bytes) -> None:
                parse_and_score(raw)
                ingest(raw)

        fuzzer = Fuzzer(started + args.minutes * 60, check, args.out)
        strategies = {"generated": raw_message(), "mutated": mutated_hostile()}
        number = 0
        while time.monotonic() < fuzzer.deadline:
            for strategy in strategies.values():
                fuzzer.round(strategy, number)
            number += 1
    benchlib.print_json(
        {
            "command": "bench/fuzz.py " + " ".join(argv if argv is not None else sys.argv[1:]),
            "minutes": args.minutes,
            "seconds": round(time.monotonic() - started, 1),
            "rounds": number,
            "cases": fuzzer.cases,
            "crashes": list(fuzzer.crashes.values()),
        }
    )
    return 1 if fuzzer.crashes else 0


if __name__ == "__main__":
    sys.exit(main())
