"""Intake scoring: read a report the way an experienced engineer would and say what is missing.

``engine`` holds ``EXTRACTORS``, the reviewed, ordered registry (one extractor per item or
linked pair), and ``score_input``, which runs them all on one message; ``score`` the result
and its merge; ``build_input`` turns a parsed mail and what we know of its sender into the
pure ScoringInput the extractors read.

The names below are loaded on first use: the settings need only ``score.DEFAULT_REQUIRED``,
and compiling every extractor's patterns cost each CLI call a seventh of a second.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zsupport_mail.scoring.engine import EXTRACTORS, prepare, score_input
    from zsupport_mail.scoring.score import DEFAULT_REQUIRED, Score, merge

__all__ = ["DEFAULT_REQUIRED", "EXTRACTORS", "Score", "merge", "prepare", "score_input"]

_HOMES = {
    "EXTRACTORS": "engine",
    "prepare": "engine",
    "score_input": "engine",
    "DEFAULT_REQUIRED": "score",
    "Score": "score",
    "merge": "score",
}


def __getattr__(name: str) -> object:
    """Load a public name from its module the first time it is asked for (PEP 562)."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)
