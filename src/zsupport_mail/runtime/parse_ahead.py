"""Parse messages in worker processes ahead of the one process that writes them.

Parsing (MIME, charsets, quoted text, attachments) is the CPU-heavy part that needs no
database, so `ingest --jobs N` runs it in N spawned processes while the main process applies
each message in its own transaction, strictly in arrival order: a thread's messages keep
their order and every JSON line is printed after its message committed, as with one job.
Only a window of messages is in flight at once, so a large mbox is never read whole.
"""

from __future__ import annotations

import multiprocessing
import signal
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TypeVar

from zsupport_mail.mail.message import MessageParseError, ParsedMessage, parse_message

Label = TypeVar("Label")
Parsed = ParsedMessage | MessageParseError | None
_WINDOW_PER_JOB = 8  # messages queued per worker: enough to keep it busy, little memory


def parse_or_reason(raw: bytes) -> Parsed:
    """A worker's answer: the parsed message, the parse error (a reason to quarantine), or
    None on any other failure, so the writer parses again and records it as it always has."""
    try:
        return parse_message(raw)
    except MessageParseError as exc:
        return exc
    except Exception:
        return None


def _leave_interrupts_to_the_writer() -> None:
    """Ctrl-C reaches the whole process group: only the writer reacts (it stops the pool), so
    the terminal shows one message, not a traceback per worker."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def parse_ahead(
    items: Iterable[tuple[Label, bytes | OSError]], jobs: int
) -> Iterator[tuple[Label, bytes | OSError, Parsed]]:
    """(label, content, parsed) in input order; parsed is None where nothing was parsed
    (one job: the pipeline parses as before, or the content is a read error)."""
    if jobs <= 1:
        for label, content in items:
            yield label, content, None
        return
    spawn = multiprocessing.get_context("spawn")  # no fork of a process holding DB sockets
    pool = ProcessPoolExecutor(jobs, spawn, initializer=_leave_interrupts_to_the_writer)
    with pool:
        window: deque[tuple[Label, bytes | OSError, Future[Parsed] | None]] = deque()
        for label, content in items:
            task = None if isinstance(content, OSError) else pool.submit(parse_or_reason, content)
            window.append((label, content, task))
            if len(window) >= jobs * _WINDOW_PER_JOB:
                yield _done(window.popleft())
        while window:
            yield _done(window.popleft())


def _done(
    entry: tuple[Label, bytes | OSError, Future[Parsed] | None],
) -> tuple[Label, bytes | OSError, Parsed]:
    label, content, task = entry
    return label, content, None if task is None else task.result()
