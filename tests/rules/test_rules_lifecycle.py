"""The alert lifecycle on a real database (SQLite and PostgreSQL).

One overdue task drives most scenarios because it is the simplest finding to
switch on and off: completing the task stops it, reopening the task starts
it again.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from baton import database
from model import Alert, AlertEvent, AlertStatus, RecordState, SourceState, Task
from rules import evaluate, lifecycle
from rules.config import RulesConfig, activate, parse_rules
from rules.view import RulesContext
from tests.conftest import both_backends
from tests.rules.rules_given import Builder

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
CONTEXT = RulesContext(source_max_age_minutes={"asana-main": 60})
OVERDUE = """
rules:
  - {id: late, kind: overdue, severity: warning}
  - {id: stale, kind: stale_source, severity: critical}
"""


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    database.upgrade(engine)
    with Session(engine) as session:
        Builder().rows({
            "people": [{"email": "ana@agency.example"}],
            "tasks": [{"id": "t1", "title": "Brief caterer", "due_at": "2026-03-09T17:00:00Z",
                       "assignees": ["ana@agency.example"], "url": "https://app.asana.com/t1"}],
            "sources": [{"name": "asana-main", "last_success": "2026-03-10T08:50:00Z"}],
        }).save(session)
        yield session


def rules(text: str = OVERDUE) -> RulesConfig:
    return parse_rules(text, "rules.yaml")


def run(session: Session, now: datetime, config: RulesConfig | None = None
        ) -> evaluate.Outcome:
    return evaluate.run(session, config or rules(), CONTEXT, now)


def the_alert(session: Session, rule: str = "late") -> Alert:
    session.expire_all()
    return session.exec(select(Alert).where(Alert.rule == rule)).one()


def actions(session: Session, alert: Alert) -> list[str]:
    events = session.exec(select(AlertEvent).where(AlertEvent.alert_id == alert.id)
                          .order_by(col(AlertEvent.id))).all()
    return [e.action for e in events]


def set_task(session: Session, *, done: bool) -> None:
    task = session.exec(select(Task).where(Task.external_id == "t1")).one()
    task.completed_at = T0 if done else None
    task.state = RecordState.completed if done else RecordState.active
    session.add(task)
    session.commit()


def synced(session: Session, at: datetime) -> None:
    state = session.exec(select(SourceState).where(SourceState.name == "asana-main")).one()
    state.last_success_at = at
    session.add(state)
    session.commit()


@both_backends
def test_open_keep_resolve_reopen(session: Session) -> None:
    assert run(session, T0).counts()["open"] == 1
    alert = the_alert(session)
    fingerprint = alert.fingerprint
    assert alert.status is AlertStatus.open and alert.sources == ["asana-main"]
    assert alert.evidence[0]["url"] == "https://app.asana.com/t1"
    assert {"type": "task", "source": "asana-main", "external_id": "t1",
            "email": "ana@agency.example"} in alert.subjects

    run(session, T0 + timedelta(minutes=5))
    alert = the_alert(session)
    assert alert.fingerprint == fingerprint and alert.status is AlertStatus.open
    assert alert.last_seen == T0 + timedelta(minutes=5) and alert.first_seen == T0

    set_task(session, done=True)
    run(session, T0 + timedelta(minutes=10))
    alert = the_alert(session)
    assert alert.status is AlertStatus.resolved
    assert alert.resolved_at == T0 + timedelta(minutes=10)
    resolve_event = session.exec(select(AlertEvent).where(AlertEvent.action == "resolve")).one()
    assert resolve_event.note == "task t1 is done in asana-main"

    set_task(session, done=False)
    run(session, T0 + timedelta(minutes=15))
    alert = the_alert(session)
    assert alert.status is AlertStatus.open and alert.reopen_count == 1
    assert alert.resolved_at is None and alert.fingerprint == fingerprint
    assert actions(session, alert) == ["open", "resolve", "reopen"]


@both_backends
def test_snoozed_alert_returns_when_the_snooze_ends_if_still_firing(session: Session) -> None:
    run(session, T0)
    alert = the_alert(session)
    lifecycle.snooze(session, alert.id, T0 + timedelta(hours=1), "lead@agency.example",
                     "client call first", T0)
    session.commit()
    run(session, T0 + timedelta(minutes=30))
    assert the_alert(session).status is AlertStatus.snoozed
    synced(session, T0 + timedelta(minutes=100))
    run(session, T0 + timedelta(minutes=110))
    alert = the_alert(session)
    assert alert.status is AlertStatus.open and alert.snoozed_until is None
    assert actions(session, alert) == ["open", "snooze", "unsnooze"]
    snooze = session.exec(select(AlertEvent).where(AlertEvent.action == "snooze")).one()
    assert snooze.actor == "lead@agency.example" and "client call first" in (snooze.note or "")


@both_backends
def test_ack_holds_and_manual_resolve_waits_for_newer_data(session: Session) -> None:
    run(session, T0)
    alert = the_alert(session)
    lifecycle.ack(session, alert.id, "ana@agency.example", "on it", T0)
    session.commit()
    run(session, T0 + timedelta(minutes=5))
    assert the_alert(session).status is AlertStatus.acked

    lifecycle.resolve(session, alert.id, "ana@agency.example", "fixed in Asana", T0 +
                      timedelta(minutes=6))
    session.commit()
    run(session, T0 + timedelta(minutes=7))
    assert the_alert(session).status is AlertStatus.resolved, "no sync since the resolve"

    synced(session, T0 + timedelta(minutes=8))
    run(session, T0 + timedelta(minutes=9))
    alert = the_alert(session)
    assert alert.status is AlertStatus.open and alert.reopen_count == 1
    lifecycle.resolve(session, alert.id, "x", None, T0 + timedelta(minutes=10))
    session.commit()
    with pytest.raises(lifecycle.TransitionError, match=r"cannot snooze alert \d+: it is resolved"):
        lifecycle.snooze(session, alert.id, T0 + timedelta(hours=1), "x", None,
                         T0 + timedelta(minutes=10))


MIN_DURATION = """
rules:
  - {id: late, kind: overdue, severity: warning, min_duration_minutes: 30}
