"""An open task is past its deadline.

**Fires when** a task that is still open has a deadline more than
`min_overdue_hours` in the past: an Asana task with `due_at` yesterday
17:00 UTC, or a Google Task due 2026-03-09 once the 9th has ended in its
assignee's timezone.

**Does not fire when** the task is completed or archived (a closed Trello
card), has no due date, or is date-only and its day has not yet ended where
the assignee lives: a task due 2026-03-09 assigned to someone in Los
Angeles is not late at 2026-03-10 03:00 UTC (still the 9th there).

**Why it matters:** a late task in one tool usually means a handoff or an
event date at risk in another; the sooner a coordinator sees it the more
options remain.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

from model import Task
from rules.findings import Finding, Subject
from rules.records import (
    due_text,
    is_open_task,
    name_of,
    person_subject,
    record_evidence,
    record_subject,
)
from rules.timeutil import due_deadline, local_date
from rules.view import ModelView


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    min_overdue_hours: float = Field(0.0, ge=0, description="grace period after the deadline")
    max_overdue_days: int = Field(90, ge=1, description=(
        "tasks late longer than this are abandoned, not news; they stop alerting"))


def evaluate(view: ModelView, params: Params, now: datetime) -> Iterator[Finding]:
    grace = timedelta(hours=params.min_overdue_hours)
    oldest = now - timedelta(days=params.max_overdue_days)
    for task in view.tasks:
        if not is_open_task(task):
            continue
        tz = view.task_tz(task)
        deadline = due_deadline(task.due_on, task.due_at, tz)
        if deadline is None or deadline + grace > now or deadline < oldest:
            continue
        people = view.assignees_of(task)
        email = people[0].email if people else None
        who = ", ".join(p.label for p in people) or "nobody (unassigned)"
        due = due_text(task.due_on, task.due_at, tz)
        subjects: tuple[Subject, ...] = (record_subject("task", task, email),
                                         *(person_subject(p) for p in people))
        yield Finding(
            subjects=subjects,
            title=f"{name_of(task)} is overdue",
            summary=f"Due {due}, {_late(task, deadline, now, tz)}; assigned to {who}.",
            evidence=(record_evidence("task", task, f"{name_of(task)} in {task.source}, due "
                                      f"{due}", email),))


def _late(task: Task, deadline: datetime, now: datetime, tz: ZoneInfo) -> str:
    """`3 days late` counts calendar days for a due date; hours, then days, for a time."""
    if task.due_at is None and task.due_on is not None:
        days = (local_date(now, tz) - task.due_on).days
        return f"{days} day{'s' if days != 1 else ''} late"
    hours = int((now - deadline).total_seconds() // 3600)
    if hours < 48:
        return f"{hours} hour{'s' if hours != 1 else ''} late"
    return f"{hours // 24} days late"
