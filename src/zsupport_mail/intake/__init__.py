"""Intake: what a mail is and who sent it, decided by pure rules before anything is stored.

``chain`` runs the chain (recognise the sender, thread, prove staff, every rule in ``RULES``,
the kind reading) and ``decide.decide`` turns its findings into one action; ``types`` holds the
stage contracts. The names below load on first use, so that storage code that needs only the
contracts (db.repos reads ``types``) does not compile every rule's patterns.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zsupport_mail.intake.chain import RULES, assess

__all__ = ["RULES", "assess"]

# Not ``decide``: that is also a submodule's name, which the import system binds here first.
_HOMES = {"RULES": "chain", "assess": "chain"}


def __getattr__(name: str) -> object:
    """Load a public name from its module the first time it is asked for (PEP 562)."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)
