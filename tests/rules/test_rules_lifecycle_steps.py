"""Every kind of lifecycle step, written in bulk, checked row by row on both backends.

`apply` writes all of a run's steps together (one INSERT for new alerts, one
UPDATE per set of changed columns, one INSERT of history rows), so a bug in the
grouping would show only when different steps meet in one run. Each case below
therefore lives in the same database and goes through the same single
plan/apply, on its own source (so staleness and sync times are per case), and
the alert row and its new history rows are compared with what the step means.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from baton import database
from bench.alert_writes import firings as synthetic_firings
from model import Alert, AlertEvent, AlertStatus, Severity
from rules import lifecycle
from rules.alertstore import words
from rules.config import RulesConfig, parse_rules
from rules.findings import Evidence, Finding, Firing, Subject
from tests.conftest import both_backends

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
EARLIER = NOW - timedelta(hours=1)
LATER = NOW + timedelta(minutes=10)
FIRST_SEEN = EARLIER - timedelta(days=1)
WAIT_NOTE = "waiting 0:30:00 before opening (min_duration_minutes)"
SILENCE_NOTE = "silenced by lead@agency.example until 2026-03-10T12:00:00+00:00: trade fair"
RULES = parse_rules("""
rules:
  - {id: late, kind: overdue, severity: warning}
  - {id: slow, kind: overdue, severity: warning, min_duration_minutes: 30}
  - {id: hushed, kind: overdue, severity: critical}
silences:
  - match: {rule: hushed}
    until: 2026-03-10T12:00:00Z
    author: lead@agency.example
    reason: trade fair
