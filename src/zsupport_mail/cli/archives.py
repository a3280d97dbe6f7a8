"""Where `ingest` finds messages: files, stdin, a directory, a maildir or an mbox.

An archive moved over from another helpdesk comes as a maildir (``cur/``, ``new/``) or one mbox
file; a directory of ``.eml`` files is the third common shape. Each yields its messages one at a
time, in arrival order, so a 10 GB mbox never sits in memory, and the stdlib ``mailbox`` module
does the format work (From_ lines, maildir flags and unique names).
"""

from __future__ import annotations

import mailbox
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

_MAILDIR_PARTS = ("cur", "new")


@dataclass(frozen=True)
class Source:
    """One argument of `ingest`: what it is and how many messages it holds (for the bar)."""

    path: str
    kind: str  # "stdin", "file", "directory", "maildir", "mbox", or "unreadable"
    count: int
    error: OSError | None = None


def _is_maildir(path: Path) -> bool:
    return all((path / part).is_dir() for part in _MAILDIR_PARTS)


def _is_mbox(path: Path) -> bool:
    """An mbox file starts with a ``From `` separator line; a raw message never does."""
    with path.open("rb") as handle:
        return handle.read(5) == b"From "


def _directory_files(path: Path) -> list[Path]:
    """Regular, visible files of a directory in name order (exports number their files)."""
    return sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))


def _maildir_keys(box: mailbox.Maildir) -> list[str]:
    """Maildir names start with the delivery time, so name order is arrival order."""
    return sorted(box.keys())


def _mbox_count(path: Path) -> int:
    box = mailbox.mbox(path, factory=None, create=False)
    try:
        return len(box)
    finally:
        box.close()


def describe(path: str) -> Source:
    """What `path` is and how many messages it holds; an unreadable path is reported, not raised."""
    if path == "-":
        return Source(path, "stdin", 1)
    target = Path(path)
    try:
        if target.is_dir():
            if _is_maildir(target):
                box = mailbox.Maildir(target, factory=None, create=False)
                return Source(path, "maildir", len(box))
            return Source(path, "directory", len(_directory_files(target)))
        if _is_mbox(target):
            return Source(path, "mbox", _mbox_count(target))
        return Source(path, "file", 1)
    except OSError as exc:
        return Source(path, "unreadable", 1, exc)


def _read(path: Path) -> bytes | OSError:
    try:
        return path.read_bytes()
    except OSError as exc:
        return exc


def messages(source: Source) -> Iterator[tuple[str, bytes | OSError]]:
    """(label, raw bytes or the read error) for each message of `source`, in arrival order.

    The label names the message for the JSON ``file`` field: the file's path, ``maildir#KEY``
    (the maildir's unique name), or ``mbox#N`` (1-based) for the N-th message of an mbox.
    """
    target = Path(source.path)
    if source.error is not None:
        yield source.path, source.error
    elif source.kind == "stdin":
        yield source.path, sys.stdin.buffer.read()
    elif source.kind == "file":
        yield source.path, _read(target)
    elif source.kind == "directory":
        for path in _directory_files(target):
            yield str(path), _read(path)
    elif source.kind == "maildir":
        box = mailbox.Maildir(target, factory=None, create=False)
        for key in _maildir_keys(box):
            yield f"{source.path}#{key}", box.get_bytes(key)
    else:
        yield from _mbox_messages(source.path)


def _mbox_messages(path: str) -> Iterator[tuple[str, bytes | OSError]]:
    box = mailbox.mbox(path, factory=None, create=False)
    try:
        for number, key in enumerate(box.keys(), start=1):
            yield f"{path}#{number}", box.get_bytes(key)
    finally:
        box.close()


def describe_all(paths: Sequence[str]) -> list[Source]:
    """Every argument described up front, so the progress bar knows the total."""
    return [describe(path) for path in paths]
