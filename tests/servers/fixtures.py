"""pytest fixtures that start the throwaway servers and always stop them.

Import them into tests/conftest.py (or a test module) to use them:
    from tests.servers.fixtures import dovecot, pg_cluster, postfix_factory  # noqa: F401

pg_cluster is session-scoped (one initdb per run; tests create their own databases on it).
Set ZSUPPORT_TEST_DATABASE_URL to test against a server you run yourself: pg_cluster then yields
None and starts nothing, and database fixtures built on it should use that URL instead.

The servers live in their own dirs under the system temp dir, not under tmp_path_factory: as
root, PostgreSQL and Dovecot run as service accounts that cannot enter pytest's 0700
/tmp/pytest-of-root, and every pytest session that starts resets that dir to 0700, so opening
it up would break the servers of any other test run on the machine.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.servers.dovecot import DovecotServer
from tests.servers.postfix import PostfixRelay
from tests.servers.postgres import PostgresCluster

DATABASE_URL_ENV = "ZSUPPORT_TEST_DATABASE_URL"


MEMORY_DIR = Path("/dev/shm")
MEMORY_NEEDED = 4 * 1024**3  # a full run leaves about 3 GB of test databases behind


def memory_dir() -> Path | None:
    """/dev/shm when it has room for the test cluster, else None (the system temp dir).

    The suite creates a database per PostgreSQL test (about 11 MB and 300 files each); on disk,
    creating 260 of them took 53 s and removing the cluster at the end 63 s, in tmpfs 10 s and
    1 s. What the tests check survives a server restart in tmpfs as on disk; a container's
    small /dev/shm is passed over."""
    try:
        free = shutil.disk_usage(MEMORY_DIR).free
    except OSError:
        return None
    return MEMORY_DIR if free >= MEMORY_NEEDED else None


@contextlib.contextmanager
def server_dir(name: str, root: Path | None = None) -> Iterator[Path]:
    """A fresh temp dir for one server (under root, else the system temp dir), removed with
    everything in it afterwards."""
    path = Path(tempfile.mkdtemp(prefix=f"zsupport-{name}-", dir=root))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PostgresCluster | None]:
    """A PostgreSQL 15 cluster for the whole session, or None when DATABASE_URL_ENV is set."""
    if os.environ.get(DATABASE_URL_ENV):
        yield None
        return
    with server_dir("postgres", memory_dir()) as base_dir:
        cluster = PostgresCluster(base_dir)
        try:
            cluster.start()
            yield cluster
        finally:
            cluster.stop()


@pytest.fixture
def dovecot() -> Iterator[DovecotServer]:
    """A fresh Dovecot with an empty mailbox for one test."""
    with server_dir("dovecot") as base_dir:
        server = DovecotServer(base_dir)
        try:
            server.start()
            yield server
        finally:
            server.stop()


@pytest.fixture
def postfix_factory() -> Iterator[Callable[..., PostfixRelay]]:
    """make(relay_port) starts a Postfix relaying to 127.0.0.1:relay_port; all stop at teardown.

    ``make(port, extra_main_cf=..., files={name: text})`` adds main.cf lines and writes files
    into its config dir first (maps such as ``texthash:{config_dir}/name``).
    """
    with contextlib.ExitStack() as stack:

        def make(
            relay_port: int, extra_main_cf: str = "", files: dict[str, str] | None = None
        ) -> PostfixRelay:
            relay = PostfixRelay(
                stack.enter_context(server_dir("postfix")),
                relay_port=relay_port,
                extra_main_cf=extra_main_cf,
            )
            relay.config_dir.mkdir(parents=True, exist_ok=True)
            for name, text in (files or {}).items():
                (relay.config_dir / name).write_text(text)
            stack.callback(relay.stop)
            relay.start()
            return relay

        yield make
