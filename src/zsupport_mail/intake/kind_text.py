"""The reading of a mail's kind, and the words it is read from: the sender's own text, what
they forward, their subject (a reply's subject is the old thread's, and reports nothing).

Kept apart from intake/kind.py (the decision) so that the modules that refine it
(intake/notice_answer.py ...) can share the text without importing the decision. Pure.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from zsupport_mail.intake import kind_words as words
from zsupport_mail.intake.malfunction import _WRAPPED, planned
from zsupport_mail.intake.types import KindReading as KindReading  # defined with the contracts

SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_CONTRAST = re.compile(r"\b(?:but|however|aber|jedoch|pero|sin\s+embargo|mais)\b", re.IGNORECASE)
REPLY_SUBJECT = re.compile(r"^\s*(?:re|aw|antw|sv|r|rif)\s*:", re.IGNORECASE)


@dataclass(frozen=True)
class MailText:
    """A mail's words, split as the kind is read from them."""

    subject: str
    own: str
    forwarded: str
    signature: str = ""  # what the reply parser took for the sign-off and below

    @property
    def all(self) -> str:
        return f"{self.subject}\n{self.own}\n{self.forwarded}"


def first_fault(text: MailText) -> tuple[str, str] | None:
    """The first fault named in a sentence that does not also say the fault is over, and
    that sentence."""
    return next(faults(text), None)


def _read_once(
    read: Callable[[MailText], Iterator[tuple[str, str]]],
) -> Callable[[MailText], Iterator[tuple[str, str]]]:
    """The faults of a mail are read several times while its kind is decided (the first
    fault, then every fault sentence for liveness and for doubt); reading them once saves
    matching the fault patterns again, the largest single function in the processing of a
    message (docs/BENCHMARKS.md, issue 20 round 3)."""
    remembered = functools.lru_cache(maxsize=4)(lambda text: tuple(read(text)))
    return lambda text: iter(remembered(text))


@_read_once
def faults(text: MailText) -> Iterator[tuple[str, str]]:
    """Each fault named in a sentence that does not also say the fault is over, with that
    sentence (or its side of a "but")."""
    # A reply's subject is the old thread's: only the new words report something.
    subject = "" if REPLY_SUBJECT.match(text.subject) else text.subject
    joined = _WRAPPED.sub(" ", f"{subject}\n{text.own}\n{text.forwarded}")
    for sentence in SENTENCE.split(joined):
        # "The echo is fixed, but now calls drop": each side of a "but" is read alone.
        for clause in _CONTRAST.split(sentence):
            if words.RESOLVED.search(clause):
                continue
            blanked = words.NOT_A_FAULT.sub(lambda m: " " * len(m.group(0)), clause)
            for match in words.FAULT.finditer(blanked):
                # "The phones may be offline for an hour" announces a plan: no report.
                if not planned(_part_around(clause, match.start())):
                    yield match.group(0).strip(), clause
                    break


def _part_around(clause: str, at: int) -> str:
    """The comma-separated part of a clause around a position."""
    start = clause.rfind(",", 0, at) + 1
    end = clause.find(",", at)
    return clause[start : end if end >= 0 else len(clause)]


def reported(text: MailText) -> str:
    """The words that may report something: a reply's subject is the old thread's."""
    subject = "" if REPLY_SUBJECT.match(text.subject) else text.subject
    return f"{subject}\n{text.own}\n{text.forwarded}"
