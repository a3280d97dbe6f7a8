"""Staff work and loop safety: ticket working fields, labour hours, reply rate limits, bounces.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("critical", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("assignee", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("first_response_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("pending_since", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("restored_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("linked_ticket_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("rma_state", sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column("rma_tracking", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("cc_reminder_sent", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_ticket_linked_ticket_id_ticket"), "ticket", ["linked_ticket_id"], ["id"]
        )
    with op.batch_alter_table("charge", schema=None) as batch_op:
        batch_op.add_column(sa.Column("hours", sa.Numeric(precision=8, scale=2), nullable=True))
    with op.batch_alter_table("outbound_message", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("automatic", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.add_column(
            sa.Column("recipient", sa.String(length=320), nullable=False, server_default="")
        )
        batch_op.create_index(batch_op.f("ix_outbound_message_recipient"), ["recipient"])
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.add_column(sa.Column("bounces", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("failing_since", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.drop_column("failing_since")
        batch_op.drop_column("bounces")
    with op.batch_alter_table("outbound_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbound_message_recipient"))
        batch_op.drop_column("recipient")
        batch_op.drop_column("automatic")
    with op.batch_alter_table("charge", schema=None) as batch_op:
        batch_op.drop_column("hours")
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_ticket_linked_ticket_id_ticket"), type_="foreignkey"
        )
        for column in (
            "cc_reminder_sent",
            "rma_tracking",
            "rma_state",
            "linked_ticket_id",
            "restored_at",
            "pending_since",
            "first_response_at",
            "assignee",
            "critical",
        ):
            batch_op.drop_column(column)
