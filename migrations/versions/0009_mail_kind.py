"""What each mail is: ``kind`` on the ticket and on the inbox row, and the notice a mail answers.

``ticket.kind`` is the kind of the mail that opened the ticket (staff change it with
``#kind``); tickets opened before this migration were all taken for problem reports, so they
get ``problem_report``. ``inbound_message.kind`` is each processed mail's own kind (NULL for
mail processed before), and ``inbound_message.notice_message_id`` the Message-ID of our notice
(an outage announcement) that the mail answers, when it answers one and opened no ticket.
``upgrade_notice`` records each client's notice of a software release (``upgrade announce``),
when it was scheduled and when it was reminded.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=32), nullable=False, server_default="problem_report")
        )
    with op.batch_alter_table("inbound_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("notice_message_id", sa.String(length=998), nullable=True))
    op.create_table(
        "upgrade_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("message_id", sa.String(length=998), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("scheduled_at", sa.DateTime(), nullable=True),
        sa.Column("scheduled_by", sa.String(length=320), nullable=True),
        sa.Column("scheduled_note", sa.Text(), nullable=True),
        sa.Column("reminded_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"], ["client.id"], name=op.f("fk_upgrade_notice_client_id_client")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_upgrade_notice")),
        sa.UniqueConstraint(
            "client_id", "version", name=op.f("uq_upgrade_notice_client_id_version")
        ),
    )
    op.create_index(op.f("ix_upgrade_notice_client_id"), "upgrade_notice", ["client_id"])
    op.create_index(op.f("ix_upgrade_notice_message_id"), "upgrade_notice", ["message_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_upgrade_notice_message_id"), "upgrade_notice")
    op.drop_index(op.f("ix_upgrade_notice_client_id"), "upgrade_notice")
    op.drop_table("upgrade_notice")
    with op.batch_alter_table("inbound_message", schema=None) as batch_op:
        batch_op.drop_column("notice_message_id")
        batch_op.drop_column("kind")
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_column("kind")
