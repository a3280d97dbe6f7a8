"""Alembic, driven from code: upgrade, current revision, and the "database is behind" check.

The migration scripts live in the repository's ``migrations/`` folder (or, in a built wheel,
inside the package), so the CLI works from any working directory.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

from zsupport_mail.db.errors import SchemaBehindError

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = [
    "SCHEMA_HEAD",
    "SchemaBehindError",
    "alembic_config",
    "current_revision",
    "downgrade",
    "head_revision",
    "migrations_dir",
    "require_current",
    "upgrade",
]

_PACKAGE_DIR = Path(__file__).resolve().parent.parent

# The newest migration's revision. Every command checks the schema against it, and reading it
# from Alembic's script directory cost a tenth of a second per call; a unit test holds it
# equal to Alembic's head (tests/unit/test_schema_head.py).
SCHEMA_HEAD = "0011"


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
    from alembic.config import Config  # Alembic only for the commands that migrate

    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Apply migrations up to revision."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    """Revert migrations down to revision ("base" for an empty database)."""
    from alembic import command

    command.downgrade(alembic_config(url), revision)


def head_revision() -> str:
    """The newest revision the code knows, read from Alembic's script directory."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    if head is None:  # pragma: no cover - the repository always ships migrations
        raise FileNotFoundError("no migrations found")
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for an empty database.

    Read with one query, as Alembic stores it (one row in ``alembic_version``).
    """
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        row = connection.execute(text("SELECT version_num FROM alembic_version")).first()
        return None if row is None else str(row[0])


def require_current(engine: Engine) -> None:
    """Refuse to run on a database whose schema is not the code's.

    Raises:
        SchemaBehindError: with the command that fixes it.
    """
    current, head = current_revision(engine), SCHEMA_HEAD
    if current != head:
        state = "empty (no migrations applied)" if current is None else f"at revision {current}"
        raise SchemaBehindError(
            f"the database is {state} but this version needs {head}: "
            "run `zsupport-mail db upgrade` first"
        )
