"""Storage errors that callers catch without importing Alembic or the ORM."""

from __future__ import annotations


class SchemaBehindError(Exception):
    """The database is not at the code's migration head; the message names the fix."""
