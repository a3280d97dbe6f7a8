"""Which storage failures the SMTP edge reports as 452 4.3.1 (full) rather than 451 4.3.0."""

from __future__ import annotations

import errno
import sqlite3

import pytest
from sqlalchemy.exc import OperationalError

from zsupport_mail.queues.inbox import storage_full


class PgDiskFull(Exception):
    sqlstate = "53100"  # what psycopg puts on errors.DiskFull


@pytest.mark.parametrize(
    ("error", "full"),
    [
        (
            OperationalError("INSERT", {}, sqlite3.OperationalError("database or disk is full")),
            True,
        ),
        (OperationalError("INSERT", {}, PgDiskFull("could not extend file")), True),
        (OSError(errno.ENOSPC, "No space left on device"), True),
        (OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked")), False),
        (OperationalError("SELECT", {}, sqlite3.OperationalError("disk I/O error")), False),
        (ConnectionRefusedError(errno.ECONNREFUSED, "refused"), False),
    ],
)
def test_storage_full_is_told_apart_from_other_failures(error, full):
    assert storage_full(error) is full
