"""`baton db upgrade` on an empty database creates exactly the model, on both backends."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Engine

import model
from baton import database
from model import Task
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


@both_backends
def test_task_projects_are_backfilled_from_stored_asana_payloads(engine: Engine) -> None:
    """Sync rewrites only rows whose payload changed, so a multi-homed Asana task stored
    before the column existed gets its projects from its stored payload."""
    database.upgrade(engine, "0002")
    rows = [("asana-main", "t1", {"gid": "t1", "projects": [{"gid": "p1"}, {"gid": "p2"}],
                                  "memberships": [{"project": {"gid": "p3"}}, {}]}),
            ("asana-main", "sub", {"gid": "sub", "projects": []}),
            ("trello-studio", "c1", {"id": "c1", "idBoard": "b1"})]
    with engine.begin() as connection:
        for source, external_id, raw in rows:
            connection.execute(sa.text(
                "INSERT INTO task (source, external_id, raw, synced_at, state, title) "
                "VALUES (:source, :external_id, :raw, :now, 'active', 'x')"),
                {"source": source, "external_id": external_id, "raw": json.dumps(raw),
                 "now": datetime(2026, 3, 1, tzinfo=UTC)})
    database.upgrade(engine)
    with engine.connect() as connection:
        found = {row[0]: row[1] for row in connection.execute(
            sa.select(Task.external_id, Task.project_external_ids))}
    assert found == {"t1": ["p1", "p2", "p3"], "sub": [], "c1": []}
