"""When a person is away: out-of-office events, all-day "Vacation" entries, holidays.

Three kinds (due/meeting during time off, overload) must agree on this, so
it is computed here. Google's `outOfOffice` events are time off whatever
their title; all-day events count only when their title matches the rule's
pattern (people write "Urlaub" or "PTO" on an ordinary all-day entry); the
configured holidays are whole local days for everyone. A declined or
cancelled entry is not time off.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from model import Event, EventKind, ResponseStatus
from rules.timeutil import Interval, day_interval, merge
from rules.view import ModelView, PersonInfo

DEFAULT_TIME_OFF_PATTERN = (r"(?i)\b(ooo|out of office|vacation|holidays?|urlaub|pto|"
                            r"annual leave|parental leave|sick|time off)\b")


class TimeOffParams(BaseModel):
    """What counts as time off, shared by every kind that asks "is this person away?",
    so the kinds cannot drift apart in what they accept."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    time_off_title_pattern: str = Field(DEFAULT_TIME_OFF_PATTERN, description=(
        "regular expression: all-day events whose title matches are time off"))
    include_holidays: bool = Field(True, description="configured holidays count as time off")


@dataclass(frozen=True)
class TimeOff:
    interval: Interval
    reason: str
    event: Event | None = None


def time_off(view: ModelView, person: PersonInfo, title_pattern: str,
             include_holidays: bool = True) -> list[TimeOff]:
    """The person's time off, sorted by start."""
    pattern = re.compile(title_pattern)
    found: list[TimeOff] = []
    for entry in view.calendars.get(person.id, []) if person.id is not None else []:
        if not entry.is_live or entry.response is ResponseStatus.declined:
            continue
        if entry.event.kind is EventKind.out_of_office:
            found.append(TimeOff(entry.interval, "out of office", entry.event))
        elif entry.all_day and pattern.search(entry.event.title or ""):
            found.append(TimeOff(entry.interval, f'all-day "{entry.event.title}"', entry.event))
    if include_holidays:
        found += [TimeOff(day_interval(day, person.tz), f"holiday {day.isoformat()}")
                  for day in sorted(view.context.holidays)]
    return sorted(found, key=lambda off: (off.interval, off.reason))


def merged_time_off(offs: list[TimeOff]) -> list[Interval]:
    return merge(off.interval for off in offs)


def overlapping(offs: list[TimeOff], window: Interval) -> list[TimeOff]:
    """Time off entries sharing time with `window` (the list is short per person)."""
    return [off for off in offs if off.interval.overlap(window) or
            (window.duration.total_seconds() == 0 and off.interval.contains(window.start))]
