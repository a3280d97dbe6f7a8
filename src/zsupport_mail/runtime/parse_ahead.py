"""Parse and score messages in worker processes ahead of the one process that writes them.

Parsing (MIME, charsets, quoted text, attachments) and the checklist's extractors are the
CPU-heavy parts that need no database, so `ingest --jobs N` (and serve's processing, through
runtime/prefetch.py) runs them in N spawned processes while one process applies each message
in its own transaction, strictly in arrival order: a thread's messages keep their order and
every JSON line is printed after its message committed, as with one job. Only a window of
messages is in flight at once, so a large mbox is never read whole.

A worker scores every mail from a configured client's domain (scoring/ahead.py);
the writer uses that score only when its own reading of the sender agrees, and otherwise
scores again, so the result is the same as with one job.
"""

from __future__ import annotations

import multiprocessing
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from zsupport_mail.mail.message import MessageParseError, ParsedMessage, parse_message
from zsupport_mail.scoring.ahead import Prescore, score_ahead
from zsupport_mail.settings import Settings

Label = TypeVar("Label")
Parsed = ParsedMessage | MessageParseError | None
_Entry = tuple[Label, bytes | OSError, datetime | None, Future["Prepared"] | None]
_WINDOW_PER_JOB = 8  # messages queued per worker: enough to keep it busy, little memory


@dataclass(frozen=True)
class Prepared:
    """A worker's answer: the parsed message, the parse error (a reason to quarantine), or
    None on any other failure, so the writer parses again and records it as it always has;
    and the score computed ahead, if the sender looked like a client's."""

    parsed: Parsed
    prescore: Prescore | None = None


NOTHING = Prepared(None)
_settings: Settings | None = None  # a worker process's copy, set by its initialiser


def parse_or_reason(raw: bytes) -> Parsed:
    """The parsed message, its parse error, or None on any other failure."""
    try:
        return parse_message(raw)
    except MessageParseError as exc:
        return exc
    except Exception:
        return None


def prepare(raw: bytes, received_at: datetime | None) -> Prepared:
    """A worker's task: prepare_with this worker's settings."""
    return prepare_with(raw, _settings, received_at)


def prepare_with(raw: bytes, settings: Settings | None, received_at: datetime | None) -> Prepared:
    """Parse, then score ahead when the settings are known and the arrival time is fixed."""
    parsed = parse_or_reason(raw)
    if not isinstance(parsed, ParsedMessage) or settings is None or received_at is None:
        return Prepared(parsed)
    try:
        return Prepared(parsed, score_ahead(parsed, settings, received_at))
    except Exception:  # the writer scores again and records any error as it always has
        return Prepared(parsed)


def start_worker(settings: Settings | None, also: Callable[[], None] | None = None) -> None:
    """A worker's initialiser: keep the settings for scoring; Ctrl-C reaches the whole process
    group, and only the writer reacts (it stops the pool), so the terminal shows one message,
    not a traceback per worker."""
    global _settings
    _settings = settings
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if also is not None:
        also()


def worker_pool(
    jobs: int, settings: Settings | None, also: Callable[[], None] | None = None
) -> ProcessPoolExecutor:
    """N spawned workers (no fork of a process holding database sockets)."""
    spawn = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(jobs, spawn, initializer=start_worker, initargs=(settings, also))


def parse_ahead(
    items: Iterable[tuple[Label, bytes | OSError, datetime | None]],
    jobs: int,
    settings: Settings | None = None,
) -> Iterator[tuple[Label, bytes | OSError, datetime | None, Prepared]]:
    """(label, content, received_at, prepared) in input order; prepared holds nothing where
    nothing was parsed (one job: the pipeline parses as before, or the content is a read
    error). Each item's datetime is its arrival time, which scoring ahead needs."""
    if jobs <= 1:
        for label, content, received_at in items:
            yield label, content, received_at, NOTHING
        return
    with worker_pool(jobs, settings) as pool:
        window: deque[_Entry[Label]] = deque()
        for label, content, received_at in items:
            task = None
            if not isinstance(content, OSError):
                task = pool.submit(prepare, content, received_at)
            window.append((label, content, received_at, task))
            if len(window) >= jobs * _WINDOW_PER_JOB:
                yield _done(window.popleft())
        while window:
            yield _done(window.popleft())


def _done(
    entry: _Entry[Label],
) -> tuple[Label, bytes | OSError, datetime | None, Prepared]:
    label, content, received_at, task = entry
    return label, content, received_at, NOTHING if task is None else task.result()
