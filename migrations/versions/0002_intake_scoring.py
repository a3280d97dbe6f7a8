"""Intake scoring on tickets: cumulative findings, completion time, last notified missing set.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.add_column(sa.Column("intake", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("intake_complete_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("notified_missing", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_column("notified_missing")
        batch_op.drop_column("intake_complete_at")
        batch_op.drop_column("intake")
