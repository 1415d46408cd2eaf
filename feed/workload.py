"""People and workload: each person's coming weeks, committed hours against capacity.

The numbers are the `overload` rule's own (same meeting hours, same spread of
task effort over working days, same time off), computed with its helpers, so
the bar a coordinator sees and the alert that fires can never disagree.
Unmatched identities are listed because an unmatched account is work and
meetings nobody's workload counts.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, select

from model import Alert, Identity
from rules.kinds.overload import Params, week_meetings, week_present_days, week_task_effort
from rules.records import is_open_task
from rules.timeoff import TimeOff, time_off
from rules.timeutil import (
    dates_interval,
    due_day,
    iso_week,
    local_date,
    week_dates,
    week_monday,
)
from rules.view import ModelView, PersonInfo, RulesContext

ACTIVE_STATUSES = ("open", "acked", "snoozed")


@dataclass(frozen=True)
class Week:
    label: str
    monday: date
    meeting_hours: float
    task_hours: float
    capacity_hours: float

    @property
    def committed_hours(self) -> float:
        return self.meeting_hours + self.task_hours

    @property
    def percent(self) -> int:
        if self.capacity_hours <= 0:
            return 0 if self.committed_hours <= 0 else 999
        return round(100 * self.committed_hours / self.capacity_hours)

    @property
    def is_over(self) -> bool:
        return self.committed_hours > self.capacity_hours


@dataclass(frozen=True)
class PersonLoad:
    person: PersonInfo
    weeks: list[Week]
    time_off: list[TimeOff]
    open_alerts: int


def workload(session: Session, context: RulesContext, now: datetime, weeks: int
             ) -> tuple[list[PersonLoad], list[Identity]]:
    view = ModelView.load(session, context)
    counts = _alert_counts(session)
    params = Params(weeks_ahead=min(12, max(1, weeks)))
    loads = [_person_load(view, person, now, params, counts.get(person.email, 0))
             for person in view.people.values()]
    loads.sort(key=lambda load: (not load.person.active, load.person.label.lower()))
    unmatched = list(session.exec(select(Identity).where(col(Identity.person_id).is_(None))
                                  .order_by(col(Identity.source), col(Identity.external_id))))
    return loads, unmatched


def _alert_counts(session: Session) -> Counter[str]:
    counts: Counter[str] = Counter()
    for alert in session.exec(select(Alert).where(col(Alert.status).in_(ACTIVE_STATUSES))):
        for email in {str(s["email"]).lower() for s in alert.subjects if s.get("email")}:
            counts[email] += 1
    return counts


def _person_load(view: ModelView, person: PersonInfo, now: datetime, params: Params,
                 open_alerts: int) -> PersonLoad:
    offs = time_off(view, person, params.time_off_title_pattern, params.include_holidays)
    today = local_date(now, person.tz)
    first = week_monday(today)
    horizon = first + timedelta(weeks=params.weeks_ahead)
    tasks = [t for t in view.tasks_by_person.get(person.id or -1, []) if is_open_task(t)]
    last = max([horizon, *(d for t in tasks if (d := due_day(t.due_on, t.due_at, person.tz)))])
    present = week_present_days(person, [o.interval for o in offs], first, last, params)
    weeks = []
    for n in range(params.weeks_ahead):
        monday = first + timedelta(weeks=n)
        days = [d for d in present if monday <= d < monday + timedelta(days=7)]
        per_day = person.weekly_capacity_hours / max(1, len(person.working_days))
        span = dates_interval(monday, monday + timedelta(days=7), person.tz)
        _, meeting_hours = week_meetings(view, person, span)
        effort = week_task_effort(view, person, tasks, present, monday, today, params)
        weeks.append(Week(iso_week(monday), monday, round(meeting_hours, 1),
                          round(sum(p.hours for p in effort), 1), round(per_day * len(days), 1)))
    window = dates_interval(first, horizon, person.tz)
    upcoming = [o for o in offs if o.interval.overlap(window) and o.event is not None]
    return PersonLoad(person, weeks, upcoming, open_alerts)


@dataclass(frozen=True)
class Bar:
    """One week drawn as SVG: capacity as the track, committed hours filling it; labelled
    by its Monday (`7 Dec`), its full dates on hover, as the overload alert names weeks."""

    label: str
    week: str
    x: float
    fill_width: float
    capacity_x: float
    text: str
    is_over: bool


def bars(weeks: list[Week], width: float = 240) -> list[Bar]:
    """Scale all of a person's weeks together so weeks compare at a glance."""
    top = max([1.0, *(max(w.committed_hours, w.capacity_hours) for w in weeks)])
    scale = width / top
    return [Bar(f"{w.monday.day} {w.monday:%b}", week_dates(w.monday), 0,
                round(w.committed_hours * scale, 1),
                round(w.capacity_hours * scale, 1),
                f"{w.committed_hours:g} / {w.capacity_hours:g} h", w.is_over) for w in weeks]
