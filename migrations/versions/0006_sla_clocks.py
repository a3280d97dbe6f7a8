"""SLA clocks on tickets: start of proper notification, due times, pending intervals.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_COLUMNS = ("sla_started_at", "response_due_at", "restoration_due_at")


def upgrade() -> None:
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        for column in _COLUMNS:
            batch_op.add_column(sa.Column(column, sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("pending_log", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("sla_alerts", sa.JSON(), nullable=True))
        batch_op.add_column(
            sa.Column("affected_portion", sa.Numeric(precision=4, scale=3), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_column("affected_portion")
        batch_op.drop_column("sla_alerts")
        batch_op.drop_column("pending_log")
        for column in reversed(_COLUMNS):
            batch_op.drop_column(column)
