"""A person has accepted a meeting that falls inside their own time off.

**Fires when** a busy meeting the person accepted (or organised) overlaps
their out-of-office, an all-day "Vacation"/"Urlaub" entry, or a configured
holiday by at least `min_overlap_minutes`: Ana accepted "Supplier call"
2026-08-11 10:00 while her "OOO" runs 2026-08-10 .. 2026-08-15.

**Does not fire when** the invitation is declined, tentative or unanswered
(Google's auto-decline during OOO leaves no accepted meeting), the meeting
is cancelled or marked free, it ends when the time off begins (back to
back), or an all-day entry lies on another local day once placed in the
person's timezone.

**Why it matters:** an accepted meeting during a vacation is a promise
someone will not keep; the other attendees only find out when nobody joins.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from pydantic import Field

from model import ResponseStatus
from rules.findings import Evidence, Finding
from rules.records import (
    local,
    name_of,
    person_subject,
    record_evidence,
    record_subject,
    takes_time,
)
from rules.timeoff import TimeOff, TimeOffParams, time_off
from rules.timeutil import sweep_overlaps
from rules.view import CalendarEntry, ModelView, PersonInfo


class Params(TimeOffParams):
    min_overlap_minutes: int = Field(1, ge=1, description="meeting time inside the time off")
    lookahead_days: int = Field(60, ge=0, description="only meetings starting before now + this")


def evaluate(view: ModelView, params: Params, now: datetime) -> Iterator[Finding]:
    horizon = now + timedelta(days=params.lookahead_days)
    minimum = timedelta(minutes=params.min_overlap_minutes)
    for person_id, calendar in view.calendars.items():
        person = view.people[person_id]
        offs = time_off(view, person, params.time_off_title_pattern, params.include_holidays)
        meetings = [e for e in calendar if takes_time(e) and e.response is ResponseStatus.accepted
                    and e.interval.end > now and e.interval.start < horizon]
        if not offs or not meetings:
            continue
        spans: list[CalendarEntry | TimeOff] = [*meetings, *offs]
        clashes: dict[tuple[str, str], tuple[CalendarEntry, list[TimeOff]]] = {}
        for a, b, shared in sweep_overlaps(spans, lambda item: item.interval):
            pair = _pair(a, b)
            if pair is None or shared < minimum:
                continue
            meeting, off = pair
            key = (meeting.event.source, meeting.event.external_id)
            clashes.setdefault(key, (meeting, []))[1].append(off)
        for meeting, hits in clashes.values():
            yield _finding(person, meeting, hits)


def _pair(a: CalendarEntry | TimeOff, b: CalendarEntry | TimeOff
          ) -> tuple[CalendarEntry, TimeOff] | None:
    """A (meeting, time off) pair from the sweep; meeting/meeting or off/off pairs are skipped."""
    if isinstance(a, CalendarEntry) and isinstance(b, TimeOff):
        return a, b
    if isinstance(a, TimeOff) and isinstance(b, CalendarEntry):
        return b, a
    return None


def _finding(person: PersonInfo, meeting: CalendarEntry, offs: list[TimeOff]) -> Finding:
    event = meeting.event
    when = local(meeting.interval.start, person.tz)
    evidence: list[Evidence] = [record_evidence(
        "event", event, f"{name_of(event)} {when} ({event.source}, accepted)", person.email)]
    for off in offs:
        fact = (f"{person.label}: {off.reason} {local(off.interval.start, person.tz)} to "
                f"{local(off.interval.end, person.tz)}")
        evidence.append(record_evidence("event", off.event, fact, person.email)
                        if off.event is not None else Evidence(fact))
    return Finding(
        subjects=(person_subject(person), record_subject("event", event, person.email)),
        title=f"{person.label} accepted {name_of(event)} during time off",
        summary=f"{name_of(event)} starts {when}, while {person.label} is away "
                f"({offs[0].reason}). Decline it or find a stand-in.",
        evidence=tuple(evidence))
