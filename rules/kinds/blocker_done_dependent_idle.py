"""A blocking task was finished days ago, but the work it blocked has not moved.

**Fires when** a task completed at least `after_days` ago (and not more than
`max_age_days`) blocks an open task that is now free to start (all its
blockers done) and is idle: nobody is assigned, its assignee is away today,
or it has not been updated since the blocker was completed. Example:
"Venue contract signed" completed Monday; "Send floor plan to caterer"
(blocked by it) is unassigned on Thursday.

**Does not fire when** the dependent is done or archived, it is still
waiting on another open blocker, it was updated after the blocker finished
(someone picked it up), or the blocker was completed less than
`after_days` ago.

**Why it matters:** dependencies are where handoffs silently stall: the
person finishing the blocker assumes the next person was told.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

from model import Task
from rules.findings import Finding
from rules.records import (
    is_done_task,
    is_open_task,
    local,
    name_of,
    record_evidence,
    record_subject,
)
from rules.timeoff import DEFAULT_TIME_OFF_PATTERN, time_off
from rules.view import ModelView


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    after_days: int = Field(2, ge=0, description="days since the blocker was completed")
    max_age_days: int = Field(30, ge=1, description="older completions are not news")
    time_off_title_pattern: str = Field(DEFAULT_TIME_OFF_PATTERN, description=(
        "regular expression: all-day events whose title matches are time off"))


def evaluate(view: ModelView, params: Params, now: datetime) -> Iterator[Finding]:
    for (source, blocker_id), dependents in view.dependents_of.items():
        blocker = view.tasks_by_key.get((source, blocker_id))
        if blocker is None or blocker.completed_at is None:
            continue
        age = now - blocker.completed_at
        if age < timedelta(days=params.after_days) or age > timedelta(days=params.max_age_days):
            continue
        for dependent_id in sorted(set(dependents)):
            dependent = view.tasks_by_key.get((source, dependent_id))
            if dependent is None or not is_open_task(dependent) or _still_blocked(view, dependent):
                continue
            reason = _idle_reason(view, dependent, blocker, now, params)
            if reason:
                yield _finding(view, blocker, dependent, reason)


def _still_blocked(view: ModelView, task: Task) -> bool:
    for blocker_id in view.blockers_of.get((task.source, task.external_id), []):
        blocker = view.tasks_by_key.get((task.source, blocker_id))
        if blocker is not None and not is_done_task(blocker):
            return True
    return False


def _idle_reason(view: ModelView, task: Task, blocker: Task, now: datetime,
                 params: Params) -> str | None:
    if not view.is_assigned(task):
        return "nobody is assigned to it"
    for person in view.assignees_of(task):
        if any(off.interval.contains(now)
               for off in time_off(view, person, params.time_off_title_pattern)):
            return f"its assignee {person.label} is away"
    completed = blocker.completed_at
    if completed is not None and task.remote_updated_at is not None \
            and task.remote_updated_at <= completed:
        return "it has not changed since"
    return None


def _finding(view: ModelView, blocker: Task, dependent: Task, reason: str) -> Finding:
    people = view.assignees_of(dependent)
    email = people[0].email if people else None
    tz = people[0].tz if people else view.default_tz
    done = local(blocker.completed_at, tz) if blocker.completed_at else "?"
    return Finding(
        subjects=(record_subject("task", blocker), record_subject("task", dependent, email)),
        title=f"{name_of(dependent)} is idle although its blocker is done",
        summary=f"{name_of(blocker)} was completed {done}, but {reason}.",
        evidence=(record_evidence("task", blocker, f"blocker {name_of(blocker)} completed "
                                  f"{done}"),
                  record_evidence("task", dependent, f"waiting task {name_of(dependent)}: "
                                  f"{reason}", email)))
