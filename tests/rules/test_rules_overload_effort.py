"""Overload says how tasks without an estimate were counted (issue 13: effort)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from rules.kinds.overload import Params, evaluate
from rules.view import RulesContext
from tests.rules.rules_given import Builder

NOW = datetime(2026, 3, 9, 7, 0, tzinfo=UTC)  # Monday of ISO week 11 in Madrid
ANA = {"email": "ana@agency.example", "timezone": "Europe/Madrid",
       "weekly_capacity_hours": 32, "working_days": [1, 2, 3, 4]}


def task(key: str, estimate: float | None, source: str = "asana-main") -> dict[str, Any]:
    row: dict[str, Any] = {"id": key, "source": source, "due_on": "2026-03-11",
                           "assignees": ["ana@agency.example"]}
    return row | ({"estimate_hours": estimate} if estimate is not None else {})


def evidence(tasks: list[dict[str, Any]], **params: Any) -> list[str]:
    view = Builder().rows({"people": [ANA], "tasks": tasks}).view(RulesContext())
    [finding] = evaluate(view, Params(**params), NOW)
    return [e.fact for e in finding.evidence]


@pytest.mark.parametrize(("default", "load"), [(0, 40.0), (3, 49.0)])
def test_unestimated_tasks_are_counted_at_the_default_and_said_so(default: float,
                                                                   load: float) -> None:
    """Two estimated tasks (40 h) and three without: same ids in two sources count twice."""
    tasks = [task("a", 24), task("b", 16), task("x", None), task("y", None),
             task("x", None, source="trello-studio")]
    lines = evidence(tasks, default_task_estimate_hours=default)
    assert lines[0].endswith(f"{load:.1f} h committed, 32.0 h available")
    assert lines[-1] == f"3 tasks without an estimate counted as {default:g} h each"
    assert not any(line.endswith(": 0.0 h") for line in lines), "no zero-hour contributors"


def test_one_unestimated_task_is_singular_and_none_says_nothing() -> None:
    assert evidence([task("a", 40), task("x", None)])[-1] == \
        "1 task without an estimate counted as 0 h each"
    assert not any("without an estimate" in line
                   for line in evidence([task("a", 40), task("b", 2)]))


def test_the_default_is_zero() -> None:
    assert Params().default_task_estimate_hours == 0
