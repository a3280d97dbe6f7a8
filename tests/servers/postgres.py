"""A throwaway PostgreSQL 15 cluster in a temp dir, listening on a free loopback port.

One cluster serves a whole test session (initdb and start take about a second); tests get their
own databases with create_database/drop_database. Durability is switched off: the data is thrown
away anyway. initdb refuses to run as root, so as root every server command runs as the
`postgres` account.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import psycopg
from psycopg import sql

from tests.servers.ports import allow_traverse, ensure_port_free, free_port, log_tail

PG_BIN = Path("/usr/lib/postgresql/15/bin")
SERVICE_ACCOUNT = "postgres"
SUPERUSER = "postgres"
INITDB_OPTIONS = ("-U", SUPERUSER, "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")


class PostgresCluster:
    """initdb + pg_ctl on base_dir; the port is picked at the first start and kept."""

    def __init__(self, base_dir: Path) -> None:
        self.base_dir = base_dir
        self.data_dir = base_dir / "data"
        self.log_path = base_dir / "postgres.log"
        self._port: int | None = None

    @property
    def host(self) -> str:
        return "127.0.0.1"

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the cluster has not been started")
        return self._port

    def url(self, dbname: str) -> str:
        """A SQLAlchemy URL for dbname on this cluster."""
        return f"postgresql+psycopg://{SUPERUSER}@{self.host}:{self.port}/{dbname}"

    def start(self) -> None:
        """Create the cluster on first use, then start it; raise with the log tail on failure."""
        if self._port is None:
            self._port = free_port()
        ensure_port_free(self._port)
        if not (self.data_dir / "PG_VERSION").exists():
            self._init_cluster()
        result = self._run(
            "pg_ctl", "-D", str(self.data_dir), "-l", str(self.log_path), "-w", "-t", "30", "start"
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"PostgreSQL did not start on port {self._port}:\n{result.stdout}"
                f"\n--- {self.log_path} ---\n{log_tail(self.log_path)}"
            )

    def stop(self, mode: str = "immediate") -> None:
        """Stop at once, without a checkpoint; a no-op when the server is not running.

        With synchronous_commit off an immediate stop can lose the last commits: a test that
        stops the server under a client and checks what survived uses mode="fast".
        """
        self._stop(mode)

    def restart(self) -> None:
        """Stop cleanly and start again on the same port.

        A clean (fast) stop, because with synchronous_commit off an immediate stop can lose the
        last commits, and a test that restarts the server usually checks that data survived.
        """
        self._stop("fast")
        self.start()

    def create_database(
        self, name: str, template: str | None = None, tablespace: str | None = None
    ) -> None:
        query = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template is not None:
            query += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
        if tablespace is not None:
            query += sql.SQL(" TABLESPACE {}").format(sql.Identifier(tablespace))
        self._execute(query)

    def create_tablespace(self, name: str, location: Path) -> None:
        """A tablespace in location, e.g. on a small file system a test can fill up.

        location is made here (PostgreSQL wants an empty dir owned by its account); every
        dir above it must let that account through (tests.servers.fixtures.server_dir does).
        """
        location.mkdir()
        if os.geteuid() == 0:
            shutil.chown(location, SERVICE_ACCOUNT, SERVICE_ACCOUNT)
        self._execute(
            sql.SQL("CREATE TABLESPACE {} LOCATION {}").format(
                sql.Identifier(name), sql.Literal(str(location))
            )
        )

    def drop_database(self, name: str) -> None:
        """Drop name even while clients are still connected to it."""
        self._execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )

    def _stop(self, mode: str) -> None:
        pid_file = self.data_dir / "postmaster.pid"
        if not pid_file.exists():
            return
        result = self._run("pg_ctl", "-D", str(self.data_dir), "-m", mode, "-w", "stop")
        if result.returncode != 0 and pid_file.exists():
            raise RuntimeError(f"PostgreSQL did not stop:\n{result.stdout}")

    def _execute(self, query: sql.Composed) -> None:
        with psycopg.connect(
            host=self.host, port=self.port, user=SUPERUSER, dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(query)

    def _init_cluster(self) -> None:
        self.base_dir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            allow_traverse(self.base_dir)
            shutil.chown(self.base_dir, SERVICE_ACCOUNT, SERVICE_ACCOUNT)
        result = self._run("initdb", "-D", str(self.data_dir), *INITDB_OPTIONS)
        if result.returncode != 0:
            raise RuntimeError(f"initdb failed in {self.data_dir}:\n{result.stdout}")
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(self.port),
            "unix_socket_directories": f"'{self.base_dir}'",
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
        }
        with (self.data_dir / "postgresql.conf").open("a") as conf:
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())

    def _run(self, program: str, *args: str) -> subprocess.CompletedProcess[str]:
        """Run a PostgreSQL program, as the postgres account when we are root."""
        command = [str(PG_BIN / program), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", SERVICE_ACCOUNT, "--", *command]
        return subprocess.run(
            command,
            cwd=self.base_dir,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=60,
            check=False,
        )
