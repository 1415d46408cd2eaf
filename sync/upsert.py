"""Bulk upserts: one `INSERT … ON CONFLICT DO UPDATE` per table per batch.

Row-by-row ORM merges would cost a round trip per record; a batch of 100
Asana tasks is one statement here, on SQLite and PostgreSQL alike, handed to
the driver's `executemany` with the batch's rows (SQLite loops in C, psycopg
pipelines). That statement is compiled once and cached: a multi-row `VALUES`
with every row inlined was compiled anew for every batch (2,500 calendar
events x 20 columns = 50,000 bind parameters), which cost more than the
database work did (`make bench`, issue 9). The update
only fires when something a user could see changed (the payload, state, or
deletion), so re-running the same sync leaves every row — including
`synced_at` — untouched: idempotent in fact, not just in effect. A row that
was tombstoned and comes back is revived (`deleted_at` cleared).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

CHANGE_COLUMNS = ("raw", "state", "deleted_at", "url", "estimate_hours", "estimate_from",
                  "section")
"""A difference in any of these means the source changed the record. A task's effort
and section also depend on what is not in its payload (a Trello board's custom field
definitions and list names, the configured `estimate_field`), so they are compared
themselves."""


def _insert(connection: Connection, table: sa.Table) -> Any:
    dialect = connection.dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise RuntimeError(f"unsupported database dialect {dialect}")


def _changed(table: sa.Table, excluded: Any, columns: Sequence[str], dialect: str) -> Any:
    """SQL for "the incoming row differs from the stored one" (NULL-safe)."""
    terms = []
    for name in columns:
        stored, incoming = table.c[name], excluded[name]
        if isinstance(table.c[name].type, sa.JSON) and dialect == "postgresql":
            stored, incoming = sa.cast(stored, sa.Text), sa.cast(incoming, sa.Text)
        terms.append(stored.is_distinct_from(incoming))
    return sa.or_(*terms)


def upsert_rows(connection: Connection, model: type[SQLModel], rows: Sequence[dict[str, Any]],
                key: Sequence[str], change_columns: Sequence[str] = CHANGE_COLUMNS,
                insert_only: Sequence[str] = (), with_ids: bool = True,
                ) -> dict[tuple[Any, ...], int]:
    """Insert or update `rows` on the unique `key`; returns {key values: id} for all rows
    (nothing when `with_ids` is false: reading the ids back costs more than the upsert).

    `insert_only` columns are written when a row is created and never updated
    (first-seen times, values another step owns)."""
    if not rows:
        return {}
    table: sa.Table = model.__table__  # type: ignore[attr-defined]
    statement = _insert(connection, table)
    update_columns = [c for c in rows[0] if c not in (*key, "id", *insert_only)]
    statement = statement.on_conflict_do_update(
        index_elements=list(key),
        set_={name: statement.excluded[name] for name in update_columns},
        where=_changed(table, statement.excluded, [c for c in change_columns
                                                   if c in update_columns],
                       connection.dialect.name),
    )
    connection.execute(statement, list(rows))
    if not with_ids:
        return {}
    return ids_for(connection, table, key, [tuple(row[k] for k in key) for row in rows])


def ids_for(connection: Connection, table: sa.Table, key: Sequence[str],
            values: Sequence[tuple[Any, ...]]) -> dict[tuple[Any, ...], int]:
    """Database ids of rows by their unique key (RETURNING skips unchanged rows)."""
    found: dict[tuple[Any, ...], int] = {}
    columns = [table.c[k] for k in key]
    for start in range(0, len(values), 500):
        chunk = values[start:start + 500]
        query = sa.select(table.c.id, *columns).where(sa.tuple_(*columns).in_(chunk))
        for row in connection.execute(query):
            found[tuple(row[1:])] = row[0]
    return found


def record_row(record: SQLModel) -> dict[str, Any]:
    """A model object as a column dict ready for `upsert_rows` (no id)."""
    row = record.model_dump(exclude={"id"})
    table: sa.Table = type(record).__table__  # type: ignore[attr-defined]
    return {name: value for name, value in row.items() if name in table.c}
