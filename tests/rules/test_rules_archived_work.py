"""Archived containers and found kickoffs on a real database (SQLite and PostgreSQL).

Only the container changes here, never the task: archiving a project later
must take its untouched tasks out of live work (alerts resolve, saying why, and
the workload view stops counting them), restoring it must bring them back,
and a deleted Google Tasks list takes its tasks with it. A no-kickoff alert
that resolves says which record was found to be the kickoff.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from baton import database
from feed.workload import workload
from model import Alert, AlertEvent, AlertStatus, Project, RecordState, Task
from rules import evaluate
from rules.config import parse_rules
from rules.view import RulesContext
from tests.conftest import both_backends
from tests.rules.rules_given import Builder

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
RULES = parse_rules("""
rules:
  - {id: late, kind: overdue}
  - {id: kickoff, kind: won_deal_no_kickoff}
""", "rules.yaml")
ANA = "ana@agency.example"


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    database.upgrade(engine)
    with Session(engine) as session:
        Builder().rows({
            "people": [{"email": ANA}],
            "projects": [{"id": "p1", "name": "Gala 2026"},
                         {"id": "l1", "source": "google", "name": "Errands"}],
            "tasks": [
                {"id": "t1", "project": "p1", "projects": ["p1"], "due_on": "2026-03-01",
                 "assignees": [ANA]},
                {"id": "t2", "project": "p1", "projects": ["p1"], "estimate_hours": 30,
                 "start_on": "2026-03-16", "due_on": "2026-03-20", "assignees": [ANA]},
                {"id": "g1", "source": "google", "project": "l1", "due_on": "2026-03-01",
                 "assignees": [ANA]}],
            "deals": [{"id": "o1", "name": "Acme Summer Gala", "is_closed": True,
                       "is_won": True, "close_on": "2026-03-02"}],
        }).save(session)
        yield session


def run(session: Session, now: datetime) -> None:
    evaluate.run(session, RULES, RulesContext(), now)
    session.expire_all()


def alert_on(session: Session, external_id: str) -> Alert:
    return next(a for a in session.exec(select(Alert)).all()
                if any(s.get("external_id") == external_id for s in a.subjects))


def resolve_note(session: Session, alert: Alert) -> str | None:
    return session.exec(select(AlertEvent).where(AlertEvent.alert_id == alert.id,
                                                 AlertEvent.action == "resolve")).one().note


def set_project(session: Session, external_id: str, state: RecordState) -> None:
    project = session.exec(select(Project).where(Project.external_id == external_id)).one()
    project.state = state
    session.add(project)
    session.commit()


@both_backends
def test_archiving_a_project_later_takes_its_untouched_tasks_out_of_live_work(
        session: Session) -> None:
    run(session, T0)
    assert alert_on(session, "t1").status is AlertStatus.open
    set_project(session, "p1", RecordState.archived)
    run(session, T0 + timedelta(minutes=5))
    alert = alert_on(session, "t1")
    assert alert.status is AlertStatus.resolved
    assert resolve_note(session, alert) == \
        'task t1 is archived in asana-main (with its project "Gala 2026")'
    stored = session.exec(select(Task).where(Task.external_id == "t1")).one()
    assert stored.state is RecordState.active  # the task itself never changed
    assert alert_on(session, "g1").status is AlertStatus.open  # other containers unaffected

    set_project(session, "p1", RecordState.active)
    run(session, T0 + timedelta(minutes=10))
    assert alert_on(session, "t1").status is AlertStatus.open


@both_backends
def test_a_deleted_task_list_takes_its_tasks_with_it(session: Session) -> None:
    run(session, T0)
    set_project(session, "l1", RecordState.deleted)  # a tombstone: gone at the source
    run(session, T0 + timedelta(minutes=5))
    alert = alert_on(session, "g1")
    assert alert.status is AlertStatus.resolved
    assert resolve_note(session, alert) == "task g1 is gone from google"


@both_backends
def test_the_workload_view_stops_counting_archived_work(session: Session) -> None:
    def hours() -> float:
        loads, _ = workload(session, RulesContext(), T0, weeks=2)
        [ana] = [load for load in loads if load.person.email == ANA]
        return sum(week.task_hours for week in ana.weeks)

    assert hours() == 30
    set_project(session, "p1", RecordState.archived)
    assert hours() == 0


@both_backends
def test_a_no_kickoff_alert_says_what_was_searched_and_what_was_found(
        session: Session) -> None:
    run(session, T0)
    alert = alert_on(session, "o1")
    assert alert.rule == "kickoff" and alert.status is AlertStatus.open
    facts = [e["fact"] for e in alert.evidence]
    assert ('searched live tasks and projects (3 in asana-main, 2 in google) for a link to '
            'the deal, its id o1, the words "acme summer gala": none found') in facts
    assert "no done or scheduled kickoff Task or Event on the deal in salesforce" in facts

    Builder().rows({"tasks": [{"id": "c1", "source": "trello-studio",
                               "title": "Kickoff: ACME summer-gala"}]}).save(session)
    run(session, T0 + timedelta(minutes=5))
    alert = alert_on(session, "o1")
    assert alert.status is AlertStatus.resolved
    assert resolve_note(session, alert) == ('kickoff found: task "Kickoff: ACME summer-gala" '
                                            'in trello-studio names the deal '
                                            '("acme summer gala")')
