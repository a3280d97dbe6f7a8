"""Retention: when the raw bytes of a stored mail were dropped by ``messages purge``.

A purged row keeps its size, hash, envelope, journey and ticket link; only ``raw`` is emptied,
and ``purged_at`` says so (reprocessing refuses such a row instead of parsing nothing).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

TABLES = ("inbound_message", "outbound_message")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("purged_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("purged_at")