""", "rules.yaml")
BATON = "baton"
OPENED = (("open", BATON, None, "open"),)

Event = tuple[str, str | None, str | None, str | None]
"""(action, from status, to status, note) of a history row."""


@dataclass(frozen=True)
class Case:
    name: str
    kind: str | None
    """The `Step.kind` planned for it (None: no step)."""
    rule: str = "late"
    stored: dict[str, Any] | None = None
    """Columns of the stored alert (None: there is none)."""
    history: tuple[tuple[str, str, str | None, str], ...] = OPENED
    """(action, actor, from, to) rows of the stored alert, oldest first."""
    firing: bool = True
    stale: bool = False
    synced: datetime = NOW - timedelta(minutes=5)
    after: dict[str, Any] | None = field(default_factory=dict)
    """Expected columns after apply (None: the row is gone)."""
    events: tuple[Event, ...] = ()


def stored(status: str = "open", **columns: Any) -> dict[str, Any]:
    return {"status": AlertStatus(status), **columns}


def seen(**columns: Any) -> dict[str, Any]:
    return {"last_seen": NOW, "sources_fresh_at": NOW, **columns}


RETIRED_FROM_ACKED = (*OPENED, ("ack", "ana", "open", "acked"), ("retire", BATON, "acked",
                                                                  "retired"))
RETIRED_FROM_SNOOZED = (*OPENED, ("snooze", "ana", "open", "snoozed"),
                        ("retire", BATON, "snoozed", "retired"))
RESOLVED_BY_BATON = (*OPENED, ("resolve", BATON, "open", "resolved"))
RESOLVED_BY_ANA = (*OPENED, ("resolve", "ana", "open", "resolved"))
RESTORED = 'rule "late" is configured again'


def quiet(case: str) -> str:
    return f"quiet: task {case}"


CASES = [
    Case("open", "open", stored=None,
         after=seen(status="open", first_seen=NOW, reopen_count=0, is_stale=False),
         events=(("open", None, "open", None),)),
    Case("open-pending", "pending", rule="slow", stored=None,
         after=seen(status="pending", snoozed_until=NOW + timedelta(minutes=30)),
         events=(("pending", None, "pending", WAIT_NOTE),)),
    Case("open-silenced", "silence", rule="hushed", stored=None, after=seen(status="silenced"),
         events=(("silence", None, "silenced", SILENCE_NOTE),)),
    Case("held-new-on-stale-data", "held", stored=None, stale=True, after=None),
    Case("keep-unchanged", "keep", stored=stored(),
         after=seen(status="open", first_seen=FIRST_SEEN)),
    Case("keep-reworded", "keep", stored=stored(title="Old words", digest="old"),
         after=seen(status="open")),
    Case("keep-row-without-digest", "keep", stored=stored(digest=None), after=seen()),
    Case("keep-acked", "keep", stored=stored("acked"), after=seen(status="acked")),
    Case("keep-fresh-again", "keep", stored=stored(is_stale=True),
         after=seen(is_stale=False),
         events=(("fresh", "open", "open", "its sources are fresh again"),)),
    Case("keep-snoozed", "keep", stored=stored("snoozed", snoozed_until=LATER),
         after=seen(status="snoozed", snoozed_until=LATER)),
    Case("keep-pending-waiting", "keep", rule="slow", stored=stored("pending", snoozed_until=LATER),
         history=(("pending", BATON, None, "pending"),),
         after=seen(status="pending", snoozed_until=LATER)),
    Case("stale-firing", "stale", stored=stored(), stale=True,
         after={"is_stale": True, "last_seen": EARLIER},
         events=(("stale", "open", "open", "depends on stale source src-stale-firing"),)),
    Case("stale-already-marked", "stale", stored=stored(is_stale=True), stale=True,
         after={"is_stale": True, "last_seen": EARLIER}),
    Case("stale-quiet", "stale", stored=stored("acked"), firing=False, stale=True,
         after={"status": "acked", "is_stale": True},
         events=(("stale", "acked", "acked", "depends on stale source src-stale-quiet"),)),
    Case("resolve", "resolve", stored=stored(), firing=False,
         after={"status": "resolved", "resolved_at": NOW, "last_seen": EARLIER},
         events=(("resolve", "open", "resolved", quiet("resolve")),)),
    Case("resolve-snoozed-and-stale-marked", "resolve",
         stored=stored("snoozed", snoozed_until=LATER, is_stale=True), firing=False,
         after={"status": "resolved", "resolved_at": NOW, "snoozed_until": None,
                "is_stale": False},
         events=(("resolve", "snoozed", "resolved", quiet("resolve-snoozed-and-stale-marked")),)),
    Case("reopen", "reopen", stored=stored("resolved", resolved_at=EARLIER, reopen_count=1),
         history=RESOLVED_BY_BATON,
         after=seen(status="open", resolved_at=None, reopen_count=2),
         events=(("reopen", "resolved", "open", None),)),
    Case("held-after-manual-resolve", "held", stored=stored("resolved", resolved_at=EARLIER),
         history=RESOLVED_BY_ANA, synced=EARLIER - timedelta(minutes=1),
         after={"status": "resolved", "resolved_at": EARLIER, "last_seen": EARLIER}),
    Case("reopen-after-manual-resolve-and-newer-sync", "reopen",
         stored=stored("resolved", resolved_at=EARLIER), history=RESOLVED_BY_ANA,
         after=seen(status="open", resolved_at=None, reopen_count=1),
         events=(("reopen", "resolved", "open", None),)),
    Case("pending-again-after-resolve", "pending", rule="slow",
         stored=stored("resolved", resolved_at=EARLIER), history=RESOLVED_BY_BATON,
         after=seen(status="pending", resolved_at=EARLIER,
                    snoozed_until=NOW + timedelta(minutes=30)),
         events=(("pending", "resolved", "pending", WAIT_NOTE),)),
    Case("silence-open", "silence", rule="hushed", stored=stored(),
         after=seen(status="silenced"), events=(("silence", "open", "silenced", SILENCE_NOTE),)),
    Case("silence-resolved", "silence", rule="hushed",
         stored=stored("resolved", resolved_at=EARLIER), history=RESOLVED_BY_BATON,
         after=seen(status="silenced", resolved_at=EARLIER),
         events=(("silence", "resolved", "silenced", SILENCE_NOTE),)),
    Case("unsilence", "unsilence", stored=stored("silenced"), after=seen(status="open"),
         events=(("unsilence", "silenced", "open", "silence ended"),)),
    Case("unsnooze", "unsnooze", stored=stored("snoozed", snoozed_until=EARLIER),
         after=seen(status="open", snoozed_until=None),
         events=(("unsnooze", "snoozed", "open", "snooze ended; still firing"),)),
    Case("confirm", "confirm", rule="slow", stored=stored("pending", snoozed_until=EARLIER),
         history=(("pending", BATON, None, "pending"),),
         after=seen(status="open", snoozed_until=None, reopen_count=0),
         events=(("open", "pending", "open", None),)),
    Case("reopen-from-pending", "reopen", rule="slow",
         stored=stored("pending", snoozed_until=EARLIER, resolved_at=EARLIER - timedelta(days=1)),
         history=(*RESOLVED_BY_BATON, ("pending", BATON, "resolved", "pending")),
         after=seen(status="open", snoozed_until=None, resolved_at=None, reopen_count=1),
         events=(("reopen", "pending", "open", None),)),
    Case("drop-pending-never-shown", "drop_pending", rule="slow",
         stored=stored("pending", snoozed_until=LATER),
         history=(("pending", BATON, None, "pending"),), firing=False, after=None),
    Case("drop-pending-back-to-resolved", "drop_pending", rule="slow",
         stored=stored("pending", snoozed_until=LATER, resolved_at=EARLIER),
         history=(*RESOLVED_BY_BATON, ("pending", BATON, "resolved", "pending")), firing=False,
         after={"status": "resolved", "snoozed_until": None, "resolved_at": EARLIER},
         events=(("pending_cleared", "pending", "resolved",
                  "stopped firing before min_duration"),)),
    Case("retire", "retire", rule="gone", stored=stored("snoozed", snoozed_until=LATER),
         firing=False, after={"status": "retired", "snoozed_until": LATER},
         events=(("retire", "snoozed", "retired", 'rule "gone" is no longer configured'),)),
    Case("retired-stays", None, rule="gone", stored=stored("retired"), firing=False,
         history=RETIRED_FROM_ACKED, after={"status": "retired"}),
    Case("restore-then-keep", "restore", stored=stored("retired"), history=RETIRED_FROM_ACKED,
         after=seen(status="acked"), events=(("restore", "retired", "acked", RESTORED),)),
    Case("restore-then-resolve", "restore", stored=stored("retired", snoozed_until=LATER),
         history=RETIRED_FROM_SNOOZED, firing=False,
         after={"status": "resolved", "resolved_at": NOW, "snoozed_until": None},
         events=(("restore", "retired", "snoozed", RESTORED),
                 ("resolve", "snoozed", "resolved", quiet("restore-then-resolve")))),
    Case("restore-then-unsnooze", "restore", stored=stored("retired", snoozed_until=EARLIER),
         history=RETIRED_FROM_SNOOZED, after=seen(status="open", snoozed_until=None),
         events=(("restore", "retired", "snoozed", RESTORED),
                 ("unsnooze", "snoozed", "open", "snooze ended; still firing"))),
    Case("restore-then-stale", "restore", stored=stored("retired"), history=RETIRED_FROM_ACKED,
         stale=True, after={"status": "acked", "is_stale": True, "last_seen": EARLIER},
         events=(("restore", "retired", "acked", RESTORED),
                 ("stale", "acked", "acked", "depends on stale source src-restore-then-stale"))),
    Case("restore-then-drop-pending", "restore", rule="slow",
         stored=stored("retired", snoozed_until=LATER),
         history=(("pending", BATON, None, "pending"), ("retire", BATON, "pending", "retired")),
         firing=False, after=None),
    Case("restore-without-retire-row", "restore", stored=stored("retired"),
         history=OPENED, after=seen(status="open"),
         events=(("restore", "retired", "open", 'rule "late" is configured again'),)),
]


def finding_for(case: Case) -> Firing:
    task = Subject("task", f"src-{case.name}", f"task {case.name}", "ana@agency.example")
    finding = Finding((task, Subject("person", email="ana@agency.example")),
                      f"{case.name} is overdue", f"Summary of {case.name}",
                      (Evidence(f"due yesterday ({case.name})", f"https://x.example/{case.name}",
                                task),))
    severity = Severity.critical if case.rule == "hushed" else Severity.warning
    return Firing(case.rule, "overdue", severity, finding)


def store(session: Session, case: Case, firing: Firing) -> None:
    assert case.stored is not None
    said = words(firing, EARLIER)
    alert = Alert(rule=case.rule, kind="overdue", fingerprint=firing.fingerprint,
                  first_seen=FIRST_SEEN, **{**said, **case.stored})
    session.add(alert)
    session.flush()
    for action, actor, before, to in case.history:
        session.add(AlertEvent(alert_id=alert.id, at=EARLIER, actor=actor, action=action,
                               from_status=before and AlertStatus(before),
                               to_status=AlertStatus(to)))
    session.flush()


def reason(alert: lifecycle.StoredAlert) -> str:
    """Words the subjects, so a resolve shows they were read for exactly this alert."""
    return f"quiet: {alert.subjects[0]['external_id']}"


def run(session: Session, firings: list[Firing], config: RulesConfig, now: datetime,
        stale: set[str], synced: dict[str, datetime | None]) -> list[lifecycle.Step]:
    state = lifecycle.load_state(session, stale, synced)
    steps = lifecycle.plan(state, firings, config, now, reason)
    lifecycle.apply(session, steps, config, now)
    session.commit()
    return steps


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    database.upgrade(engine)
    with Session(engine) as session:
        yield session


def events_of(session: Session, alert_id: int) -> list[AlertEvent]:
    return list(session.exec(select(AlertEvent).where(AlertEvent.alert_id == alert_id)
                             .order_by(col(AlertEvent.id))).all())


def differences(case: Case, alert: Alert | None, new_events: list[AlertEvent],
                firing: Firing) -> list[str]:
    if case.after is None:
        return [] if alert is None else [f"{case.name}: row kept, expected it gone"]
    if alert is None:
        return [f"{case.name}: row missing"]
    expected: dict[str, Any] = {}
    if case.stored is not None:
        expected.update(words(firing, EARLIER), title=case.stored.get("title", alert.title))
    if case.after.get("last_seen") == NOW:
        expected.update(words(firing, NOW))
    expected.update(case.after)
    wrong = [f"{case.name}: {name} is {getattr(alert, name)!r}, expected {value!r}"
             for name, value in expected.items() if getattr(alert, name) != value]
    got = [(e.action, e.from_status and e.from_status.value, e.to_status and e.to_status.value,
            e.note) for e in new_events]
    if got != list(case.events):
        wrong.append(f"{case.name}: history {got}, expected {list(case.events)}")
    wrong += [f"{case.name}: history row at {e.at} by {e.actor}" for e in new_events
              if (e.at, e.actor) != (NOW, BATON)]
    return wrong


@both_backends
def test_every_step_kind_writes_its_row_and_history_in_one_bulk_apply(session: Session) -> None:
    firings, before = {}, {}
    for case in CASES:
        firings[case.name] = finding_for(case)
        if case.stored is not None:
            store(session, case, firings[case.name])
    session.commit()
    for alert in session.exec(select(Alert)).all():
        before[alert.fingerprint] = len(events_of(session, alert.id or 0))
    steps = run(session, [firings[c.name] for c in CASES if c.firing], RULES, NOW,
                {f"src-{c.name}" for c in CASES if c.stale},
                {f"src-{c.name}": c.synced for c in CASES})

    planned = {step.fingerprint: step.kind for step in steps}
    session.expire_all()
    wrong = [f"{c.name}: planned {planned.get(firings[c.name].fingerprint)}, expected {c.kind}"
             for c in CASES if planned.get(firings[c.name].fingerprint) != c.kind]
    for case in CASES:
        firing = firings[case.name]
        alert = session.exec(select(Alert).where(Alert.fingerprint == firing.fingerprint)
                             ).one_or_none()
        history = events_of(session, alert.id or 0) if alert is not None else []
        wrong += differences(case, alert, history[before.get(firing.fingerprint, 0):], firing)
    assert wrong == []
    dropped = {firings[c.name].fingerprint for c in CASES if c.after is None and c.stored}
    orphans = session.exec(select(AlertEvent).where(
        col(AlertEvent.alert_id).not_in(select(Alert.id)))).all()
    assert dropped and orphans == [], "a forgotten pending alert takes its history with it"


def counts(session: Session) -> tuple[int, int]:
    alerts = session.exec(select(sa.func.count()).select_from(Alert)).one()
    events = session.exec(select(sa.func.count()).select_from(AlertEvent)).one()
    return alerts, events


@both_backends
def test_a_second_run_with_the_same_firings_writes_no_history_and_keeps_every_word(
        session: Session) -> None:
    batch = synthetic_firings(2500)
    config = parse_rules("rules:\n  - {id: late, kind: overdue, severity: warning}\n", "r")
    synced: dict[str, datetime | None] = {"asana-main": NOW}
    first = run(session, batch, config, NOW, set(), synced)
    assert [s.action for s in first] == ["open"] * 2500 and counts(session) == (2500, 2500)
    columns = [c for c in Alert.__table__.columns  # type: ignore[attr-defined]
               if c.name not in ("last_seen", "sources_fresh_at")]
    rows_before = session.execute(sa.select(*columns).order_by(sa.text("id"))).all()

    again = run(session, batch, config, NOW + timedelta(minutes=5), set(), synced)
    assert {s.action for s in again} == {"keep"} and counts(session) == (2500, 2500)
    assert session.execute(sa.select(*columns).order_by(sa.text("id"))).all() == rows_before
    last_seen = set(session.exec(select(Alert.last_seen)).all())
    assert last_seen == {NOW + timedelta(minutes=5)}

    reworded = [Firing(f.rule, f.kind, f.severity, Finding(
        f.finding.subjects, f.finding.title + " (reworded)", f.finding.summary,
        f.finding.evidence)) if i % 10 == 0 else f for i, f in enumerate(batch)]
    run(session, reworded, config, NOW + timedelta(minutes=10), set(), synced)
    titles = session.exec(select(Alert.title).where(col(Alert.title).endswith("(reworded)")))
    assert len(titles.all()) == 250 and counts(session) == (2500, 2500)


@both_backends
def test_the_history_rows_of_new_alerts_point_at_their_own_alert(session: Session) -> None:
    """Ids come back from the multi-row INSERT: opened, pending and silenced alerts created
    in one run each carry exactly their own first history row."""
    rules = ("late", "slow", "hushed")
    batch = [Firing(rules[i % 3], f.kind, f.severity, f.finding)
             for i, f in enumerate(synthetic_firings(1200))]
    run(session, batch, RULES, NOW, set(), {"asana-main": NOW})
    first = {AlertStatus.open: "open", AlertStatus.pending: "pending",
             AlertStatus.silenced: "silence"}
    pairs = session.execute(sa.select(Alert.status, Alert.rule, AlertEvent.action).join(
        AlertEvent, col(AlertEvent.alert_id) == col(Alert.id))).all()
    assert len(pairs) == 1200
    assert {(rule, first[status] == action) for status, rule, action in pairs} == {
        (rule, True) for rule in rules}


AWKWARD = ["tab\there", "line\nbreak\r\n", "back\\slash \\N \\.", 'quote " and \'', "Zoë 東京 🚀",
           "nul-free but \x01 control", "", "comma, semi; {json: [1]}"]


@both_backends
def test_awkward_text_is_stored_exactly_by_the_bulk_writes(session: Session) -> None:
    """COPY (PostgreSQL) and executemany (SQLite) carry every character of titles,
    summaries, subjects, evidence and history notes as given."""
    batch = []
    for i, text in enumerate(AWKWARD):
        task = Subject("task", "asana-main", f"t-{text}", "ana@agency.example")
        batch.append(Firing("hushed", "overdue", Severity.critical, Finding(
            (task,), f"title {i} {text}", text, (Evidence(text, f"https://x.example/{i}", task),))))
    run(session, batch, RULES, NOW, set(), {"asana-main": NOW})
    for firing in batch:
        alert = session.exec(select(Alert).where(Alert.fingerprint == firing.fingerprint)).one()
        said = words(firing, NOW)
        assert [getattr(alert, k) for k in said] == list(said.values())
        event = session.exec(select(AlertEvent).where(AlertEvent.alert_id == alert.id)).one()
        assert event.note == SILENCE_NOTE


@both_backends
def test_apply_refuses_a_naive_now(session: Session) -> None:
    steps = lifecycle.plan(lifecycle.load_state(session, (), {}), synthetic_firings(1),
                           RULES, NOW, reason)
    with pytest.raises(ValueError, match="naive datetime"):
        lifecycle.apply(session, steps, RULES, NOW.replace(tzinfo=None))
