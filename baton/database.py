"""The database engine and schema migrations, the same way for every command.

SQLite is the zero-setup default (its file created 0600); PostgreSQL is for teams
running sync from several machines. Both get the same schema from the same Alembic migrations,
and `upgrade` is called by `db upgrade`, `sync` and `serve` alike.
"""

from __future__ import annotations

import os
from contextlib import suppress
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy.engine import Engine, make_url

import migrations

MIGRATIONS_DIR = Path(migrations.__file__).parent
SQLITE_BUSY_TIMEOUT_MS = 30_000


def normalise_url(url: str) -> str:
    """`postgresql://` and `postgres://` mean psycopg 3, the driver baton ships."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str) -> Engine:
    engine = sa.create_engine(normalise_url(url), pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        _create_private(engine.url.database)
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _create_private(database: str | None) -> None:
    """Create a new SQLite file readable by its owner only: it holds client data. SQLite
    gives the -wal, -shm and journal files it creates later the same mode."""
    if not database or database == ":memory:":
        return
    # An existing database keeps its mode; a missing folder is reported on connect.
    with suppress(FileExistsError, FileNotFoundError):
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Foreign keys on (SQLite defaults them off), WAL so the feed can read while
    sync writes, and a busy timeout so overlapping readers wait, not fail."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


def alembic_config() -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision`; a no-op when it is already there."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
