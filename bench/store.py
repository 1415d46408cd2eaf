"""Store-only ceiling: the rows a full sync stored, bulk-inserted with raw `executemany`.

The rows are read back from the database the full sync just filled (untimed),
then inserted into a fresh database of the same kind, with the same schema
and indexes, through the driver's own `executemany` in chunks of 1,000 and one
commit per source: no ORM, no upsert, no change detection, no per-batch
transactions. Person links are left empty (identity resolution sets them
after sync, so they are not part of a source's rows). Records are counted as
sync counts them (records and identities); assignee, attendee and dependency
rows are inserted too, as sync writes them, but not counted.
"""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

import model  # noqa: F401  (registers every table on SQLModel.metadata)
from baton import database

COUNTED = ("project", "task", "event", "account", "contact", "deal", "identity")
UNCOUNTED = ("task_dependency",)
CHILDREN = {"task_assignee": ("task_id", "task"), "event_attendee": ("event_id", "event")}
PERSON_COLUMNS = frozenset({"person_id", "owner_person_id", "suggested_person_id"})
CHUNK = 1000

Prepared = list[tuple[str, list[str], list[tuple[Any, ...]], bool]]
"""(table, columns, rows, counted) in insertion order."""


def _placeholder(engine: Engine) -> str:
    return "?" if engine.dialect.name == "sqlite" else "%s"


def _columns(table: str) -> tuple[list[str], set[str]]:
    """Column names, and which of them are JSON (psycopg needs those wrapped)."""
    columns = SQLModel.metadata.tables[table].columns
    return ([c.name for c in columns],
            {c.name for c in columns if isinstance(c.type, sa.JSON)})


def _read(engine: Engine, table: str, source: str, parent: tuple[str, str] | None
          ) -> tuple[list[str], list[tuple[Any, ...]]]:
    names, json_columns = _columns(table)
    mark = _placeholder(engine)
    select = ", ".join(f'c."{n}"' if n not in PERSON_COLUMNS else "NULL" for n in names)
    if parent is None:
        sql = f'SELECT {select} FROM "{table}" c WHERE c.source = {mark}'
    else:
        column, owner = parent
        sql = (f'SELECT {select} FROM "{table}" c JOIN "{owner}" p ON p.id = c."{column}" '
               f"WHERE p.source = {mark}")
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(sql, (source,))
        rows = [tuple(row) for row in cursor.fetchall()]
    finally:
        raw.close()
    if engine.dialect.name == "postgresql" and json_columns:
        from psycopg.types.json import Json

        wrap = [i for i, n in enumerate(names) if n in json_columns]
        rows = [tuple(Json(v) if i in wrap and v is not None else v for i, v in enumerate(r))
                for r in rows]
    return names, rows


def prepare(engine: Engine, source: str) -> Prepared:
    """Everything sync stored for `source`, in an order that satisfies foreign keys."""
    prepared: Prepared = []
    for table in (*COUNTED, *UNCOUNTED):
        names, rows = _read(engine, table, source, None)
        prepared.append((table, names, rows, table in COUNTED))
    for table, parent in CHILDREN.items():
        names, rows = _read(engine, table, source, parent)
        prepared.append((table, names, rows, False))
    return prepared


def insert(engine: Engine, prepared: Prepared) -> tuple[int, float]:
    """Insert one source's rows in one transaction; (records counted, seconds)."""
    mark = _placeholder(engine)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        started = time.perf_counter()
        for table, names, rows, _ in prepared:
            columns = ", ".join(f'"{n}"' for n in names)
            sql = f'INSERT INTO "{table}" ({columns}) VALUES ({", ".join([mark] * len(names))})'
            for start in range(0, len(rows), CHUNK):
                cursor.executemany(sql, rows[start:start + CHUNK])
        raw.commit()
        seconds = time.perf_counter() - started
    finally:
        raw.close()
    return sum(len(rows) for _, _, rows, counted in prepared if counted), seconds


def store_only(synced_url: str, target_url: str, sources: list[str]) -> dict[str, Any]:
    """{source: {records, seconds}}; `target_url` must name an empty database."""
    synced, target = database.make_engine(synced_url), database.make_engine(target_url)
    database.upgrade(target)
    results: dict[str, Any] = {}
    for source in sources:
        records, seconds = insert(target, prepare(synced, source))
        results[source] = {"records": records, "seconds": seconds}
    synced.dispose()
    target.dispose()
    return results
