"""Alembic, driven from code: upgrade, current revision, and the "database is behind" check.

The migration scripts live in the repository's ``migrations/`` folder (or, in a built wheel,
inside the package), so the CLI works from any working directory.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

_PACKAGE_DIR = Path(__file__).resolve().parent.parent


class SchemaBehindError(Exception):
    """The database is not at the code's migration head; the message names the fix."""


def migrations_dir() -> Path:
    """Where the Alembic scripts are: packaged copy first, then the source checkout."""
    for candidate in (
        _PACKAGE_DIR / "_data" / "migrations",
        _PACKAGE_DIR.parents[1] / "migrations",
    ):
        if (candidate / "env.py").is_file():
            return candidate
    raise FileNotFoundError("the Alembic migrations folder is missing from this installation")


def alembic_config(url: str) -> Config:
    """An Alembic Config for a database URL, without needing alembic.ini."""
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Apply migrations up to revision."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    """Revert migrations down to revision ("base" for an empty database)."""
    command.downgrade(alembic_config(url), revision)


def head_revision() -> str:
    """The newest revision the code knows."""
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    if head is None:  # pragma: no cover - the repository always ships migrations
        raise FileNotFoundError("no migrations found")
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for an empty database."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def require_current(engine: Engine) -> None:
    """Refuse to run on a database whose schema is not the code's.

    Raises:
        SchemaBehindError: with the command that fixes it.
    """
    current, head = current_revision(engine), head_revision()
    if current != head:
        state = "empty (no migrations applied)" if current is None else f"at revision {current}"
        raise SchemaBehindError(
            f"the database is {state} but this version needs {head}: "
            "run `zsupport-mail db upgrade` first"
        )
