"""A throwaway PostgreSQL 15 for the SMTP and ingest benchmarks, durable like the baseline.

The test suite's cluster (tests/servers/postgres.py) runs with fsync, synchronous_commit and
full_page_writes off, in memory: right for tests, wrong beside an fsync-only sink that makes
every message durable before its 250. Here the same cluster is made on the disk of the
system temp dir (where the sink writes too) with those three settings back on, so that
``serve`` on PostgreSQL acknowledges only after a durable commit, as it would in production.
``durable=False`` gives the tests' settings (for comparing what the commits cost).
"""

from __future__ import annotations

import contextlib
import itertools
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import benchlib
import smtp

sys.path.insert(0, str(benchlib.ROOT))  # the test suite's throwaway PostgreSQL

import psycopg
from tests.servers.fixtures import server_dir
from tests.servers.postgres import PostgresCluster

DURABLE = {"fsync": "on", "synchronous_commit": "on", "full_page_writes": "on"}


class BenchCluster(PostgresCluster):
    """The tests' cluster; with ``durable`` its commits reach the disk before they return."""

    def __init__(self, base_dir: Path, durable: bool = True) -> None:
        super().__init__(base_dir)
        self.durable = durable
        self._names = itertools.count()

    def _init_cluster(self) -> None:
        super()._init_cluster()
        extra = {**(DURABLE if self.durable else {}), "max_connections": "200"}
        with (self.data_dir / "postgresql.conf").open("a") as conf:  # later lines win
            conf.writelines(f"{key} = {value}\n" for key, value in extra.items())

    def fresh(self, work: Path) -> smtp.Database:
        """A new empty database for one run (``work`` is not needed: the data is the cluster's)."""
        name = f"bench_{next(self._names)}"
        self.create_database(name)
        url = self.url(name)
        plain = url.replace("postgresql+psycopg", "postgresql")
        return smtp.Database(url, lambda: psycopg.connect(plain, autocommit=True))


@contextlib.contextmanager
def running_cluster(durable: bool = True) -> Iterator[BenchCluster]:
    """A started cluster in a temp dir on disk, stopped and removed afterwards."""
    with server_dir("bench-pg") as base:
        cluster = BenchCluster(base, durable)
        cluster.start()
        try:
            yield cluster
        finally:
            cluster.stop()


def database_factory(cluster: BenchCluster | None) -> Callable[[Path], smtp.Database]:
    """Fresh databases on the cluster, or fresh SQLite files when there is none."""
    return cluster.fresh if cluster is not None else smtp.sqlite_database
