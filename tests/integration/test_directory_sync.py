"""Two processes starting at once on one PostgreSQL both mirror the configured clients.

Found by the throughput benchmark: two ``ingest`` processes on a fresh database both read "no
clients yet", both inserted them, and the second failed on the clients' unique name. The
directory sync now waits for the other's transaction (an advisory transaction lock) and then
updates the rows it finds.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from zsupport_mail.db.models import Client
from zsupport_mail.db.repos import sync_directory
from zsupport_mail.db.session import make_engine, make_session_factory
from zsupport_mail.settings import Settings


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_second_sync_waits_for_the_first_and_creates_nothing_twice(
    settings: Settings, db_url: str
) -> None:
    engine = make_engine(db_url)
    factory = make_session_factory(engine)
    first = factory()
    first.begin()
    sync_directory(first, settings)  # the clients created, not yet committed
    outcome: dict[str, BaseException | None] = {}

    def second_sync() -> None:
        try:
            with factory.begin() as session:
                sync_directory(session, settings)
            outcome["error"] = None
        except BaseException as exc:  # reported to the test's thread
            outcome["error"] = exc

    second = threading.Thread(target=second_sync)
    second.start()
    second.join(timeout=2)
    assert second.is_alive(), "the second sync must wait for the first transaction"
    first.commit()
    first.close()
    second.join(timeout=30)
    assert not second.is_alive()
    assert outcome["error"] is None, repr(outcome["error"])
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Client)) == len(settings.clients)
    engine.dispose()
