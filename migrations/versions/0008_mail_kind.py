"""What each mail is: ``kind`` on the ticket and on the inbox row, and the notice a mail answers.

``ticket.kind`` is the kind of the mail that opened the ticket (staff change it with
``#kind``); tickets opened before this migration were all taken for problem reports, so they
get ``problem_report``. ``inbound_message.kind`` is each processed mail's own kind (NULL for
mail processed before), and ``inbound_message.notice_message_id`` the Message-ID of our notice
(an outage announcement) that the mail answers, when it answers one and opened no ticket.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "kind", sa.String(length=32), nullable=False, server_default="problem_report"
            )
        )
    with op.batch_alter_table("inbound_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("notice_message_id", sa.String(length=998), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("inbound_message", schema=None) as batch_op:
        batch_op.drop_column("notice_message_id")
        batch_op.drop_column("kind")
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_column("kind")
