"""An open task falls due while its assignee is away.

**Fires when** an open task's deadline lands in the assignee's time off:
Ben's Asana task due 2026-08-12 while his all-day "Vacation" runs
2026-08-10 .. 2026-08-14, or a card due at 15:00 UTC during his
out-of-office afternoon, or a deadline on a configured holiday. A date-only
due date is the assignee's local day and fires when at least
`min_off_hours_on_due_day` of that day are time off.

**Does not fire when** the task is done or archived, the time off was
declined or cancelled, the all-day entry's title does not look like time
off ("Offsite prep"), or the deadline is outside the time off when read in
the assignee's own timezone: Ben in Los Angeles is off on Friday the 14th,
and a card due Saturday 17:00 UTC is Saturday 10:00 for him.

**Why it matters:** the deadline lives in Asana or Trello, the vacation in
Google Calendar; nobody notices until the day passes with nobody there.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from pydantic import Field

from model import Task
from rules.findings import Evidence, Finding
from rules.records import (
    due_text,
    is_open_task,
    local,
    name_of,
    person_subject,
    record_evidence,
    record_subject,
)
from rules.timeoff import TimeOff, TimeOffParams, merged_time_off, time_off
from rules.timeutil import Interval, covered, day_interval
from rules.view import ModelView, PersonInfo


class Params(TimeOffParams):
    min_off_hours_on_due_day: float = Field(4.0, gt=0, le=24, description=(
        "a date-only due date fires when this much of that local day is time off"))
    lookahead_days: int = Field(60, ge=0, description="only tasks due before now + this")


def evaluate(view: ModelView, params: Params, now: datetime) -> Iterator[Finding]:
    horizon = now + timedelta(days=params.lookahead_days)
    for person_id, tasks in view.tasks_by_person.items():
        person = view.people[person_id]
        offs = time_off(view, person, params.time_off_title_pattern, params.include_holidays)
        if not offs:
            continue
        merged = merged_time_off(offs)
        for task in tasks:
            if not is_open_task(task):
                continue
            window = _due_window(task, person)
            if window is None or window.end <= now or window.start > horizon:
                continue
            hit = _during(window, task, merged, params)
            if hit:
                yield _finding(person, task, window, [o for o in offs
                                                      if o.interval.overlap(window)
                                                      or o.interval.contains(window.start)])


def _due_window(task: Task, person: PersonInfo) -> Interval | None:
    """The due instant as an empty interval, or the whole local due day."""
    if task.due_at is not None:
        return Interval(task.due_at, task.due_at)
    if task.due_on is not None:
        return day_interval(task.due_on, person.tz)
    return None


def _during(window: Interval, task: Task, merged: list[Interval], params: Params) -> bool:
    if task.due_at is not None:
        return any(off.contains(window.start) for off in merged)
    off_hours = covered(merged, window).total_seconds() / 3600
    return off_hours >= min(params.min_off_hours_on_due_day, window.hours())


def _finding(person: PersonInfo, task: Task, window: Interval, offs: list[TimeOff]
             ) -> Finding:
    due = due_text(task.due_on, task.due_at, person.tz)
    evidence: list[Evidence] = [record_evidence("task", task, f"{name_of(task)} due {due}",
                                                person.email)]
    for off in offs:
        fact = (f"{person.label}: {off.reason} {local(off.interval.start, person.tz)} to "
                f"{local(off.interval.end, person.tz)}")
        evidence.append(record_evidence("event", off.event, fact, person.email)
                        if off.event is not None else Evidence(fact))
    return Finding(
        subjects=(person_subject(person), record_subject("task", task, person.email)),
        title=f"{name_of(task)} is due while {person.label} is away",
        summary=f"Due {due}; {person.label} is off then. Move the date or hand it over.",
        evidence=tuple(evidence))
