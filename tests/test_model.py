"""Model round-trips: UTC stays UTC, dates stay dates, keys are enforced (both backends)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from baton import database
from model import (
    Alert,
    AlertEvent,
    AlertStatus,
    Event,
    EventAttendee,
    EventKind,
    Identity,
    Person,
    RecordState,
    ResponseStatus,
    Severity,
    Task,
    TaskAssignee,
)
from tests.conftest import both_backends

BERLIN_WINTER = timezone(timedelta(hours=1))


@pytest.fixture
def session(engine: Engine) -> Session:
    database.upgrade(engine)
    with Session(engine) as session:
        yield session


@both_backends
def test_task_round_trip_keeps_dates_and_utc_instants(session: Session) -> None:
    due_local = datetime(2026, 3, 29, 18, 30, tzinfo=BERLIN_WINTER)
    session.add(Task(source="asana-main", external_id="1201", title="Brief caterer",
                     due_on=date(2026, 3, 30), due_at=due_local, estimate_hours=2.5,
                     state=RecordState.completed, raw={"gid": "1201", "nested": [1, "x"]}))
    session.commit()
    session.expunge_all()
    task = session.exec(select(Task)).one()
    assert task.due_on == date(2026, 3, 30) and type(task.due_on) is date
    assert task.due_at == due_local and task.due_at.tzinfo == UTC
    assert task.due_at.hour == 17
    assert task.state is RecordState.completed
    assert task.raw == {"gid": "1201", "nested": [1, "x"]}
    assert task.synced_at.tzinfo == UTC


@both_backends
def test_naive_datetimes_are_refused(session: Session) -> None:
    session.add(Task(source="s", external_id="1", title="t", due_at=datetime(2026, 1, 1)))
    with pytest.raises(sa.exc.StatementError, match="naive datetime"):
        session.commit()


@both_backends
def test_same_external_id_in_one_source_is_one_record(session: Session) -> None:
    session.add(Task(source="trello-studio", external_id="abc", title="a"))
    session.add(Task(source="asana-main", external_id="abc", title="same id, other source"))
    session.commit()
    session.add(Task(source="trello-studio", external_id="abc", title="duplicate"))
    with pytest.raises(sa.exc.IntegrityError):
        session.commit()


@both_backends
def test_event_with_attendees_and_all_day_dates(session: Session) -> None:
    ana = Person(email="ana@agency.example", name="Ana", timezone="Europe/Madrid",
                 working_days=[1, 2, 3, 4])
    session.add(ana)
    session.flush()
    offsite = Event(source="google", external_id="ana@agency.example/ev1", title="Offsite",
                    start_date=date(2026, 12, 24), end_date=date(2026, 12, 27),
                    kind=EventKind.out_of_office, busy=True, owner_person_id=ana.id)
    session.add(offsite)
    session.flush()
    session.add(EventAttendee(event_id=offsite.id, email="ana@agency.example",
                              response=ResponseStatus.declined, person_id=ana.id))
    session.commit()
    session.expunge_all()
    event = session.exec(select(Event)).one()
    attendee = session.exec(select(EventAttendee)).one()
    assert (event.start_date, event.end_date) == (date(2026, 12, 24), date(2026, 12, 27))
    assert event.start_at is None and event.kind is EventKind.out_of_office
    assert attendee.response is ResponseStatus.declined
    assert session.exec(select(Person)).one().working_days == [1, 2, 3, 4]


@both_backends
def test_deleting_a_task_removes_its_assignees_and_person_links_null_out(
        session: Session) -> None:
    ben = Person(email="ben@agency.example")
    task = Task(source="trello-studio", external_id="card1", title="Poster")
    session.add_all([ben, task])
    session.flush()
    session.add(TaskAssignee(task_id=task.id, user_external_id="m1", person_id=ben.id))
    session.add(Identity(source="trello-studio", external_id="m1", person_id=ben.id))
    session.commit()
    session.delete(task)
    session.commit()
    assert session.exec(select(TaskAssignee)).all() == []
    session.delete(ben)
    session.commit()
    assert session.exec(select(Identity)).one().person_id is None


@both_backends
def test_alert_history_round_trip(session: Session) -> None:
    seen = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    alert = Alert(rule="double-booked", kind="double_booking", fingerprint="f" * 64,
                  severity=Severity.warning, title="Ana is double-booked",
                  subjects=[{"type": "person", "email": "ana@agency.example"}],
                  first_seen=seen, last_seen=seen)
    session.add(alert)
    session.flush()
    session.add(AlertEvent(alert_id=alert.id, actor="lead@agency.example", action="acked",
                           from_status=AlertStatus.open, to_status=AlertStatus.acked,
                           note="on it"))
    session.commit()
    session.expunge_all()
    stored = session.exec(select(Alert)).one()
    assert stored.subjects[0]["email"] == "ana@agency.example"
    assert stored.first_seen == seen and stored.severity is Severity.warning
    assert session.exec(select(AlertEvent)).one().to_status is AlertStatus.acked
