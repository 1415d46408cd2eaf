"""Shared setup for sync tests against the sandbox: config, a sync call, DB snapshots."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from baton import database
from baton.config import BatonConfig, load_config
from baton.sync_command import sync_all
from model import (
    Account,
    Contact,
    Deal,
    Event,
    EventAttendee,
    Identity,
    Link,
    Person,
    Project,
    Task,
    TaskAssignee,
    TaskDependency,
)
from sandbox.run import RunningSandbox, sandbox_config
from sandbox.seed import pin_clocks
from sync.pipeline import Outcome
from tests.conftest import SANDBOX_NOW

NOW = SANDBOX_NOW
RULES = Path(__file__).parents[2] / "config" / "rules.yaml"
RECORD_TABLES = (Project, Task, Event, Account, Contact, Deal)
IGNORED_COLUMNS = {"id", "synced_at", "task_id", "event_id", "person_id", "owner_person_id",
                   "suggested_person_id", "created_at", "updated_at", "first_seen_at",
                   "last_seen_at"}


def write_config(sandbox: RunningSandbox, folder: Path, database_url: str) -> BatonConfig:
    path = folder / "baton.yaml"
    path.write_text(sandbox_config(sandbox, rules_file=RULES, database=database_url))
    return load_config(path, environ={})


def at(sandbox: RunningSandbox, minutes: int) -> datetime:
    """Tools and baton agree on the time, as in production."""
    moment = NOW + timedelta(minutes=minutes)
    pin_clocks(sandbox.replicas, moment)
    return moment


def sync(config: BatonConfig, engine: Engine, now: datetime, *, sources: list[str] | None = None,
         full: bool = False) -> tuple[Outcome, int]:
    database.upgrade(engine)
    return sync_all(config, engine, sources=sources or [], full=full, now=now, quiet=True)


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Everything sync stores about the outside world, without ids and timestamps."""
    tables = (*RECORD_TABLES, TaskAssignee, TaskDependency, EventAttendee, Identity, Person,
              Link)
    found: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as connection:
        for table in tables:
            columns = [c for c in table.__table__.c if c.name not in IGNORED_COLUMNS]
            rows = connection.execute(sa.select(*columns)).all()
            found[table.__tablename__] = sorted(tuple(map(repr, r)) for r in rows)
    return found


def state_of(engine: Engine, table: Any, external_id: str) -> Any:
    with engine.connect() as connection:
        return connection.execute(sa.select(table.state).where(
            table.external_id == external_id)).scalar_one()
