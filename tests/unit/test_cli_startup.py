"""The CLI names its commands instead of importing them: every name must resolve, and a call
must not pay for the heavy modules it does not use."""

from __future__ import annotations

import argparse
import subprocess
import sys

from zsupport_mail.cli.commands import LazyCommand
from zsupport_mail.cli.parser import build_parser
from zsupport_mail.db import migrate


def _commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> dict[str, object]:
    found: dict[str, object] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                found.update(_commands(child, (*path, name)))
    if not found and path:
        found[" ".join(path)] = parser.get_default("func")
    return found


def test_every_command_names_a_function_that_exists() -> None:
    commands = _commands(build_parser())
    assert len(commands) >= 35, sorted(commands)  # every command of today
    for name, func in commands.items():
        assert isinstance(func, LazyCommand), name
        assert callable(func.load()), name


def test_help_and_config_check_do_not_import_the_rules_the_orm_or_alembic() -> None:
    """What ``--help`` and the parser cost: argparse and the settings, not the mail engine."""
    probe = (
        "import sys; from zsupport_mail.cli.main import build_parser; build_parser();"
        "print(' '.join(sorted(sys.modules)))"
    )
    loaded = set(
        subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, check=True
        ).stdout.split()
    )
    heavy = {
        "alembic",
        "sqlalchemy.orm",
        "mailparser",
        "zsupport_mail.intake.kind",
        "zsupport_mail.scoring.engine",
        "zsupport_mail.runtime.pipeline",
    }
    assert not heavy & loaded, sorted(heavy & loaded)


def test_the_schema_head_the_commands_check_is_alembics_head() -> None:
    """SCHEMA_HEAD spares every command Alembic's script directory; it must name the newest
    migration (add a migration, raise SCHEMA_HEAD)."""
    assert migrate.head_revision() == migrate.SCHEMA_HEAD
