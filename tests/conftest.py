"""Shared fixtures: a real database per test (SQLite and PostgreSQL), config files, pipelines.

Every storage test takes ``db_url`` (or ``empty_db_url``, ``sessions``, ``pipeline``, or a
fixture built on them) and so runs twice: on a fresh SQLite file and on a fresh database in
the throwaway PostgreSQL cluster the suite starts (or the server named by
ZSUPPORT_TEST_DATABASE_URL). A PostgreSQL that cannot start fails the tests; it never skips.
The PostgreSQL runs carry the ``postgres`` mark, so ``-m "not postgres"`` leaves them out.
Acceptance tests run on SQLite only, unless marked ``every_backend`` (see ``_backends_for``).

A test that touches no storage runs once: ``make_settings`` and ``settings`` alone do not ask
for a database, and their ``database.url`` then names a SQLite file nobody created.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from tests.helpers import write_config
from tests.servers.fixtures import dovecot, pg_cluster, postfix_factory  # noqa: F401
from tests.servers.postgres import PostgresCluster
from zsupport_mail.db import migrate
from zsupport_mail.db.repos import sync_directory
from zsupport_mail.db.session import make_engine, make_session_factory
from zsupport_mail.mail.replies import ReplyRenderer
from zsupport_mail.runtime.pipeline import Pipeline
from zsupport_mail.settings import Settings, load_settings
from zsupport_mail.settings.clock import utc_now

_counter = itertools.count()
TEMPLATE_DB = "zs_template"


class PostgresDatabases:
    """Creates a fresh database per test: empty, or cloned from a migrated template."""

    def __init__(self, cluster: PostgresCluster | None, external_url: str | None) -> None:
        self._cluster = cluster
        self._external = external_url
        self._template_ready = False

    def _admin_url(self, name: str) -> str:
        if self._cluster is not None:
            return self._cluster.url(name)
        assert self._external is not None
        return make_url(self._external).set(database=name).render_as_string(hide_password=False)

    def _create(self, name: str, template: str | None) -> None:
        if self._cluster is not None:
            self._cluster.create_database(name, template=template)
            return
        import psycopg

        admin = make_url(self._external).set(drivername="postgresql")  # type: ignore[arg-type]
        with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
            suffix = f" TEMPLATE {template}" if template else ""
            conn.execute(f'CREATE DATABASE "{name}"{suffix}')

    def new(self, *, migrated: bool) -> str:
        name = f"zs_test_{os.getpid()}_{next(_counter)}"
        if migrated and not self._template_ready:
            self._create(TEMPLATE_DB, None)
            migrate.upgrade(self._admin_url(TEMPLATE_DB))
            self._template_ready = True
        self._create(name, TEMPLATE_DB if migrated else None)
        return self._admin_url(name)


@pytest.fixture(scope="session")
def pg_databases(pg_cluster: PostgresCluster | None) -> PostgresDatabases:  # noqa: F811
    return PostgresDatabases(pg_cluster, os.environ.get("ZSUPPORT_TEST_DATABASE_URL"))


BACKENDS = ("sqlite", "postgresql")
STORAGE_FREE_DB = "no-database-requested.db"


def _parametrized_by_marker(metafunc: pytest.Metafunc, name: str) -> bool:
    for marker in metafunc.definition.iter_markers("parametrize"):
        names = marker.args[0] if marker.args else marker.kwargs.get("argnames", ())
        if isinstance(names, str):
            names = [part.strip() for part in names.split(",")]
        if name in names:
            return True
    return False


ACCEPTANCE = Path(__file__).parent / "acceptance"


def _backends_for(metafunc: pytest.Metafunc) -> tuple[str, ...]:
    """Every backend, except for an acceptance test that is not marked ``every_backend``.

    An acceptance test drives the whole daemon; what it proves about storage (each query, each
    transaction) the integration tests prove on both backends already. So an acceptance test
    runs on SQLite, unless storage behaviour is its subject (durability across kill -9,
    claims between processes, what another process sees, migrations, purges): then it is
    marked ``every_backend`` and runs on PostgreSQL too."""
    in_acceptance = ACCEPTANCE in Path(str(metafunc.definition.path)).parents
    if in_acceptance and metafunc.definition.get_closest_marker("every_backend") is None:
        return ("sqlite",)
    return BACKENDS


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run a test once per backend when its fixtures reach ``backend`` (through ``db_url``,
    ``empty_db_url``...), unless it names its backends itself with a parametrize mark."""
    if "backend" in metafunc.fixturenames and not _parametrized_by_marker(metafunc, "backend"):
        metafunc.parametrize("backend", _backends_for(metafunc), indirect=True)


@pytest.hookimpl(tryfirst=True)  # before -m deselects by the marks added here
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that runs on PostgreSQL ``postgres``."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_postgres = callspec is not None and callspec.params.get("backend") == "postgresql"
        names = getattr(item, "fixturenames", ())
        if on_postgres or "pg_databases" in names or "pg_cluster" in names:
            item.add_marker(pytest.mark.postgres)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """The test's storage backend, one of BACKENDS (parametrized by pytest_generate_tests)."""
    return str(request.param)


@pytest.fixture
def empty_db_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A URL of an empty database (no migrations applied) on the test's backend."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'zsupport.db'}"
    return request.getfixturevalue("pg_databases").new(migrated=False)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head once per run; each test gets a copy (as each PostgreSQL
    test gets a database cloned from a migrated template): the same schema, without running
    every migration again for each of some 400 tests."""
    path = tmp_path_factory.mktemp("sqlite-template") / "zsupport.db"
    migrate.upgrade(f"sqlite:///{path}")
    assert not path.with_name(path.name + "-wal").exists(), "the template must be checkpointed"
    return path


@pytest.fixture
def db_url(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest, sqlite_template: Path
) -> str:
    """A URL of a database migrated to head, on the test's backend."""
    if backend == "sqlite":
        path = tmp_path / "zsupport.db"
        shutil.copyfile(sqlite_template, path)
        return f"sqlite:///{path}"
    return request.getfixturevalue("pg_databases").new(migrated=True)


@pytest.fixture
def make_settings(tmp_path: Path, request: pytest.FixtureRequest) -> Callable[..., Settings]:
    """Build Settings through the real TOML loader; keyword args override config sections.

    The database is the test's ``db_url`` when the test asks for one (directly or through
    ``sessions``, ``pipeline``...); otherwise the test touches no storage, runs once, and the
    URL names a SQLite file that was never created.
    """
    if "db_url" in request.fixturenames:
        db_url = str(request.getfixturevalue("db_url"))
    else:
        db_url = f"sqlite:///{tmp_path / STORAGE_FREE_DB}"

    def make(**overrides: Any) -> Settings:
        path = write_config(
            tmp_path / f"config-{next(_counter)}.toml", db_url, tmp_path, **overrides
        )
        return load_settings(path)

    return make


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings()


@pytest.fixture
def sessions(settings: Settings, db_url: str) -> Iterator[sessionmaker[Session]]:
    assert settings.database.url == db_url
    engine = make_engine(settings.database.url)
    factory = make_session_factory(engine)
    with factory.begin() as session:
        sync_directory(session, settings)
    yield factory
    engine.dispose()


@pytest.fixture
def pipeline(settings: Settings, sessions: sessionmaker[Session]) -> Pipeline:
    return Pipeline(
        settings=settings,
        sessions=sessions,
        renderer=ReplyRenderer(settings),
        clock=utc_now,
        worker="test",
    )
