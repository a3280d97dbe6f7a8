"""A deterministic corpus of hostile and broken mail: what the daemon must survive and never lose.

``hostile_corpus()`` returns the same bytes on every run and machine (no network, no clock, no
global RNG): every message is built by hand as raw bytes, because the stdlib ``email`` package
would repair most of what we want to send. Each case has a category (broken MIME, bad
encodings, lying charsets, hostile headers, addresses, sizes, nesting, compression bombs,
hostile attachment names, scripted HTML, garbage) and a name for test ids and reports.

Most cases come from the authorised primary contact of the test config's first client, so they
take the whole path (ticket, stored message, attachments, rendered reply) rather than the
unknown-sender quarantine shortcut.
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.hostile import cases_content, cases_headers, cases_mime


@dataclass(frozen=True)
class HostileMessage:
    """One hostile case: ``category`` groups it, ``name`` is unique in the corpus."""

    category: str
    name: str
    raw: bytes


def hostile_corpus() -> list[HostileMessage]:
    """Every case, in a fixed order (at least 100)."""
    cases: list[HostileMessage] = []
    for module in (cases_mime, cases_headers, cases_content):
        for category, name, raw in module.cases():
            cases.append(HostileMessage(category, name, raw))
    names = [c.name for c in cases]
    assert len(names) == len(set(names)), "case names are unique"
    return cases


def largest(count: int) -> list[HostileMessage]:
    """The ``count`` biggest cases (for memory measurements)."""
    return sorted(hostile_corpus(), key=lambda c: len(c.raw), reverse=True)[:count]


__all__ = ["HostileMessage", "hostile_corpus", "largest"]
