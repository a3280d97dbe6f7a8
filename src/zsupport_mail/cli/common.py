"""What every command shares: the user-facing error, JSON output, opening the database."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from zsupport_mail.cli.commands import EXIT_CONFIG, EXIT_FAILURE, EXIT_SCHEMA, CommandError
from zsupport_mail.db import migrate
from zsupport_mail.db.session import make_engine, make_session_factory
from zsupport_mail.settings import Settings

__all__ = [
    "EXIT_CONFIG",
    "EXIT_FAILURE",
    "EXIT_SCHEMA",
    "CommandError",
    "open_db",
    "print_columns",
    "print_json",
]


def print_json(value: Any) -> None:
    """Machine output on stdout (a public interface: extend, never rename)."""
    print(json.dumps(value, indent=2, ensure_ascii=False))


def print_columns(header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """Rows as aligned text columns under a header, each as wide as its longest value.

    Fixed widths slipped out of line on long values (``awaiting_info``); the last column is
    left free because it holds prose (a subject, a reason).
    """
    table = [[str(v) for v in header], *([str(v) for v in row] for row in rows)]
    if len(table) == 1:
        return
    widths = [max(len(row[i]) for row in table) for i in range(len(header) - 1)]
    for row in table:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        print("  ".join([*cells, row[-1]]).rstrip())


def open_db(settings: Settings, *, require_schema: bool = True) -> sessionmaker[Session]:
    """Sessions on the configured database, refusing one whose schema is behind."""
    engine = make_engine(
        settings.database.url, busy_timeout_seconds=settings.database.busy_timeout_seconds
    )
    if require_schema:
        migrate.require_current(engine)
    return make_session_factory(engine)
