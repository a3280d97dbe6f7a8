"""The `ingest` command: files, directories, maildirs and mboxes through the pipeline.

stdout carries one JSON line per message (a public interface); a progress bar goes to stderr,
and only when stderr is a terminal, so scripts and logs see nothing new. A message stored
before (same identity: Message-ID, else content hash) is reported as ``duplicate`` and not
processed again, which makes an interrupted import of a large archive safe to run again.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from typing import Never

import structlog
from tqdm import tqdm

from zsupport_mail.cli.archives import Source, describe_all, messages
from zsupport_mail.cli.common import EXIT_FAILURE
from zsupport_mail.cli.messages import open_pipeline
from zsupport_mail.runtime.batch import Incoming, ingest_batch
from zsupport_mail.runtime.parse_ahead import parse_ahead
from zsupport_mail.runtime.pipeline import Pipeline
from zsupport_mail.settings import Settings

# Starting worker processes costs about a second: worth it for an archive, not for a file.
_POOL_WORTH = 100
# Messages per transaction when workers parse ahead: one fsync per batch, and a JSON line
# waits at most for the batch's other messages (a few tenths of a second).
_BATCH = 16
EXIT_INTERRUPTED = 130  # the shell's code for a command ended by Ctrl-C


def _jobs(asked: int | None, total: int) -> int:
    """--jobs as given; by default every core for an archive, one process for a few files."""
    if asked is not None:
        return asked
    return (os.cpu_count() or 1) if total >= _POOL_WORTH else 1


def _unreadable(label: str, error: OSError) -> dict[str, object]:
    return {
        "file": label,
        "message_id": None,
        "action": "error",
        "ticket": None,
        "reply": None,
        "reason": f"cannot read: {error.strerror or error}",
    }


def _progress(total: int) -> tqdm[Never]:
    """A bar on stderr for a person watching a long import; silent when stderr is not a TTY."""
    return tqdm(
        total=total,
        unit="msg",
        file=sys.stderr,
        disable=not sys.stderr.isatty(),
        dynamic_ncols=True,
    )


class _AboveTheBar:
    """A log stream that prints each line above the bar, not through it (tqdm.write)."""

    def __init__(self, bar: tqdm[Never]) -> None:
        self._bar = bar

    def write(self, text: str) -> None:
        """Clear the bar, print the log line, draw the bar again."""
        self._bar.write(text.rstrip("\n"), file=sys.stderr)

    def flush(self) -> None:
        """tqdm.write has flushed already."""


def cmd_ingest(settings: Settings, args: argparse.Namespace) -> int:
    """Run every message of the given paths through the pipeline; one JSON line per message."""
    pipeline = open_pipeline(settings)
    mailbox = args.mailbox or settings.smtp.addresses[0]
    sources = describe_all(args.files)
    actions: Counter[str] = Counter()
    total = sum(source.count for source in sources)
    try:
        _ingest_all(pipeline, mailbox, sources, _jobs(args.jobs, total), actions)
    except KeyboardInterrupt:
        done = sum(actions.values())
        print(
            f"ingest: interrupted after {done} of {total} messages; run the same command again"
            " to finish (stored messages are skipped)",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    return EXIT_FAILURE if actions["error"] else 0


def _ingest_all(
    pipeline: Pipeline, mailbox: str, sources: list[Source], jobs: int, actions: Counter[str]
) -> None:
    """Each message through the pipeline, counting outcomes into actions as it goes.

    With worker processes, messages are applied in batches (runtime/batch.py: one commit
    each); one job applies them one by one, so a few files print their lines as they go.
    """
    total = sum(source.count for source in sources)
    size = _BATCH if jobs > 1 else 1
    with _progress(total) as bar:
        if not bar.disable:
            structlog.configure(logger_factory=structlog.WriteLoggerFactory(_AboveTheBar(bar)))  # type: ignore[arg-type]

        def emit(line: dict[str, object]) -> None:
            actions[str(line["action"])] += 1
            print(json.dumps(line, ensure_ascii=False), flush=True)
            bar.set_postfix(actions, refresh=False)
            bar.update()

        def apply(batch: list[tuple[str, Incoming]]) -> None:
            if not batch:
                return
            outcomes = ingest_batch(pipeline, [item for _, item in batch])
            for (label, _), outcome in zip(batch, outcomes, strict=True):
                emit({"file": label, **outcome.as_json()})
            batch.clear()

        # Arrival is when ingest read the message: workers score ahead against that time.
        stream = (
            (label, content, pipeline.clock())
            for source in sources
            for label, content in messages(source)
        )
        batch: list[tuple[str, Incoming]] = []
        for label, content, received_at, ahead in parse_ahead(stream, jobs, pipeline.settings):
            if isinstance(content, OSError):
                apply(batch)  # the lines stay in input order
                emit(_unreadable(label, content))
                continue
            batch.append((label, Incoming(content, "cli", mailbox, received_at, ahead)))
            if len(batch) >= size:
                apply(batch)
        apply(batch)
