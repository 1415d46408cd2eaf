"""Archived containers through the real Asana connector, sync and rules (sandbox).

Archiving a project in Asana changes the project, not its tasks: the overdue
task's stored row stays as it was, and still its alert must resolve. Adding the
task to a live project (Asana multi-homing) must make it live work again.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sync_helpers import at, state_of, sync, write_config

from baton.config import BatonConfig
from baton.rules_commands import evaluate_stored
from model import Alert, AlertStatus, RecordState, Task
from sandbox.run import RunningSandbox
from tests.conftest import both_backends


def sync_and_evaluate(sandbox: RunningSandbox, config: BatonConfig, engine: Engine,
                      minutes: int) -> None:
    moment = at(sandbox, minutes)
    sync(config, engine, moment, sources=["asana-main"])
    assert evaluate_stored(config, engine, moment, quiet=True)


def overdue_status(engine: Engine, task_gid: str) -> AlertStatus:
    with engine.connect() as connection:
        alerts = connection.execute(sa.select(Alert.status, Alert.subjects).where(
            Alert.rule == "overdue")).all()
    [status] = [status for status, subjects in alerts
                if any(s.get("external_id") == task_gid for s in subjects)]
    return status


def task_projects(engine: Engine, task_gid: str) -> list[str]:
    with engine.connect() as connection:
        return connection.execute(sa.select(Task.project_external_ids).where(
            Task.external_id == task_gid)).scalar_one()


@both_backends
def test_archiving_a_project_resolves_its_tasks_alerts_until_they_live_elsewhere(
        sandbox: RunningSandbox, engine: Engine, database_url: str, tmp_path: Path) -> None:
    config = write_config(sandbox, tmp_path, database_url)
    asana, ids = sandbox.replicas.asana, sandbox.seeded.ids
    task, summit = ids["item:supplier-shortlist"]["asana"], ids["project:summit"]["asana"]
    sync_and_evaluate(sandbox, config, engine, 0)
    assert overdue_status(engine, task) is AlertStatus.open
    assert task_projects(engine, task) == [summit]

    at(sandbox, 5)
    asana.update_project(summit, archived=True)
    sync_and_evaluate(sandbox, config, engine, 10)
    assert state_of(engine, Task, task) is RecordState.active  # the task did not change
    assert overdue_status(engine, task) is AlertStatus.resolved

    at(sandbox, 15)
    live = asana.add_project(sandbox.seeded.asana_workspace, "Summit follow-up").gid
    asana.add_task_to_project(task, live)
    sync_and_evaluate(sandbox, config, engine, 20)
    assert task_projects(engine, task) == [summit, live]
    assert overdue_status(engine, task) is AlertStatus.open
