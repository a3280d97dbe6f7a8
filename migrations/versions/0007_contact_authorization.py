"""Authorised-contact history: one row per period a contact was primary or backup of a client.

Existing authorised contacts (active, primary or backup) get an open period from the start of
the record (1970-01-01, source ``config``), so every message stored before this migration is
still explained as authorised when it is reprocessed or shown.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

RECORD_START = datetime(1970, 1, 1)  # naive UTC, as UTCDateTime stores instants


def upgrade() -> None:
    table = op.create_table(
        "contact_authorization",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("valid_from", sa.DateTime(), nullable=False),
        sa.Column("valid_until", sa.DateTime(), nullable=True),
        sa.Column("source", sa.String(length=400), nullable=False),
        sa.Column("ended_by", sa.String(length=400), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"], ["client.id"], name=op.f("fk_contact_authorization_client_id_client")
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
            name=op.f("fk_contact_authorization_contact_id_contact"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_authorization")),
    )
    op.create_index(
        op.f("ix_contact_authorization_contact_id"), "contact_authorization", ["contact_id"]
    )
    op.create_index(
        "ix_contact_authorization_client_id_valid_until",
        "contact_authorization",
        ["client_id", "valid_until"],
    )
    rows = op.get_bind().execute(
        sa.text(
            "SELECT id, client_id, role FROM contact "
            "WHERE active = :yes AND role IN ('primary', 'backup')"
        ),
        {"yes": True},
    )
    backfill = [
        {
            "contact_id": contact_id,
            "client_id": client_id,
            "role": role,
            "valid_from": RECORD_START,
            "source": "config",
            "note": "authorised before the history was kept (migration 0007)",
        }
        for contact_id, client_id, role in rows
    ]
    if backfill:
        op.bulk_insert(table, backfill)


def downgrade() -> None:
    op.drop_index("ix_contact_authorization_client_id_valid_until", "contact_authorization")
    op.drop_index(op.f("ix_contact_authorization_contact_id"), "contact_authorization")
    op.drop_table("contact_authorization")
