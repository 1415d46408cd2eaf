"""Shared fixtures: a database engine per backend (SQLite file, throwaway PostgreSQL).

Tests that take `engine` run once on SQLite and once on PostgreSQL, each on a
fresh, empty database created for that test.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from baton.database import make_engine
from sandbox.orgs import DEFAULT_ORG, ORGS
from sandbox.pgcluster import Cluster, find_bindir, start_cluster
from sandbox.run import RunningSandbox, start_sandbox

FIXTURES = Path(__file__).parent / "fixtures"
SANDBOX_NOW: datetime = ORGS[DEFAULT_ORG].pinned_now  # 2026-11-25T10:00Z, a Wednesday
"""The instant sandbox-backed tests pin the replicas to (and pass to baton as --now)."""
_database_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    bindir = find_bindir()
    if bindir is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL binaries not found; .ci/run installs them")
        pytest.skip("PostgreSQL binaries not found (install postgresql to run these)")
    cluster = start_cluster(bindir)
    yield cluster
    cluster.stop()


def _fresh_pg_database(cluster: Cluster) -> str:
    name = f"baton_test_{os.getpid()}_{next(_database_numbers)}"
    admin = sa.create_engine(cluster.admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return cluster.url(name)


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL of an empty database on the backend named by the test's `backend` param."""
    backend = getattr(request, "param", "sqlite")
    if backend == "postgresql":
        return _fresh_pg_database(request.getfixturevalue("pg_cluster"))
    return f"sqlite:///{tmp_path / 'baton.db'}"


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


both_backends = pytest.mark.parametrize(
    "database_url", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
    indirect=True)
"""Run a test on SQLite and on PostgreSQL (each with a fresh database)."""


def running_sandbox(tmp_path_factory: pytest.TempPathFactory, org: str = DEFAULT_ORG
                    ) -> Iterator[RunningSandbox]:
    """The four replicas with a sample organisation at its pinned now (SANDBOX_NOW for the
    agency), stopped afterwards. Modules whose tests only read it (or mutate it in order)
    wrap this in a module-scoped fixture of their own; `sandbox` gives every test a fresh
    one."""
    running = start_sandbox(tmp_path_factory.mktemp("tls"), org=org,
                            now=ORGS[org].pinned_now)
    yield running
    running.stop()


@pytest.fixture
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    yield from running_sandbox(tmp_path_factory)
