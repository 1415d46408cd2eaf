"""Empty databases on demand: SQLite files, and databases in a throwaway PostgreSQL.

PostgreSQL is the same cluster the test suite starts (sandbox/pgcluster.py:
initdb + pg_ctl, run as `nobody` when we are root, fsync and synchronous
commit off because the data is thrown away). Both sync and the store-only
ceiling write to it under the same settings, so their ratio is fair; absolute
PostgreSQL numbers are those of a cluster tuned for throwaway data.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from sandbox.pgcluster import Cluster, find_bindir, start_cluster

BACKENDS = ("sqlite", "postgresql")


class Databases:
    def __init__(self, folder: Path, cluster: Cluster | None) -> None:
        self.folder = folder
        self.cluster = cluster

    def fresh(self, backend: str, name: str) -> str:
        """The URL of a new, empty database called `name` on `backend`."""
        if backend == "sqlite":
            return f"sqlite:///{self.folder / f'{name}.db'}"
        assert self.cluster is not None
        admin = sa.create_engine(self.cluster.admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        return self.cluster.url(name)


@contextmanager
def databases(folder: Path, backends: list[str]) -> Iterator[Databases]:
    cluster = None
    if "postgresql" in backends:
        bindir = find_bindir()
        if bindir is None:
            raise SystemExit("bench: PostgreSQL binaries not found (pg_ctl); install "
                             "postgresql or run with --backends sqlite")
        cluster = start_cluster(bindir)
    try:
        yield Databases(folder, cluster)
    finally:
        if cluster is not None:
            cluster.stop()
