"""A task falls due soon and nobody is assigned to it.

**Fires when** an open task with no assignee at all is due within
`within_days`: a Trello card "Print badges" due the day after tomorrow
with no members.

**Does not fire when** the task has any assignee (even one not yet matched
to a person: someone in the tool owns it), is done or archived, has no due
date, is due later than the window, or is already past due (that is
`overdue`'s job, so one task never raises two alerts).

**Why it matters:** unowned work with a near deadline is the classic missed
handoff: everyone assumes someone else picked it up.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

from rules.findings import Finding
from rules.records import due_text, is_open_task, name_of, record_evidence, record_subject
from rules.timeutil import due_deadline
from rules.view import ModelView


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    within_days: int = Field(3, ge=0, description="deadline no later than now + this many days")


def evaluate(view: ModelView, params: Params, now: datetime) -> Iterator[Finding]:
    horizon = now + timedelta(days=params.within_days)
    for task in view.tasks:
        if not is_open_task(task) or view.is_assigned(task):
            continue
        deadline = due_deadline(task.due_on, task.due_at, view.default_tz)
        if deadline is None or deadline <= now or deadline > horizon:
            continue
        due = due_text(task.due_on, task.due_at, view.default_tz)
        yield Finding(
            subjects=(record_subject("task", task),),
            title=f"{name_of(task)} is due soon and nobody owns it",
            summary=f"Due {due} in {task.source}, with no assignee.",
            evidence=(record_evidence("task", task, f"{name_of(task)} due {due}, "
                                      "unassigned"),))
