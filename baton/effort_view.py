"""What `baton status` and `baton config check` say about effort per source.

Which field held each source's estimates, and how many open tasks have none, is read
from what the last sync stored on each task (`Task.estimate_from`), never from an API:
status must work while a tool is down. A database from before that column existed (or
none at all) simply has nothing to say yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session

from baton import database
from baton.config import BatonConfig
from baton.sources import AsanaSource, Source, TrelloSource
from sync.status import CONFIGURABLE_TYPES, effort


def stored_effort(engine: Engine, sources: Sequence[Source]) -> list[str] | None:
    """Effort lines from the database; None when it holds no synced effort facts yet."""
    inspector = sa.inspect(engine)
    if not inspector.has_table("task") or "estimate_from" not in {
            column["name"] for column in inspector.get_columns("task")}:
        return None
    configurable = {s.name for s in sources if s.type in CONFIGURABLE_TYPES}
    with Session(engine) as session:
        return [entry.describe(entry.source in configurable)
                for entry in effort(session, [s.name for s in sources])]


def configured_effort(config: BatonConfig) -> list[str]:
    """`baton config check`: how each task source finds effort, then what the last sync
    found if there is a database to ask (a missing SQLite file is not created)."""
    lines = []
    for source in config.sources:
        if isinstance(source, AsanaSource | TrelloSource):
            how = (f'only the field "{source.estimate_field}" (estimate_field)'
                   if source.estimate_field else "fields found by name at each sync"
                   + (', else labels like "8h"' if isinstance(source, TrelloSource) else ""))
            lines.append(f"effort {source.name}: {how}")
    url = make_url(config.database)
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").is_file():
        return lines
    try:
        found = stored_effort(database.make_engine(config.database), config.sources)
    except sa.exc.SQLAlchemyError:
        return [*lines, "effort: database not reachable; `baton status` shows it later"]
    return lines + (found or [])