"""


@both_backends
def test_flapping_inside_min_duration_never_opens(session: Session) -> None:
    config = rules(MIN_DURATION)
    assert run(session, T0, config).counts()["pending"] == 1
    set_task(session, done=True)
    assert run(session, T0 + timedelta(minutes=10), config).counts()["drop_pending"] == 1
    assert session.exec(select(Alert)).all() == [], "a pending alert that stops is forgotten"

    set_task(session, done=False)
    run(session, T0 + timedelta(minutes=20), config)
    assert the_alert(session).status is AlertStatus.pending
    outcome = run(session, T0 + timedelta(minutes=40), config)
    assert outcome.counts()["keep"] == 1, "only 20 minutes of continuous firing"
    synced(session, T0 + timedelta(minutes=50))
    assert run(session, T0 + timedelta(minutes=55), config).counts()["confirm"] == 1
    alert = the_alert(session)
    assert alert.status is AlertStatus.open and actions(session, alert) == ["pending", "open"]


@both_backends
def test_stale_source_freezes_alerts_instead_of_resolving(session: Session) -> None:
    run(session, T0)
    set_task(session, done=True)
    later = T0 + timedelta(hours=3)
    outcome = run(session, later)
    alert = the_alert(session)
    assert alert.status is AlertStatus.open and alert.is_stale
    assert outcome.counts()["stale"] == 1
    assert the_alert(session, "stale").status is AlertStatus.open

    synced(session, later)
    run(session, later + timedelta(minutes=1))
    alert = the_alert(session)
    assert alert.status is AlertStatus.resolved and not alert.is_stale
    assert the_alert(session, "stale").status is AlertStatus.resolved


@both_backends
def test_no_new_alert_opens_on_stale_data(session: Session) -> None:
    outcome = run(session, T0 + timedelta(hours=3))
    assert [s.action for s in outcome.steps if s.firing and s.firing.rule == "late"] == ["held"]
    assert [a.rule for a in session.exec(select(Alert)).all()] == ["stale"]


SILENCED = """
rules:
  - {id: late, kind: overdue, severity: warning}
