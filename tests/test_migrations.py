"""`baton db upgrade` on an empty database creates exactly the model, on both backends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Engine

import model
from baton import database
from tests.conftest import both_backends


def schema_differences(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, model.metadata))


@both_backends
def test_upgrade_creates_exactly_the_model(engine: Engine) -> None:
    database.upgrade(engine)
    assert schema_differences(engine) == []
    assert database.current_revision(engine) is not None


@both_backends
def test_upgrade_twice_is_a_no_op(engine: Engine) -> None:
    database.upgrade(engine)
    first = database.current_revision(engine)
    database.upgrade(engine)
    assert database.current_revision(engine) == first
    assert schema_differences(engine) == []


def test_an_empty_database_differs_from_the_model(engine: Engine) -> None:
    """The comparison itself can fail: without the migration every table is missing."""
    missing = {diff[1].name for diff in schema_differences(engine) if diff[0] == "add_table"}
    assert missing == set(model.metadata.tables)


def test_postgres_urls_use_psycopg3() -> None:
    assert database.normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert database.normalise_url("postgres://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert database.normalise_url("sqlite:///x.db") == "sqlite:///x.db"
