"""Plain rows for the rules: every column of a model table except `raw`, in a slotted class.

Rule evaluation reads hundreds of thousands of rows. Loading them as SQLModel objects
cost most of an evaluation (pydantic set-up, SQLAlchemy instrumentation, identity-map
bookkeeping and parsing each payload's JSON that no rule reads). A row class here has
the table's column names as attributes, so rule kinds read `task.due_on` as before, and
nothing else: it is built straight from a Core select, or from a model object when a
test builds a view by hand, so kinds only ever see one type per table.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import make_dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import SQLModel

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
    RecordState,
    SourceState,
    Task,
    TaskAssignee,
    TaskDependency,
)

SKIPPED = frozenset({"raw"})
"""Columns no rule reads: the payload as received is for replaying mappings, not rules."""
CHUNK = 10_000


def _row_class(model: type[SQLModel]) -> type:
    table: sa.Table = model.__table__  # type: ignore[attr-defined]
    names = [c.name for c in table.columns if c.name not in SKIPPED]
    cls = make_dataclass(f"{model.__name__}Row", names, slots=True, eq=False)
    cls.__tablename__ = table.name  # type: ignore[attr-defined]
    cls.__doc__ = f"A {table.name} row as the rules read it (no `raw`)."
    return cls


ROW_CLASSES: dict[type[SQLModel], type] = {model: _row_class(model) for model in (
    Person, Task, TaskAssignee, TaskDependency, Event, EventAttendee, Project, Account,
    Contact, Deal, Identity, Link, SourceState)}
TaskRow = ROW_CLASSES[Task]
EventRow = ROW_CLASSES[Event]
DealRow = ROW_CLASSES[Deal]


def columns(model: type[SQLModel]) -> list[sa.Column[Any]]:
    """The columns a row class holds, in its field order."""
    table: sa.Table = model.__table__  # type: ignore[attr-defined]
    return [c for c in table.columns if c.name not in SKIPPED]


def load(session: Session, model: type[SQLModel], *, live: bool = True) -> list[Any]:
    """Every row of `model` as plain rows; `live` leaves out tombstones in SQL."""
    statement = sa.select(*columns(model))
    table: sa.Table = model.__table__  # type: ignore[attr-defined]
    if live and "state" in table.c:
        statement = statement.where(table.c.state != RecordState.deleted)
    return list(_rows(session, model, statement))


def load_children(session: Session, model: type[SQLModel], parent: type[SQLModel],
                  parent_key: str) -> list[Any]:
    """Rows of a child table whose parent row is live (attendees of live events)."""
    child: sa.Table = model.__table__  # type: ignore[attr-defined]
    owner: sa.Table = parent.__table__  # type: ignore[attr-defined]
    statement = sa.select(*columns(model)).join(owner, owner.c.id == child.c[parent_key]) \
        .where(owner.c.state != RecordState.deleted)
    return list(_rows(session, model, statement))


def _rows(session: Session, model: type[SQLModel], statement: sa.Select[Any]) -> Iterator[Any]:
    make = ROW_CLASSES[model]
    result = session.execute(statement)
    while chunk := result.fetchmany(CHUNK):
        yield from (make(*values) for values in chunk)


def as_rows(model: type[SQLModel], objects: Iterable[Any]) -> list[Any]:
    """Model objects (as tests build them) as the plain rows the rules read; rows pass."""
    make = ROW_CLASSES[model]
    names = [c.name for c in columns(model)]
    return [obj if isinstance(obj, make) else make(*(getattr(obj, n) for n in names))
            for obj in objects]
