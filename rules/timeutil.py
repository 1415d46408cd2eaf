"""The one place where dates become instants, and the interval arithmetic rules share.

The model keeps dates as dates (`due_on`, all-day `start_date`/`end_date`)
because "the 12th" means a different span of UTC for a person in Madrid than
for one in Los Angeles. Rules turn them into instants here and nowhere else,
always in the person's own timezone via zoneinfo, so a DST change week has a
23- or 25-hour day exactly where the person lives. Intervals are half-open
(`[start, end)`): a meeting ending at 10:00 and one starting at 10:00 share
no time, which is what a back-to-back calendar means.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from model import Event

T = TypeVar("T")
NO_TIME = timedelta(0)


@dataclass(frozen=True, order=True)
class Interval:
    """A half-open span `[start, end)` of tz-aware instants."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("Interval needs tz-aware instants")
        if self.end < self.start:
            raise ValueError(f"Interval ends ({self.end}) before it starts ({self.start})")

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    def overlap(self, other: Interval) -> timedelta:
        """Shared time; zero for back-to-back or disjoint intervals."""
        return max(NO_TIME, min(self.end, other.end) - max(self.start, other.start))

    def contains(self, instant: datetime) -> bool:
        return self.start <= instant < self.end

    def hours(self) -> float:
        return self.duration.total_seconds() / 3600


def zone(name: str | None, default: str = "UTC") -> ZoneInfo:
    """The timezone called `name`, else `default`: a bad name never stops evaluation."""
    for candidate in (name, default, "UTC"):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def start_of_day(day: date, tz: ZoneInfo) -> datetime:
    """Local midnight of `day` as a UTC instant (DST-correct: zoneinfo picks the offset)."""
    return datetime.combine(day, time.min, tzinfo=tz).astimezone(UTC)


def day_interval(day: date, tz: ZoneInfo) -> Interval:
    """The whole local day; 23 or 25 hours long in a DST change week."""
    return Interval(start_of_day(day, tz), start_of_day(day + timedelta(days=1), tz))


def dates_interval(first: date, end_before: date, tz: ZoneInfo) -> Interval:
    """Local days `first` .. `end_before` (exclusive, as Google's all-day `end.date`)."""
    return Interval(start_of_day(first, tz), start_of_day(max(end_before, first), tz))


def local_date(instant: datetime, tz: ZoneInfo) -> date:
    return instant.astimezone(tz).date()


def due_deadline(due_on: date | None, due_at: datetime | None, tz: ZoneInfo) -> datetime | None:
    """When a task becomes late: `due_at` itself, or the end of the local `due_on` day.

    A date-only due date means "sometime that day" for the person it belongs
    to; turning it into midnight UTC would make it late a day early in the
    Americas.
    """
    if due_at is not None:
        return due_at
    if due_on is not None:
        return start_of_day(due_on + timedelta(days=1), tz)
    return None


def due_day(due_on: date | None, due_at: datetime | None, tz: ZoneInfo) -> date | None:
    """The local calendar day a task is due on."""
    if due_on is not None:
        return due_on
    return local_date(due_at, tz) if due_at is not None else None


def event_interval(event: Event, tz: ZoneInfo) -> Interval | None:
    """An event's span: UTC times as stored, or all-day dates read in `tz`.

    Google all-day events are floating dates: a holiday on the 12th is the
    12th wherever its owner is, so it is placed in the owner's timezone, not
    the calendar's. Returns None for an event without usable times.
    """
    if event.start_at is not None and event.end_at is not None:
        if event.end_at < event.start_at:
            return None
        return Interval(event.start_at, event.end_at)
    if event.start_date is not None:
        end = event.end_date or event.start_date + timedelta(days=1)
        return dates_interval(event.start_date, end, tz)
    return None


def is_all_day(event: Event) -> bool:
    return event.start_at is None and event.start_date is not None


def iso_week(day: date) -> str:
    """`2026-W10`, the ISO week label overload findings are keyed by."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_dates(monday: date) -> str:
    """`Mon 7 - Sun 13 Dec 2026` (with an en dash): the days of a week as people say them,
    since an ISO week number means nothing to most; month and year are written once
    unless they change within the week."""
    sunday = monday + timedelta(days=6)
    end = f"Sun {sunday.day} {sunday:%b %Y}"
    if monday.year != sunday.year:
        start = f"Mon {monday.day} {monday:%b %Y}"
    elif monday.month != sunday.month:
        start = f"Mon {monday.day} {monday:%b}"
    else:
        start = f"Mon {monday.day}"
    return f"{start} \N{EN DASH} {end}"


def week_monday(day: date) -> date:
    return day - timedelta(days=day.isoweekday() - 1)


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, disjoint intervals covering the same time; touching ones are joined."""
    merged: list[Interval] = []
    for interval in sorted(intervals):
        if merged and interval.start <= merged[-1].end:
            if interval.end > merged[-1].end:
                merged[-1] = Interval(merged[-1].start, interval.end)
        else:
            merged.append(interval)
    return merged


def covered(merged: Sequence[Interval], window: Interval) -> timedelta:
    """How much of `window` the sorted, disjoint `merged` intervals cover (bisect, no scan)."""
    starts = [m.start for m in merged]
    index = max(0, bisect.bisect_right(starts, window.start) - 1)
    total = NO_TIME
    for interval in merged[index:]:
        if interval.start >= window.end:
            break
        total += interval.overlap(window)
    return total


def sweep_overlaps(items: Sequence[T], span: Callable[[T], Interval]
                   ) -> Iterator[tuple[T, T, timedelta]]:
    """Every pair of items whose spans overlap, with the overlap, by a sorted sweep.

    Items are visited in start order while a list of still-running items is
    kept, so the cost is the number of items plus the number of overlapping
    pairs, never all pairs. Each pair is yielded once, earlier-starting first.
    """
    ordered = sorted(items, key=lambda item: (span(item).start, span(item).end))
    running: list[T] = []
    for item in ordered:
        current = span(item)
        running = [other for other in running if span(other).end > current.start]
        for other in running:
            shared = span(other).overlap(current)
            if shared > NO_TIME:
                yield other, item, shared
        running.append(item)
