"""Which events an `events.list` call returns, in which order: the Calendar query semantics.

Facts reproduced (discovery doc `calendar.v3.json` unless a sample is named):
- `timeMin` bounds an event's *end* (exclusive), `timeMax` its *start* (exclusive).
- `singleEvents=true` expands series into instances within the window and never returns
  the series itself; without it, series masters and modified occurrences come back as
  stored, and cancelled occurrences are listed even without `showDeleted`.
- Cancelled events appear only with `showDeleted`, `updatedMin` (deleted since then are
  always included) or `syncToken` (an incremental list always includes them).
- `orderBy=startTime` needs `singleEvents`; the default order is "unspecified, stable":
  here, creation order.
Series without an end are expanded up to `EXPANSION_HORIZON` after the window start (or
now); Google does not document its own limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sandbox.google_calendar_state import (
    CalendarState,
    EventRecord,
    When,
    instance_suffix,
    occurrences,
    shift_by,
)

EXPANSION_HORIZON = timedelta(days=730)


@dataclass(frozen=True)
class EventQuery:
    single_events: bool = False
    show_deleted: bool = False
    order_by: str | None = None
    time_min: datetime | None = None
    time_max: datetime | None = None
    updated_min: datetime | None = None
    since_seq: int | None = None  # from a sync token: changes after this number only
    event_types: frozenset[str] | None = None
    ical_uid: str | None = None


@dataclass(frozen=True)
class Row:
    """One listed item: a stored event, or occurrence `original` of series `record`."""

    record: EventRecord
    original: When | None = None


def instant(value: When, zone: ZoneInfo) -> datetime:
    """All-day dates become midnight in the calendar's zone for window comparisons."""
    return value if isinstance(value, datetime) else datetime.combine(value, time(), zone)


def list_rows(state: CalendarState, calendar_id: str, query: EventQuery) -> list[Row]:
    zone = state.calendars[calendar_id].zone
    now = state.knobs.clock.now()
    rows: list[Row] = []
    for record in state.events.values():
        if not record.touches(calendar_id):
            continue
        if query.since_seq is not None and record.change_seq <= query.since_seq:
            continue
        if not _passes_filters(record, query):
            continue
        if record.recurrence and query.single_events:
            rows.extend(_instances(state, record, calendar_id, query, zone, now))
        elif _listed(state, record, calendar_id, query, zone, now):
            rows.append(Row(record))
    return _ordered(rows, query, zone, list(state.events))


def _passes_filters(record: EventRecord, query: EventQuery) -> bool:
    if query.updated_min is not None and record.updated_at < query.updated_min:
        return False
    if query.event_types is not None and record.event_type not in query.event_types:
        return False
    uid = f"{record.recurring_event_id or record.id}@google.com"
    return query.ical_uid is None or uid == query.ical_uid


def _cancelled_here(record: EventRecord, calendar_id: str) -> bool:
    return record.status == "cancelled" or not record.on_calendar(calendar_id)


def _shows_cancelled(query: EventQuery) -> bool:
    return query.show_deleted or query.since_seq is not None or query.updated_min is not None


def _listed(state: CalendarState, record: EventRecord, calendar_id: str, query: EventQuery,
            zone: ZoneInfo, now: datetime) -> bool:
    """Whether a stored event (single, master, or occurrence exception) is listed."""
    master = state.events.get(record.recurring_event_id or "")
    if master is not None and query.since_seq is None and _cancelled_here(master, calendar_id):
        return False  # a deleted series takes its occurrences with it
    # Cancelled occurrences of a live series are listed even without showDeleted
    # (unless singleEvents): the discovery doc's showDeleted description says so.
    quirk = master is not None and not query.single_events
    if _cancelled_here(record, calendar_id) and not _shows_cancelled(query) and not quirk:
        return False
    if query.since_seq is not None:
        return True
    if record.recurrence:
        return bool(_series_starts(record, query, zone, now))
    start = record.original_start if record.deleted and record.original_start else record.start
    return _overlaps(instant(start, zone), instant(shift_by(start, record.duration), zone),
                     query)


def _overlaps(start: datetime, end: datetime, query: EventQuery) -> bool:
    return (query.time_min is None or end > query.time_min) and (
        query.time_max is None or start < query.time_max)


def _series_starts(master: EventRecord, query: EventQuery, zone: ZoneInfo,
                   now: datetime) -> list[When]:
    """Original starts of `master`'s occurrences that overlap the query window."""
    first = instant(master.start, zone)
    after = first if query.time_min is None else max(first, query.time_min - master.duration)
    anchor = query.time_min or now
    before = query.time_max or max(anchor, first) + EXPANSION_HORIZON
    return [o for o in occurrences(master, after, before, zone)
            if _overlaps(instant(o, zone), instant(shift_by(o, master.duration), zone), query)]


def _instances(state: CalendarState, master: EventRecord, calendar_id: str,
               query: EventQuery, zone: ZoneInfo, now: datetime) -> list[Row]:
    """Unmodified occurrences (modified ones are stored exceptions, listed on their own).

    A deleted series lists nothing in a full sync; in an incremental one its occurrences
    come back as cancelled stubs, the only way a `singleEvents` client can learn of it.
    """
    if _cancelled_here(master, calendar_id) and query.since_seq is None:
        return []
    return [Row(master, original) for original in _series_starts(master, query, zone, now)
            if f"{master.id}_{instance_suffix(original)}" not in state.events]


def _ordered(rows: list[Row], query: EventQuery, zone: ZoneInfo,
             creation_order: list[str]) -> list[Row]:
    position = {event_id: index for index, event_id in enumerate(creation_order)}

    def start_of(row: Row) -> datetime:
        value = row.original if row.original is not None else row.record.start
        return instant(value, zone)

    if query.order_by == "startTime":
        return sorted(rows, key=lambda r: (start_of(r), position[r.record.id]))
    if query.order_by == "updated":
        return sorted(rows, key=lambda r: (r.record.updated_at, position[r.record.id]))
    return sorted(rows, key=lambda r: (position[r.record.id], start_of(r)))
