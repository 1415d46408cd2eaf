"""Time the alert lifecycle writing transitions in bulk: seconds per opened alert.

Issue 15 asks for at most 0.1 ms per opened alert. The first evaluation of an
organisation opens every alert, so `measure` plans and applies `n` synthetic
firings against an empty alert table (load, plan, write, commit: the lifecycle's
whole share of `evaluate.run`, not the rules). `measure_rerun` then times the
same firings again, the run where nothing changed, which must write almost
nothing. Usage from the command line: `python -m bench.alert_writes URL N...`.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from baton import database
from model import Alert, AlertEvent, Severity
from rules import lifecycle
from rules.config import RulesConfig, parse_rules
from rules.findings import Evidence, Finding, Firing, Subject

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
RULES = "rules:\n  - {id: late, kind: overdue, severity: warning}\n"


def firings(n: int) -> list[Firing]:
    """`n` overdue-task firings shaped like the real kind's (task + person subjects)."""
    made = []
    for i in range(n):
        email = f"person{i % 500}@agency.example"
        task = Subject("task", "asana-main", f"t{i}", email)
        finding = Finding(
            subjects=(task, Subject("person", email=email)),
            title=f"Task {i} is overdue", summary=f"Task {i} was due 1 day ago; not done.",
            evidence=(Evidence(f"due 2026-03-09, task {i}",
                               f"https://app.asana.com/0/1/{i}", task),))
        made.append(Firing("late", "overdue", Severity.warning, finding))
    return made


def _run(engine: Engine, batch: list[Firing], config: RulesConfig, now: datetime) -> float:
    started = time.perf_counter()
    with Session(engine) as session:
        state = lifecycle.load_state(session, (), {"asana-main": now})
        steps = lifecycle.plan(state, batch, config, now, lambda _alert: "quiet")
        lifecycle.apply(session, steps, config, now)
        session.commit()
    return time.perf_counter() - started


def _empty(engine: Engine) -> None:
    database.upgrade(engine)
    with engine.begin() as connection:
        connection.execute(sa.delete(AlertEvent))
        connection.execute(sa.delete(Alert))


def measure(engine: Engine, n: int) -> float:
    """Seconds per opened alert when one run opens `n` alerts in an empty table."""
    _empty(engine)
    seconds = _run(engine, firings(n), parse_rules(RULES, "bench"), NOW)
    with engine.connect() as connection:
        stored = connection.scalar(sa.select(sa.func.count()).select_from(Alert))
    if stored != n:
        raise RuntimeError(f"bench: {n} firings opened {stored} alerts")
    return seconds / n


def measure_rerun(engine: Engine, n: int) -> tuple[float, int]:
    """Seconds per alert of a second run with the same `n` firings, and the history rows
    it wrote (0 when nothing changed)."""
    _empty(engine)
    batch, config = firings(n), parse_rules(RULES, "bench")
    _run(engine, batch, config, NOW)
    with engine.connect() as connection:
        before = connection.scalar(sa.select(sa.func.count()).select_from(AlertEvent))
    seconds = _run(engine, batch, config, NOW + timedelta(minutes=5))
    with engine.connect() as connection:
        after = connection.scalar(sa.select(sa.func.count()).select_from(AlertEvent))
    return seconds / n, (after or 0) - (before or 0)


def main(argv: list[str]) -> None:
    url, sizes = argv[0], [int(a) for a in argv[1:]]
    engine = database.make_engine(url)
    for n in sizes:
        opened = measure(engine, n)
        again, written = measure_rerun(engine, n)
        print(f"n={n}: open {opened * 1000:.4f} ms/alert, re-run {again * 1000:.4f} "
              f"ms/alert, re-run history rows {written}")
    engine.dispose()


if __name__ == "__main__":
    main(sys.argv[1:])
