"""Store mapped records and read back what link detection sees in them.

Mapping tests use this to prove a mapper keeps every text a link can hide in
(Trello attachments, Asana `html_notes`, Salesforce `Description`): the check
goes through the database and the same queries `sync.links` runs.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from baton import database
from model import LinkMethod, SourceState
from sync.links import Ref, pasted_urls
from sync.upsert import record_row, upsert_rows


def store_records(engine: Engine, *records: SQLModel) -> None:
    database.upgrade(engine)
    with engine.begin() as connection:
        for record in records:
            upsert_rows(connection, type(record), [record_row(record)],
                        ("source", "external_id"))


def declare_sources(engine: Engine, types: dict[str, str]) -> None:
    """Which tool each source is, as a sync of it records (links are between tools)."""
    database.upgrade(engine)
    with engine.begin() as connection:
        upsert_rows(connection, SourceState, [{"name": n, "type": t} for n, t in types.items()],
                    ("name",), change_columns=("type",))


def stored_urls(engine: Engine, *records: SQLModel) -> dict[Ref, dict[str, LinkMethod]]:
    """Store `records`, then return every stored record's URLs as link detection reads them."""
    store_records(engine, *records)
    with engine.connect() as connection:
        return dict(pasted_urls(connection))
