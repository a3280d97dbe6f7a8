"""Portal sign-in links: the SHA-256 of each single-use link, its address and its expiry.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "portal_signin",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_signin")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_portal_signin_token_sha256")),
    )
    op.create_index(op.f("ix_portal_signin_email"), "portal_signin", ["email"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_portal_signin_email"), table_name="portal_signin")
    op.drop_table("portal_signin")