silences:
  - match: {rule: late, email: ana@agency.example}
    until: 2026-03-10T12:00:00Z
    author: lead@agency.example
    reason: Ana is at the trade fair
"""


@both_backends
def test_silenced_finding_is_kept_not_shown_and_returns_after_expiry(session: Session) -> None:
    config = rules(SILENCED)
    run(session, T0, config)
    alert = the_alert(session)
    assert alert.status is AlertStatus.silenced
    event = session.exec(select(AlertEvent)).one()
    assert "lead@agency.example" in (event.note or "") and "trade fair" in (event.note or "")
    synced(session, T0 + timedelta(hours=3))
    run(session, T0 + timedelta(hours=3, minutes=1), config)
    assert the_alert(session).status is AlertStatus.open


def history(session: Session, alert: Alert) -> list[tuple[str, str | None, str | None]]:
    events = session.exec(select(AlertEvent).where(AlertEvent.alert_id == alert.id)
                          .order_by(col(AlertEvent.id))).all()
    return [(e.action, e.from_status and e.from_status.value, e.to_status and e.to_status.value)
            for e in events]


NO_RULES = "rules:\n  - {id: stale, kind: stale_source, severity: critical}\n"
RENAMED = OVERDUE.replace("id: late,", "id: late-tasks,")


@both_backends
@pytest.mark.parametrize("worked_on", ["acked", "snoozed"])
def test_removing_a_rule_retires_its_alerts_and_restoring_it_brings_them_back(
        session: Session, worked_on: str) -> None:
    run(session, T0)
    alert = the_alert(session)
    alert_id, until = alert.id, T0 + timedelta(days=2)
    if worked_on == "acked":
        lifecycle.ack(session, alert_id, "ana@agency.example", "calling the caterer", T0)
    else:
        lifecycle.snooze(session, alert_id, until, "ana@agency.example", "after the fair", T0)
    session.commit()

    outcome = run(session, T0 + timedelta(minutes=1), rules(NO_RULES))
    assert outcome.counts()["retire"] == 1 and outcome.counts()["resolve"] == 0
    alert = the_alert(session)
    assert alert.status is AlertStatus.retired and alert.resolved_at is None
    retire = session.exec(select(AlertEvent).where(AlertEvent.action == "retire")).one()
    assert retire.note == 'rule "late" is no longer configured'
    assert "retired 1" in outcome.summary()
    again = run(session, T0 + timedelta(minutes=2), rules(NO_RULES))
    assert [s.kind for s in again.steps if s.alert is not None and s.alert.id == alert_id] == []

    outcome = run(session, T0 + timedelta(minutes=3))
    assert outcome.counts()["restore"] == 1 and "restored 1" in outcome.summary()
    alert = the_alert(session)
    assert (alert.id, alert.status.value) == (alert_id, worked_on)
    assert alert.snoozed_until == (until if worked_on == "snoozed" else None)
    assert history(session, alert) == [
        ("open", None, "open"), (worked_on[:-2] if worked_on == "acked" else "snooze",
                                 "open", worked_on),
        ("retire", worked_on, "retired"), ("restore", "retired", worked_on)]
    note = session.exec(select(AlertEvent).where(AlertEvent.alert_id == alert_id,
                                                 AlertEvent.actor == "ana@agency.example")
                        ).one().note
    assert note is not None and ("caterer" in note or "after the fair" in note)


@both_backends
def test_renaming_a_rule_and_back_keeps_the_acked_alert(session: Session) -> None:
    run(session, T0)
    acked = the_alert(session)
    lifecycle.ack(session, acked.id, "ana@agency.example", "on it", T0)
    session.commit()
    counts = run(session, T0 + timedelta(minutes=1), rules(RENAMED)).counts()
    assert (counts["retire"], counts["open"]) == (1, 1)
    assert the_alert(session, "late-tasks").status is AlertStatus.open
    counts = run(session, T0 + timedelta(minutes=2)).counts()
    assert (counts["restore"], counts["retire"]) == (1, 1)
    assert the_alert(session).status is AlertStatus.acked
    assert the_alert(session, "late-tasks").status is AlertStatus.retired


@both_backends
def test_a_restored_alert_then_takes_this_runs_decision(session: Session) -> None:
    """Back as it was first, then as usual: snooze over → open; no longer firing → resolved."""
    run(session, T0)
    alert_id = the_alert(session).id
    lifecycle.snooze(session, alert_id, T0 + timedelta(minutes=30), "ana", None, T0)
    session.commit()
    run(session, T0 + timedelta(minutes=1), rules(NO_RULES))
    synced(session, T0 + timedelta(minutes=40))
    assert run(session, T0 + timedelta(minutes=45)).steps[0].action == "unsnooze"
    alert = the_alert(session)
    assert alert.status is AlertStatus.open
    assert [a for a, _, _ in history(session, alert)][-3:] == ["retire", "restore", "unsnooze"]

    run(session, T0 + timedelta(minutes=46), rules(NO_RULES))
    set_task(session, done=True)
    synced(session, T0 + timedelta(minutes=50))
    run(session, T0 + timedelta(minutes=55))
    alert = the_alert(session)
    assert alert.status is AlertStatus.resolved
    assert [a for a, _, _ in history(session, alert)][-3:] == ["retire", "restore", "resolve"]


@both_backends
def test_a_rules_file_edited_by_hand_retires_and_restores_too(session: Session,
                                                              tmp_path: Path) -> None:
    """What `baton evaluate` and `baton sync` do: activate the file, then evaluate."""
    path = tmp_path / "rules.yaml"

    def evaluate_file(text: str, now: datetime) -> evaluate.Outcome:
        path.write_text(text)
        active = activate(session, path, "ops (rules file)", now)
        session.commit()
        return evaluate.run(session, active.config, CONTEXT, now)

    evaluate_file(OVERDUE, T0)
    alert_id = the_alert(session).id
    lifecycle.ack(session, alert_id, "ana@agency.example", "on it", T0)
    session.commit()
    assert evaluate_file(NO_RULES, T0 + timedelta(minutes=1)).counts()["retire"] == 1
    assert the_alert(session).status is AlertStatus.retired
    assert evaluate_file(OVERDUE, T0 + timedelta(minutes=2)).counts()["restore"] == 1
    alert = the_alert(session)
    assert (alert.id, alert.status) == (alert_id, AlertStatus.acked)


@both_backends
def test_a_retired_alert_refuses_people_actions(session: Session) -> None:
    run(session, T0)
    alert_id = the_alert(session).id
    run(session, T0 + timedelta(minutes=1), rules(NO_RULES))
    with pytest.raises(lifecycle.TransitionError, match="it is retired"):
        lifecycle.ack(session, alert_id, "ana", None, T0 + timedelta(minutes=2))
    with pytest.raises(lifecycle.TransitionError, match="it is retired"):
        lifecycle.resolve(session, alert_id, "ana", None, T0 + timedelta(minutes=2))


@both_backends
def test_preview_plans_without_writing(session: Session) -> None:
    run(session, T0)
    candidate = rules("""
rules:
  - {id: late, kind: overdue, severity: warning, params: {min_overdue_hours: 48}}
  - {id: unowned, kind: due_soon_unassigned}
""")
    outcome = evaluate.preview(session, candidate, CONTEXT, T0 + timedelta(minutes=1))
    assert [s.action for s in outcome.steps] == ["resolve"]
    assert the_alert(session).status is AlertStatus.open, "preview wrote nothing"
    assert len(session.exec(select(AlertEvent)).all()) == 1
