"""The SMTP client's IP address on each inbox row, for [staff] trusted_relays.

Staff authority may rest on the mail having been handed over by one of our own submission
relays; the edge records the peer so the intake can tell. Rows stored before have none.

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
    with op.batch_alter_table("inbound_message") as batch:
        batch.add_column(sa.Column("peer_address", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("inbound_message") as batch:
        batch.drop_column("peer_address")
