"""Applying batches: idempotent upserts, child diffs, tombstones, revival, quarantine."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from baton import database
from connectors.batch import Attendance, Batch, Quarantined, Scope
from model import (
    Event,
    EventAttendee,
    Identity,
    Quarantine,
    RecordState,
    ResponseStatus,
    SyncState,
    Task,
    TaskAssignee,
    TaskDependency,
)
from sync.apply import apply_batch
from sync.runner import tombstone_unseen
from tests.conftest import both_backends

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)


@pytest.fixture
def db(engine: Engine) -> Engine:
    database.upgrade(engine)
    return engine


def task(external_id: str, title: str = "Book catering", **fields: object) -> Task:
    return Task(source="ignored", external_id=external_id, title=title,
                raw={"gid": external_id, "name": title}, **fields)


def tasks_batch(*tasks: Task, **fields: object) -> Batch:
    return Batch(stream="tasks:p1", records=list(tasks), **fields)


def apply(db: Engine, batch: Batch, now: datetime = NOW) -> None:
    with db.begin() as connection:
        apply_batch(connection, "asana-main", batch, now)


def snapshot(db: Engine) -> list[tuple[object, ...]]:
    with db.connect() as connection:
        rows = []
        for table in (Task, TaskAssignee, TaskDependency, Event, EventAttendee, Identity):
            rows += [tuple(r) for r in connection.execute(sa.select(table.__table__))]
        return rows


@both_backends
def test_applying_the_same_batch_twice_changes_nothing(db: Engine) -> None:
    def batch() -> Batch:
        return tasks_batch(task("1", due_on=date(2026, 12, 1)), task("2"),
                           assignees={"1": ["u1", "u2"], "2": []},
                           dependencies={"2": ["1"]},
                           identities=[Identity(source="x", external_id="u1",
                                                email="Ana@Fernweh.example")],
                           cursor="c1")
    apply(db, batch())
    first = snapshot(db)
    apply(db, batch(), now=LATER)
    assert snapshot(db) == first
    with Session(db) as session:
        assert session.exec(select(Identity)).one().email == "ana@fernweh.example"
        assert session.exec(select(Task).where(Task.external_id == "1")).one() \
            .synced_at == NOW


@both_backends
def test_a_changed_record_is_updated_and_children_follow(db: Engine) -> None:
    apply(db, tasks_batch(task("1"), assignees={"1": ["u1", "u2"]}))
    with Session(db) as session:
        kept = session.exec(select(TaskAssignee).where(
            TaskAssignee.user_external_id == "u1")).one().id
    apply(db, tasks_batch(task("1", title="Book catering (vegan)"),
                          assignees={"1": ["u1", "u3"]}), now=LATER)
    with Session(db) as session:
        stored = session.exec(select(Task)).one()
        assert stored.title == "Book catering (vegan)" and stored.synced_at == LATER
        assignees = session.exec(select(TaskAssignee)).all()
        assert sorted(a.user_external_id for a in assignees) == ["u1", "u3"]
        assert any(a.id == kept for a in assignees), "unchanged child keeps its row"


@both_backends
def test_tombstones_keep_the_row_and_a_reappearing_record_is_revived(db: Engine) -> None:
    apply(db, tasks_batch(task("1"), task("2")))
    apply(db, Batch(stream="tasks:p1", tombstones=[("task", "2")]), now=LATER)
    with Session(db) as session:
        gone = session.exec(select(Task).where(Task.external_id == "2")).one()
        assert gone.state is RecordState.deleted and gone.deleted_at == LATER
        assert gone.title == "Book catering"
    apply(db, tasks_batch(task("2")), now=LATER + timedelta(hours=1))
    with Session(db) as session:
        back = session.exec(select(Task).where(Task.external_id == "2")).one()
        assert back.state is RecordState.active and back.deleted_at is None


@both_backends
def test_complete_listing_tombstones_only_unseen_rows_in_its_scope(db: Engine) -> None:
    apply(db, tasks_batch(task("1", project_external_id="p1"),
                          task("2", project_external_id="p1"),
                          task("3", project_external_id="p2")))
    with db.begin() as connection:
        deleted = tombstone_unseen(connection, "asana-main",
                                   Scope("task", (("project_external_id", "p1"),)), {"1"}, LATER)
    assert deleted == 1
    with Session(db) as session:
        states = {t.external_id: t.state for t in session.exec(select(Task))}
    assert states == {"1": RecordState.active, "2": RecordState.deleted,
                      "3": RecordState.active}


@both_backends
def test_attendees_and_quarantine_and_cursor(db: Engine) -> None:
    event = Event(source="x", external_id="cal/e1", title="Review",
                  start_at=NOW, end_at=LATER, raw={"id": "e1"})
    bad = Quarantined("e2", {"id": "e2", "start": {"dateTime": "not-a-date"}}, "bad start")
    batch = Batch(stream="events:cal", records=[event], cursor="sync-1", quarantined=[bad],
                  attendees={"cal/e1": [Attendance("Greta@Fernweh.example",
                                                   ResponseStatus.accepted)]})
    apply(db, batch)
    apply(db, Batch(stream="events:cal", quarantined=[bad], cursor="sync-2"), now=LATER)
    with Session(db) as session:
        attendee = session.exec(select(EventAttendee)).one()
        assert (attendee.email, attendee.response) == ("greta@fernweh.example",
                                                       ResponseStatus.accepted)
        entry = session.exec(select(Quarantine)).one()
        assert entry.times_seen == 2 and entry.first_seen_at == NOW
        assert session.exec(select(SyncState)).one().cursor == "sync-2"
