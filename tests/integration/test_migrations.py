"""Migrations produce exactly the models' schema, and round-trip, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from zsupport_mail.db import migrate
from zsupport_mail.db.models import Base
from zsupport_mail.db.session import make_engine


def schema_differences(url: str) -> list:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()


def test_upgrade_on_empty_database_matches_the_models(empty_db_url):
    migrate.upgrade(empty_db_url)
    assert schema_differences(empty_db_url) == []


def test_downgrade_then_upgrade_roundtrips(empty_db_url):
    migrate.upgrade(empty_db_url)
    migrate.downgrade(empty_db_url, "base")
    engine = make_engine(empty_db_url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    migrate.upgrade(empty_db_url)
    assert schema_differences(empty_db_url) == []


def test_require_current_names_the_fix(empty_db_url):
    engine = make_engine(empty_db_url)
    with pytest.raises(migrate.SchemaBehindError, match="zsupport-mail db upgrade"):
        migrate.require_current(engine)
    migrate.upgrade(empty_db_url)
    migrate.require_current(engine)  # no error once at head
    engine.dispose()


def test_out_of_order_lookup_uses_its_index(tmp_path):
    """The "a reply to it arrived first" lookup runs once per message: it must not scan."""
    from sqlalchemy import select, text

    from zsupport_mail.db.models import MessageReference, Ticket

    url = f"sqlite:///{tmp_path / 'plan.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    query = (
        select(Ticket.id)
        .join(MessageReference, MessageReference.ticket_id == Ticket.id)
        .where(MessageReference.referenced_id == "<x@y>")
    )
    with engine.connect() as connection:
        compiled = query.compile(connection, compile_kwargs={"literal_binds": True})
        plan = " ".join(
            str(row) for row in connection.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))
        )
    engine.dispose()
    assert "ix_message_reference_referenced_id" in plan
