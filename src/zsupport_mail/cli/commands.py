"""Commands named, not imported: the parser knows every command while loading none of them.

A CLI call used to import every command module (the ORM, Alembic, the scoring and intake
rules, the mail renderer) before it parsed its arguments: about a second per call, and the
same second again in every ``serve`` child, which imports the program's main module when it
is spawned. A :class:`LazyCommand` is a ``module:function`` name that is imported only when
that command runs.
"""

from __future__ import annotations

import argparse
import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from collections.abc import Callable

    from zsupport_mail.settings import Settings

    Command = Callable[[Settings, argparse.Namespace], int]

SubParsers = argparse._SubParsersAction  # the type argparse gives add_subparsers()

EXIT_FAILURE, EXIT_CONFIG, EXIT_SCHEMA = 1, 2, 3


class CommandError(Exception):
    """A command could not do what was asked; the message is for the user."""


@dataclass(frozen=True)
class LazyCommand:
    """A command function by name, imported when it is called."""

    target: str  # "tickets:cmd_tickets_list", relative to zsupport_mail.cli

    def load(self) -> Command:
        """The command function itself (raises ImportError/AttributeError on a bad name)."""
        module, _, name = self.target.partition(":")
        return cast(
            "Command", getattr(importlib.import_module(f"zsupport_mail.cli.{module}"), name)
        )

    def __call__(self, settings: Settings, args: argparse.Namespace) -> int:
        """Run the command."""
        return self.load()(settings, args)


def add_command(
    sub: SubParsers[argparse.ArgumentParser],
    name: str,
    target: str,
    help_text: str,
    description: str | None = None,
    *,
    json_flag: bool = False,
    status: bool = False,
) -> argparse.ArgumentParser:
    """One subcommand that runs ``target`` ("module:function" under zsupport_mail.cli); its
    ``--help`` shows ``description`` (default: the one-line help)."""
    parser = sub.add_parser(name, help=help_text, description=description or help_text)
    parser.set_defaults(func=LazyCommand(target))
    if json_flag:
        parser.add_argument("--json", action="store_true", help="print JSON (a stable interface)")
    if status:
        parser.add_argument("--status", help="only rows in this status")
    return parser


def positive_int(text: str) -> int:
    """An argparse type: a count of at least 1, with a clear error otherwise."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value
