"""Fixtures for tests that run the daemon as a subprocess: the daemon itself and a relay."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.daemon import CaptureRelay, ServeProcess
from tests.helpers import write_config
from tests.servers.ports import free_port
from zsupport_mail.db.session import make_engine, make_session_factory


@pytest.fixture
def relay():
    server = CaptureRelay(free_port()).start()
    yield server
    server.stop()


@pytest.fixture
def start_serve(tmp_path, db_url):
    started: list[ServeProcess] = []

    def start(env: dict[str, str] | None = None, **overrides) -> ServeProcess:
        overrides.setdefault("smtp", {})
        overrides["smtp"] = {"port": free_port(), **overrides["smtp"]}
        config = write_config(
            tmp_path / f"serve-{len(started)}.toml", db_url, tmp_path, **overrides
        )
        process = ServeProcess(config, env=env)
        started.append(process)
        process.port = overrides["smtp"]["port"]
        return process.start()

    yield start
    for process in started:
        process.stop()


def relay_mode(relay: CaptureRelay) -> dict:
    """Outbound settings that send replies to the capture relay, retrying fast."""
    return {"mode": "smtp", "relay_port": relay.port, "retry_base_seconds": 1}


def db_count(db_url: str, model, *where) -> int:
    """Rows of model (matching where) in the database, read with a fresh engine."""
    engine = make_engine(db_url)
    try:
        with make_session_factory(engine).begin() as session:
            return session.scalar(select(func.count()).select_from(model).where(*where))
    finally:
        engine.dispose()
