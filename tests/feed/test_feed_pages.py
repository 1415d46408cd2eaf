"""People & workload and sync status pages."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from fastapi import FastAPI
from sqlalchemy.engine import Engine
from sqlmodel import Session

from feed.users import Role
from feed.workload import Week, bars
from model import Event, EventKind, RecordState, RunStatus, SyncRun, TaskAssignee
from tests.feed.feed_factories import NOW, alert, browser_for, person, source_state, task


def test_workload_shows_committed_hours_against_capacity(app: FastAPI,
                                                        feed_engine: Engine) -> None:
    with Session(feed_engine) as session:
        ana = person(session, weekly_capacity_hours=10)
        work = task(session, due_on=date(2026, 11, 27), estimate_hours=12)
        session.flush()
        session.add(TaskAssignee(task_id=work.id, user_external_id="u1", person_id=ana.id))
        session.add(Event(source="google", external_id="ooo", title="Out", owner_person_id=ana.id,
                          kind=EventKind.out_of_office,
                          start_at=datetime(2026, 12, 7, 8, tzinfo=UTC),
                          end_at=datetime(2026, 12, 9, 18, tzinfo=UTC)))
        alert(session)
        session.commit()
    page = browser_for(app, feed_engine, Role.viewer).client.get("/people")
    assert page.status_code == 200
    values = re.findall(r'class="val[^>]*>([^<]*)<', page.text)
    assert values == ["12 / 10 h", "0 / 10 h", "0 / 4 h", "0 / 10 h"]  # W50: 3 days away
    assert 'class="over"' in page.text
    assert "Away Mon 07 Dec" in page.text
    assert "1 open alert" in page.text


def test_bars_scale_weeks_together() -> None:
    weeks = [Week("2026-W48", date(2026, 11, 23), 10, 10, 40),
             Week("2026-W49", date(2026, 11, 30), 40, 40, 40)]
    first, second = bars(weeks, width=200)
    assert (first.fill_width, second.fill_width, second.capacity_x) == (50, 200, 100)
    assert second.is_over and not first.is_over
    assert (first.label, first.week) == ("23 Nov", "Mon 23 \N{EN DASH} Sun 29 Nov 2026")
    assert second.label == "30 Nov"


def test_status_page_says_what_to_do(app: FastAPI, feed_engine: Engine) -> None:
    with Session(feed_engine) as session:
        session.add(SyncRun(run_id="r1", source="google", status=RunStatus.failed,
                            started_at=NOW, finished_at=NOW, error="HTTP 401 invalid token"))
        session.commit()
    page = browser_for(app, feed_engine, Role.viewer).client.get("/status")
    assert page.status_code == 200
    assert "never synced: run `baton sync --source asana-main`" in page.text
    assert "fix the error shown" in page.text and "HTTP 401 invalid token" in page.text


def test_status_page_says_where_effort_came_from(app: FastAPI, feed_engine: Engine) -> None:
    """The same effort lines as `baton status`: which field held estimates at the last
    sync, and how many open tasks have none (done tasks are not counted)."""
    field = '"Effort (days)" (days)'
    with Session(feed_engine) as session:
        source_state(session, "asana-main", NOW)
        task(session, "t1", estimate_hours=16.0, estimate_from=field)
        task(session, "t2", estimate_from=field)
        task(session, "t3")
        task(session, "t4", estimate_hours=8.0, estimate_from=field,
             state=RecordState.completed)
        session.commit()
    page = browser_for(app, feed_engine, Role.viewer).client.get("/status")
    assert page.status_code == 200
    assert ("effort asana-main: 3 open tasks; estimates from &#34;Effort (days)&#34; (days) "
            "on 1; 2 without an estimate (&#34;Effort (days)&#34; (days) empty on 1, "
            "no effort field on 1)") in page.text
