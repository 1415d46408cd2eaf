"""A person has more committed hours in a week than they have available.

**Fires when** for one person and one ISO week (this week and the next
`weeks_ahead - 1`), accepted busy meeting hours plus the effort of their
open tasks planned in that week exceed `threshold_percent` of their
capacity by at least `min_excess_hours`. Capacity is weekly hours spread
over their working days, counting only days they are present (not a
holiday, not mostly time off). Task effort (estimate, else
`default_task_estimate_hours`, shared among assignees) is spread over the
working days from its start (or today) to its due day; the evidence says how many
of the week's tasks had no estimate and what each was counted as. Example: Ana, 32 h
over Mon-Thu, off Monday: 24 h capacity; 14 h of meetings + 16 h of tasks
= 30 h, 125 %.

**Does not fire when** the load fits (31 h of 32), the extra is below
`min_excess_hours`, meetings are declined, unanswered, free or cancelled,
tasks are done, overdue (already late: `overdue` reports them) or due after
the week, or the person is away the whole week (capacity 0: the time-off
kinds report what is planned then).

**Why it matters:** Asana shows tasks, Google shows meetings, nobody shows
both against a person's real week; overload is where deadlines slip next.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

from model import ResponseStatus, SyncedRecord, Task
from rules.findings import Evidence, Finding
from rules.records import is_open_task, name_of, person_subject, record_evidence, takes_time
from rules.timeoff import DEFAULT_TIME_OFF_PATTERN, merged_time_off, time_off
from rules.timeutil import (
    Interval,
    covered,
    dates_interval,
    day_interval,
    due_day,
    iso_week,
    local_date,
    merge,
    week_dates,
    week_monday,
)
from rules.view import ModelView, PersonInfo


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    threshold_percent: float = Field(100.0, gt=0, description="load above this share of "
                                     "capacity fires")
    min_excess_hours: float = Field(2.0, ge=0, description="ignore overloads smaller than this")
    weeks_ahead: int = Field(2, ge=1, le=12, description="weeks checked, starting this week")
    default_task_estimate_hours: float = Field(0.0, ge=0, description=(
        "effort of a task without an estimate (0: such tasks add nothing; the evidence "
        "counts them either way)"))
    day_off_min_hours: float = Field(4.0, gt=0, le=24, description=(
        "a working day with this much time off is not a working day"))
    time_off_title_pattern: str = Field(DEFAULT_TIME_OFF_PATTERN, description=(
        "regular expression: all-day events whose title matches are time off"))
    include_holidays: bool = Field(True, description="configured holidays reduce capacity")
    evidence_max_items: int = Field(5, ge=1, description="biggest contributors listed")


@dataclass(frozen=True)
class Contribution:
    """`estimated` False: a task without an estimate, counted at the default."""

    record: SyncedRecord
    kind: str
    hours: float
    fact: str
    estimated: bool = True


def evaluate(view: ModelView, params: Params, now: datetime) -> Iterator[Finding]:
    for person_id, person in view.people.items():
        if not person.working_days or person.weekly_capacity_hours <= 0:
            continue
        offs = merged_time_off(time_off(view, person, params.time_off_title_pattern,
                                        params.include_holidays))
        today = local_date(now, person.tz)
        tasks = [t for t in view.tasks_by_person.get(person_id, []) if is_open_task(t)]
        last = max([week_monday(today) + timedelta(weeks=params.weeks_ahead),
                    *(d for t in tasks if (d := due_day(t.due_on, t.due_at, person.tz)))])
        present = week_present_days(person, offs, week_monday(today), last, params)
        for week in range(params.weeks_ahead):
            monday = week_monday(today) + timedelta(weeks=week)
            days = [d for d in present if monday <= d < monday + timedelta(days=7)]
            capacity = person.weekly_capacity_hours / len(person.working_days) * len(days)
            if capacity <= 0:
                continue
            span = dates_interval(monday, monday + timedelta(days=7), person.tz)
            parts, meeting_hours = week_meetings(view, person, span)
            tasks_part = week_task_effort(view, person, tasks, present, monday, today, params)
            load = meeting_hours + sum(p.hours for p in tasks_part)
            excess = load - capacity * params.threshold_percent / 100
            if excess > 0 and excess >= params.min_excess_hours:
                yield _finding(person, monday, load, capacity, parts + tasks_part, params)


def week_present_days(person: PersonInfo, offs: list[Interval], first: date, last: date,
                      params: Params) -> list[date]:
    """Working days in `first..last` where the person is not (mostly) away (public: the
    feed's workload view uses the same numbers as this rule)."""
    found = []
    for n in range((last - first).days + 1):
        day = first + timedelta(days=n)
        if day.isoweekday() not in person.working_days:
            continue
        off_hours = covered(offs, day_interval(day, person.tz)).total_seconds() / 3600
        if off_hours < params.day_off_min_hours:
            found.append(day)
    return found


def week_meetings(view: ModelView, person: PersonInfo, week: Interval
                  ) -> tuple[list[Contribution], float]:
    """Accepted meetings in the week, and their hours with overlaps counted once."""
    entries = [e for e in view.calendars.get(person.id or -1, [])
               if takes_time(e) and e.response is ResponseStatus.accepted
               and e.interval.overlap(week)]
    parts = [Contribution(e.event, "event", e.interval.overlap(week).total_seconds() / 3600,
                          f"meeting {name_of(e.event)}") for e in entries]
    merged = merge(e.interval for e in entries)
    return parts, sum(m.overlap(week).total_seconds() for m in merged) / 3600


def week_task_effort(view: ModelView, person: PersonInfo, tasks: list[Task],
                     present: list[date], monday: date, today: date,
                     params: Params) -> list[Contribution]:
    parts = []
    for task in tasks:
        due = due_day(task.due_on, task.due_at, person.tz)
        if due is None or due < today:
            continue
        estimated = task.estimate_hours is not None
        estimate = task.estimate_hours if estimated else params.default_task_estimate_hours
        share = (estimate or 0.0) / max(1, len(view.assignees_of(task)))
        start = max(today, task.start_on or due)
        days = [d for d in present if start <= d <= due] or [due]
        in_week = sum(1 for d in days if monday <= d < monday + timedelta(days=7))
        if in_week and (share > 0 or not estimated):
            parts.append(Contribution(task, "task", share * in_week / len(days),
                                      f"task {name_of(task)} due {due}", estimated))
    return parts


def _finding(person: PersonInfo, monday: date, load: float, capacity: float,
             parts: list[Contribution], params: Params) -> Finding:
    days = week_dates(monday)
    percent = round(100 * load / capacity)
    biggest = sorted((p for p in parts if p.hours > 0),
                     key=lambda p: (-p.hours, p.fact))[:params.evidence_max_items]
    evidence: list[Evidence] = [
        record_evidence(p.kind, p.record, f"{p.fact}: {p.hours:.1f} h", person.email)
        for p in biggest]
    evidence.insert(0, Evidence(f"{person.label}, {days}: {load:.1f} h committed, "
                                f"{capacity:.1f} h available"))
    unestimated = len({(p.record.source, p.record.external_id) for p in parts
                       if not p.estimated})
    if unestimated:
        evidence.append(Evidence(
            f"{unestimated} task{'s' if unestimated > 1 else ''} without an estimate counted "
            f"as {params.default_task_estimate_hours:g} h each"))
    return Finding(
        subjects=(person_subject(person),), period=iso_week(monday),
        title=f"{person.label} is overloaded {days} ({percent}%)",
        summary=f"{load:.1f} h of meetings and tasks against {capacity:.1f} h of capacity.",
        evidence=tuple(evidence),
        extra_sources=frozenset(p.record.source for p in parts))
