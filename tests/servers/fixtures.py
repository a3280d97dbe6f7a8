"""pytest fixtures that start the throwaway servers and always stop them.

Import them into a conftest.py (or a test module) to use them:
    from tests.servers.fixtures import dovecot, pg_cluster, postfix_factory  # noqa: F401

pg_cluster is session-scoped (one initdb per run; tests create their own databases on it).
Set ZSUPPORT_TEST_DATABASE_URL to test against a server you run yourself: pg_cluster then yields
None and starts nothing, and database fixtures built on it should use that URL instead.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator

import pytest
from tests.servers.dovecot import DovecotServer
from tests.servers.postfix import PostfixRelay
from tests.servers.postgres import PostgresCluster

DATABASE_URL_ENV = "ZSUPPORT_TEST_DATABASE_URL"


@pytest.fixture(scope="session")
def pg_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresCluster | None]:
    """A PostgreSQL 15 cluster for the whole session, or None when DATABASE_URL_ENV is set."""
    if os.environ.get(DATABASE_URL_ENV):
        yield None
        return
    cluster = PostgresCluster(tmp_path_factory.mktemp("postgres"))
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def dovecot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DovecotServer]:
    """A fresh Dovecot with an empty mailbox for one test."""
    # A short dir name of our own: Dovecot's unix sockets must fit in 108 bytes.
    server = DovecotServer(tmp_path_factory.mktemp("dovecot"))
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def postfix_factory(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[[int], PostfixRelay]]:
    """make(relay_port) starts a Postfix relaying to 127.0.0.1:relay_port; all stop at teardown."""
    with contextlib.ExitStack() as stack:

        def make(relay_port: int) -> PostfixRelay:
            relay = PostfixRelay(tmp_path_factory.mktemp("postfix"), relay_port=relay_port)
            stack.callback(relay.stop)
            relay.start()
            return relay

        yield make
