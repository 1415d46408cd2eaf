"""A person is committed to two meetings at the same time, across any calendars.

**Fires when** one person has two busy, accepted (or unanswered) timed
meetings that share at least `min_overlap_minutes`, wherever they live:
Ana's Google "Client call 10:00-11:00" and her Salesforce "Venue visit
10:30-12:00" overlap by 30 minutes.

**Does not fire when** the meetings are back to back (10:00-11:00 then
11:00-12:00), one is declined, cancelled or marked free (transparent), one
is an all-day entry (all-day events are not meetings), or the same meeting
is mirrored onto the calendar twice (same iCal UID and instance, or linked
records). Two instances of one series are two meetings.

**Why it matters:** a coordinator sees only one tool at a time; the clash
between a CRM appointment and a calendar invite is invisible until the
client is kept waiting.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

from rules.findings import Finding
from rules.records import (
    local,
    name_of,
    person_subject,
    record_evidence,
    record_subject,
    takes_time,
)
from rules.timeutil import sweep_overlaps
from rules.view import CalendarEntry, ModelView, PersonInfo, occurrence_key


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    min_overlap_minutes: int = Field(15, ge=1, description="shared time that counts as a clash")
    ignore_declined: bool = Field(True, description="declined invitations take no time")
    ignore_tentative: bool = Field(False, description="treat tentative answers as free")
    lookahead_days: int = Field(30, ge=0, description="only clashes starting before now + this")
    lookback_hours: int = Field(0, ge=0, description="also report clashes that started this "
                                "long ago (0: only current and future ones)")


def evaluate(view: ModelView, params: Params, now: datetime) -> Iterator[Finding]:
    window_start = now - timedelta(hours=params.lookback_hours)
    window_end = now + timedelta(days=params.lookahead_days)
    minimum = timedelta(minutes=params.min_overlap_minutes)
    for person_id, calendar in view.calendars.items():
        person = view.people[person_id]
        busy = [e for e in calendar
                if takes_time(e, ignore_declined=params.ignore_declined,
                              ignore_tentative=params.ignore_tentative)
                and e.interval.end > window_start and e.interval.start < window_end]
        for first, second, shared in sweep_overlaps(busy, lambda e: e.interval):
            if shared >= minimum and not _same_meeting(view, first, second):
                yield _finding(person, first, second, shared)


def _same_meeting(view: ModelView, a: CalendarEntry, b: CalendarEntry) -> bool:
    occurrence = occurrence_key(a.event)
    if occurrence is not None and occurrence == occurrence_key(b.event):
        return True
    linked = view.linked("event", a.event.source, a.event.external_id)
    return any(key == ("event", b.event.source, b.event.external_id) for key, _ in linked)


def _finding(person: PersonInfo, a: CalendarEntry, b: CalendarEntry,
             shared: timedelta) -> Finding:
    minutes = int(shared.total_seconds() // 60)
    evidence = tuple(
        record_evidence("event", e.event, f"{name_of(e.event)} {local(e.interval.start, person.tz)}"
                        f" to {local(e.interval.end, person.tz)} ({e.event.source}, "
                        f"{e.response.value})", person.email)
        for e in (a, b))
    return Finding(
        subjects=(person_subject(person), record_subject("event", a.event, person.email),
                  record_subject("event", b.event, person.email)),
        title=f"{person.label} is double-booked: {name_of(a.event)} and {name_of(b.event)}",
        summary=f"The meetings overlap by {minutes} minutes starting "
                f"{local(max(a.interval.start, b.interval.start), person.tz)}.",
        evidence=evidence)
