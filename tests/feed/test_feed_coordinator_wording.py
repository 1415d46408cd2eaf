"""Words a coordinator reads: who should act on unowned work, counts that follow the
filters, distinct page names, and failed streams first on the status page."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy.engine import Engine
from sqlmodel import Session

from baton.config import load_config
from baton.feed_commands import feed_settings
from feed.settings import Coordinator
from feed.users import Role
from model import AlertStatus, Identity, RunStatus, Severity, SyncRun
from tests.feed.feed_factories import (
    NOW,
    alert,
    browser_for,
    make_app,
    person,
    project,
    source_state,
    task,
)

LEA = Coordinator("lea@agency.example", "Lea Park")


def unowned_alert(engine: Engine, *, owner_active: bool | None) -> int:
    """An unassigned task's alert in Nordwind Summit, whose owner is Ana (or nobody)."""
    with Session(engine) as session:
        ana = person(session, active=bool(owner_active))
        project(session, owner="u-ana" if owner_active is not None else None)
        task(session, "t3", "Order signage")
        session.add(Identity(source="asana-main", external_id="u-ana", person_id=ana.id))
        source_state(session, "asana-main", NOW)
        found = alert(session, '"Order signage" is due soon and nobody owns it',
                      rule="due-soon-unassigned", email=None, task_id="t3")
        session.commit()
        return found.id or 0


@pytest.mark.parametrize(("owner_active", "coordinator", "who"), [
    (True, LEA, "Unassigned: Ana Ruiz to act (owner of Nordwind Summit)"),
    (None, LEA, "Unassigned: Lea Park to act (coordinator on duty)"),
    (False, LEA, "Unassigned: Lea Park to act (coordinator on duty)"),
    (None, None, "Unassigned: the coordinator on duty to act (name one under coordinator: "
                 "in baton.yaml)"),
])
def test_unowned_work_names_who_should_act(feed_engine: Engine, owner_active: bool | None,
                                           coordinator: Coordinator | None, who: str) -> None:
    alert_id = unowned_alert(feed_engine, owner_active=owner_active)
    app = make_app(feed_engine, coordinator=coordinator)
    client = browser_for(app, feed_engine, Role.viewer).client
    home = client.get("/").text
    assert f"<h3>{who} <span" in home and "No one in particular" not in home
    assert who in client.get(f"/alerts/{alert_id}").text


def test_unowned_work_is_listed_after_peoples(feed_engine: Engine) -> None:
    unowned_alert(feed_engine, owner_active=None)
    with Session(feed_engine) as session:
        person(session, "zed@agency.example", "Zed Young")
        alert(session, '"Book hall" is overdue', email="zed@agency.example", task_id="t4")
        session.commit()
    home = browser_for(make_app(feed_engine, coordinator=LEA), feed_engine,
                       Role.viewer).client.get("/").text
    assert home.index("Zed Young") < home.index("Unassigned: Lea Park")


def pills(page: str) -> dict[str, int]:
    return {name: int(count) for name, count in
            re.findall(r'class="pill[^"]*">(\w+) <b>(\d+)</b>', page)}


def test_status_counts_follow_the_other_filters(app: FastAPI, feed_engine: Engine) -> None:
    with Session(feed_engine) as session:
        person(session)
        person(session, "ben@agency.example", "Ben Okafor")
        alert(session, task_id="t1")
        alert(session, "Acked one", task_id="t2", status=AlertStatus.acked)
        alert(session, "Ben's", email="ben@agency.example", task_id="t3",
              severity=Severity.critical)
        alert(session, "Put aside", task_id="t4", status=AlertStatus.retired)
        session.commit()
    client = browser_for(app, feed_engine, Role.viewer).client
    everything = pills(client.get("/").text)
    assert (everything["active"], everything["open"], everything["acked"]) == (3, 2, 1)
    assert "retired" not in everything and "pending" not in everything
    assert pills(client.get("/?person=ben@agency.example").text)["active"] == 1
    ana = pills(client.get("/?person=ana@agency.example&status=acked").text)
    assert (ana["active"], ana["open"], ana["acked"]) == (2, 1, 1)
    critical = pills(client.get("/?severity=critical").text)
    assert (critical["open"], critical["acked"]) == (1, 0)


def test_retired_alerts_count_nowhere(app: FastAPI, feed_engine: Engine) -> None:
    with Session(feed_engine) as session:
        person(session)
        alert(session, "Put aside", status=AlertStatus.retired)
        session.commit()
    client = browser_for(app, feed_engine, Role.viewer).client
    assert "Put aside" not in client.get("/?status=all").text
    assert "open alert" not in client.get("/people").text
    assert client.get("/api/v1/alerts?status=all").json()["alerts"] == []


def test_nav_items_have_distinct_names(app: FastAPI, feed_engine: Engine) -> None:
    client = browser_for(app, feed_engine, Role.admin).client
    page = client.get("/people").text
    nav = page[page.index("<nav>"):page.index("</nav>")]
    names = re.findall(r">([^<>]+)</a>", nav)
    assert names == ["Alerts", "Workload", "Sync status", "Rules", "Directory", "Links"]
    assert "<title>Workload" in page
    directory = client.get("/admin/people").text
    assert "<h1>Directory</h1>" in directory


def test_failed_streams_come_before_the_streams_they_stopped(app: FastAPI,
                                                             feed_engine: Engine) -> None:
    runs = [("calendar", RunStatus.ok), ("contacts", RunStatus.skipped),
            ("people", RunStatus.failed), ("tasks", RunStatus.skipped),
            ("acl", RunStatus.ok), ("lists", RunStatus.partial)]
    with Session(feed_engine) as session:
        session.add(SyncRun(run_id="r1", source="google", status=RunStatus.partial,
                            started_at=NOW, finished_at=NOW))
        for minute, (stream, status) in enumerate(runs):
            session.add(SyncRun(run_id="r1", source="google", stream=stream, status=status,
                                started_at=NOW + timedelta(minutes=minute), finished_at=NOW,
                                error="HTTP 500" if status is RunStatus.failed else None))
        session.commit()
    page = browser_for(app, feed_engine, Role.viewer).client.get("/status").text
    shown = re.findall(r'<td class="nowrap">(\w+)</td>', page[page.index("google"):])
    assert shown == ["people", "lists", "contacts", "tasks", "acl", "calendar"]


def test_baton_yaml_coordinator_reaches_the_feed(tmp_path: Path) -> None:
    (tmp_path / "rules.yaml").write_text("rules: []\n")
    path = tmp_path / "baton.yaml"
    path.write_text("coordinator: {email: Lea@Agency.example, name: Lea Park}\n")
    settings = feed_settings(load_config(path, environ={}))
    assert settings.coordinator == Coordinator("lea@agency.example", "Lea Park")
