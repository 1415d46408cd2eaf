"""In-memory records of the Google Calendar replica and the plain Python API that mutates them.

One `EventRecord` per event id, shared by every calendar it appears on: Google keeps one
event (same `id`, same `iCalUID`) on the organizer's calendar and on each attendee's, and
only the per-viewer bits (`self`, offsets, htmlLink) differ. Every mutation takes the next
number of one global change counter; a sync token is "changes after number N on calendar
C", which is how Google's incremental lists behave from the client's side. Recurring
masters keep their RRULE; instances are computed on demand (`occurrences`) and only
modified or cancelled instances are stored, as exceptions keyed by the instance id
`<masterId>_<original start, UTC basic format>` (`_<YYYYMMDD>` for all-day series).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.rrule import rruleset, rrulestr

from sandbox.google_oauth import OAuthState
from sandbox.knobs import Knobs

EVENT_TYPES = frozenset({"default", "outOfOffice", "focusTime", "workingLocation"})
RESPONSE_STATUSES = frozenset({"needsAction", "declined", "tentative", "accepted"})
STATUSES = frozenset({"confirmed", "tentative", "cancelled"})
TYPE_PROPERTY_DEFAULTS: dict[str, dict[str, Any]] = {
    "outOfOffice": {"autoDeclineMode": "declineNone"},
    "focusTime": {"autoDeclineMode": "declineNone", "chatStatus": "available"},
}
UPDATABLE = frozenset({"summary", "description", "location", "start", "end", "time_zone",
                       "status", "transparency", "visibility", "attendees", "recurrence",
                       "type_properties"})
# Changes Google counts as a new iCalendar revision (`sequence` + 1).
RESCHEDULING = frozenset({"start", "end", "time_zone", "recurrence", "location"})

When = datetime | date  # aware datetime for timed events, date for all-day ones


def is_all_day(value: When) -> bool:
    return not isinstance(value, datetime)


def instance_suffix(original: When) -> str:
    if isinstance(original, datetime):
        return original.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return original.strftime("%Y%m%d")


@dataclass
class Attendee:
    email: str
    response_status: str = "needsAction"
    display_name: str | None = None
    optional: bool = False


@dataclass
class Calendar:
    id: str
    time_zone: str
    summary: str
    description: str
    color_id: str
    background_color: str
    created_at: datetime
    token_generation: int = 0

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


@dataclass
class ListEntry:
    """One row of a user's calendar list (hidden/deleted are per user, not per calendar)."""

    user: str
    calendar_id: str
    access_role: str
    primary: bool
    updated_at: datetime
    change_seq: int
    hidden: bool = False
    deleted: bool = False


@dataclass
class EventRecord:
    id: str
    organizer: str
    summary: str
    start: When
    end: When
    time_zone: str | None
    created_at: datetime
    updated_at: datetime
    change_seq: int
    description: str | None = None
    location: str | None = None
    status: str = "confirmed"
    event_type: str = "default"
    type_properties: dict[str, Any] | None = None
    transparency: str = "opaque"
    visibility: str = "default"
    attendees: list[Attendee] = field(default_factory=list)
    recurrence: list[str] = field(default_factory=list)
    recurring_event_id: str | None = None
    original_start: When | None = None
    sequence: int = 0
    deleted: bool = False
    removed_from: set[str] = field(default_factory=set)

    @property
    def all_day(self) -> bool:
        return is_all_day(self.start)

    @property
    def duration(self) -> timedelta:
        return self._as_datetime(self.end) - self._as_datetime(self.start)

    @staticmethod
    def _as_datetime(value: When) -> datetime:
        return value if isinstance(value, datetime) else datetime.combine(value, time())

    def on_calendar(self, calendar_id: str) -> bool:
        return calendar_id == self.organizer or any(
            a.email == calendar_id for a in self.attendees)

    def touches(self, calendar_id: str) -> bool:
        """On the calendar now, or removed from it (then it shows there as cancelled)."""
        return self.on_calendar(calendar_id) or calendar_id in self.removed_from


def occurrences(master: EventRecord, after: datetime, before: datetime,
                zone: ZoneInfo) -> list[When]:
    """Original starts of `master`'s instances that start in [after, before].

    Timed series expand in the event's own `timeZone` (9:00 Los Angeles stays 9:00
    there across DST, whatever offset the viewing calendar prints); all-day series
    expand on dates, compared in the viewing calendar's zone `zone`.
    """
    if isinstance(master.start, datetime):
        dtstart = master.start.astimezone(ZoneInfo(master.time_zone or "UTC"))
        found = _rules(master, dtstart).between(after, before, inc=True)
        return [o.astimezone(UTC) for o in found]
    dtstart = datetime.combine(master.start, time())
    naive_after = after.astimezone(zone).replace(tzinfo=None)
    naive_before = before.astimezone(zone).replace(tzinfo=None)
    return [o.date() for o in _rules(master, dtstart).between(naive_after, naive_before,
                                                                  inc=True)]


def _rules(master: EventRecord, dtstart: datetime) -> rruleset:
    rules = rrulestr("\n".join(master.recurrence), dtstart=dtstart, forceset=True)
    assert isinstance(rules, rruleset)
    return rules


class CalendarState:
    """Calendars, calendar-list entries and events, with the API tests and builders use."""

    def __init__(self, oauth: OAuthState, seed: str = "baton") -> None:
        self.oauth = oauth
        self.seed = seed
        self.calendars: dict[str, Calendar] = {}
        self.entries: dict[tuple[str, str], ListEntry] = {}
        self.events: dict[str, EventRecord] = {}  # insertion order = Google's "stable order"
        self.seq = 0
        self._ids = 0

    @property
    def knobs(self) -> Knobs:
        return self.oauth.knobs

    def _next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def _new_event_id(self) -> str:
        """26 base32hex characters, the alphabet and length of Google's event ids."""
        self._ids += 1
        digest = hashlib.sha1(f"{self.seed}:{self._ids}".encode()).digest()
        return base64.b32hexencode(digest).decode().lower()[:26]

    # -- calendars and calendar lists -------------------------------------------------

    def add_calendar(self, calendar_id: str, *, time_zone: str, summary: str | None = None,
                     description: str = "", color_id: str = "14",
                     background_color: str = "#9fe1e7") -> Calendar:
        """A user's primary calendar (id = the owner's email), on the owner's list."""
        ZoneInfo(time_zone)  # unknown zones fail here, not at render time
        calendar = Calendar(calendar_id, time_zone, summary or calendar_id, description,
                            color_id, background_color, self.knobs.clock.now())
        self.calendars[calendar_id] = calendar
        self._put_entry(calendar_id, calendar_id, "owner", primary=True)
        return calendar

    def share_calendar(self, calendar_id: str, *, user: str, access_role: str = "reader") -> None:
        """Put `calendar_id` on `user`'s calendar list (and let `user` read its events)."""
        self._put_entry(user, calendar_id, access_role, primary=False)

    def hide_calendar_entry(self, user: str, calendar_id: str, hidden: bool = True) -> None:
        self._touch_entry(self.entries[(user, calendar_id)], hidden=hidden)

    def delete_calendar_entry(self, user: str, calendar_id: str) -> None:
        self._touch_entry(self.entries[(user, calendar_id)], deleted=True)

    def _put_entry(self, user: str, calendar_id: str, role: str, *, primary: bool) -> None:
        if calendar_id not in self.calendars:
            raise KeyError(f"unknown calendar {calendar_id!r}")
        self.entries[(user, calendar_id)] = ListEntry(
            user, calendar_id, role, primary, self.knobs.clock.now(), self._next_seq())

    def _touch_entry(self, entry: ListEntry, **flags: bool) -> None:
        for name, value in flags.items():
            setattr(entry, name, value)
        entry.updated_at, entry.change_seq = self.knobs.clock.now(), self._next_seq()

    def can_read(self, user: str, calendar_id: str) -> bool:
        entry = self.entries.get((user, calendar_id))
        return calendar_id in self.calendars and (
            user == calendar_id or (entry is not None and not entry.deleted))

    def expire_sync_tokens(self, calendar_id: str) -> None:
        """Every sync token issued so far for this calendar now answers 410."""
        self.calendars[calendar_id].token_generation += 1

    # -- events -----------------------------------------------------------------------

    def add_event(self, calendar_id: str, *, summary: str, start: When, end: When,
                  time_zone: str | None = None, event_id: str | None = None,
                  description: str | None = None, location: str | None = None,
                  status: str = "confirmed", event_type: str = "default",
                  type_properties: dict[str, Any] | None = None,
                  transparency: str | None = None, visibility: str | None = None,
                  attendees: Iterable[Attendee] = (),
                  recurrence: Iterable[str] = ()) -> EventRecord:
        """Create an event organised by `calendar_id`'s owner.

        Timed events take aware datetimes; all-day events take dates with an exclusive
        end (a one-day event on the 15th ends on the 16th). A recurring timed event needs
        `time_zone`, as Google requires. Working-location events default to transparent +
        public, the values Google enforces for them.
        """
        if calendar_id not in self.calendars:
            raise KeyError(f"unknown calendar {calendar_id!r}")
        if event_type not in EVENT_TYPES:
            raise ValueError(f"event_type must be one of {sorted(EVENT_TYPES)}")
        if event_type == "workingLocation" and not type_properties:
            raise ValueError("a workingLocation event needs type_properties, e.g. "
                             "{'type': 'homeOffice', 'homeOffice': {}}")
        working = event_type == "workingLocation"
        now = self.knobs.clock.now()
        record = EventRecord(
            event_id or self._new_event_id(), calendar_id, summary, start, end, time_zone,
            now, now, self._next_seq(), description, location, status, event_type,
            type_properties or TYPE_PROPERTY_DEFAULTS.get(event_type),
            transparency or ("transparent" if working else "opaque"),
            visibility or ("public" if working else "default"),
            list(attendees), list(recurrence))
        self._validate(record)
        self.events[record.id] = record
        return record

    def _validate(self, record: EventRecord) -> None:
        if is_all_day(record.start) != is_all_day(record.end):
            raise ValueError("start and end must both be dates or both be datetimes")
        for value in (record.start, record.end):
            if isinstance(value, datetime) and value.tzinfo is None:
                raise ValueError("timed events take timezone-aware datetimes")
        if record.duration <= timedelta(0):
            raise ValueError("end must be after start")
        if record.recurrence and not record.all_day and not record.time_zone:
            raise ValueError("a recurring timed event needs time_zone")
        if record.status not in STATUSES:
            raise ValueError(f"status must be one of {sorted(STATUSES)}")
        if any(a.response_status not in RESPONSE_STATUSES for a in record.attendees):
            raise ValueError(f"responseStatus must be one of {sorted(RESPONSE_STATUSES)}")

    def update_event(self, event_id: str, **changes: Any) -> EventRecord:
        """Change fields of an event (names as in `add_event`, plus `attendees`).

        Dropping an attendee makes the event show up as cancelled on that attendee's
        calendar, as Google's incremental sync reports it there.
        """
        record = self.events[event_id]
        unknown = set(changes) - UPDATABLE
        if unknown:
            raise TypeError(f"cannot update {sorted(unknown)}; updatable: {sorted(UPDATABLE)}")
        before = {a.email for a in record.attendees}
        candidate = replace(record, **changes)
        self._validate(candidate)
        after = {a.email for a in candidate.attendees}
        candidate.removed_from = (record.removed_from | (before - after)) - after
        if RESCHEDULING & changes.keys():
            candidate.sequence += 1
        self._store_change(candidate)
        return candidate

    def _store_change(self, record: EventRecord) -> None:
        record.updated_at, record.change_seq = self.knobs.clock.now(), self._next_seq()
        self.events[record.id] = record

    def set_response(self, event_id: str, email: str, response_status: str) -> EventRecord:
        """An attendee answers; `updated` moves, `sequence` does not."""
        record = self.events[event_id]
        attendees = [replace(a, response_status=response_status) if a.email == email else a
                     for a in record.attendees]
        return self.update_event(event_id, attendees=attendees)

    def cancel_event(self, event_id: str) -> EventRecord:
        """Status `cancelled` with the full body kept (as a PUT with status=cancelled)."""
        return self.update_event(event_id, status="cancelled")

    def delete_event(self, event_id: str) -> EventRecord:
        """Deleted: lists that show it give only kind/etag/id/status (the tombstone)."""
        record = self.events[event_id]
        record.status, record.deleted = "cancelled", True
        self._store_change(record)
        return record

    def add_exception(self, master_id: str, original_start: When,
                      **changes: Any) -> EventRecord:
        """Modify one instance of a series; it is stored as its own event with
        `recurringEventId` + `originalStartTime` and the instance id."""
        master = self.events[master_id]
        zone = self.calendars[master.organizer].zone
        if not self._is_occurrence(master, original_start, zone):
            raise ValueError(f"{original_start!r} is not an instance of {master_id}")
        unknown = set(changes) - (UPDATABLE - {"recurrence"})
        if unknown:
            raise TypeError(f"cannot set {sorted(unknown)} on an exception")
        fields: dict[str, Any] = {
            "id": f"{master_id}_{instance_suffix(original_start)}", "recurrence": [],
            "recurring_event_id": master_id, "original_start": original_start,
            "start": original_start, "end": shift_by(original_start, master.duration),
            "attendees": list(master.attendees), "removed_from": set(master.removed_from)}
        exception = replace(master, **(fields | changes))
        self._validate(exception)
        self._store_change(exception)
        return exception

    def cancel_instance(self, master_id: str, original_start: When) -> EventRecord:
        """Delete one occurrence. Google then lists a cancelled stub (id, status,
        recurringEventId, originalStartTime) and re-sends the master with a new `updated`."""
        exception = self.add_exception(master_id, original_start, status="cancelled")
        exception.deleted = True
        self._store_change(self.events[master_id])
        return exception

    def _is_occurrence(self, master: EventRecord, original: When, zone: ZoneInfo) -> bool:
        if not master.recurrence or is_all_day(original) != master.all_day:
            return False
        instant = original if isinstance(original, datetime) else datetime.combine(
            original, time(), zone)
        return original in occurrences(master, instant, instant, zone)

    def instance_of(self, instance_id: str, zone: ZoneInfo) -> tuple[EventRecord, When] | None:
        """(master, original start) for an unmodified instance id like `abc_20260315T130000Z`."""
        master_id, _, suffix = instance_id.rpartition("_")
        master = self.events.get(master_id)
        if master is None or not master.recurrence:
            return None
        try:
            original: When = (datetime.strptime(suffix, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
                              if "T" in suffix else datetime.strptime(suffix, "%Y%m%d").date())
        except ValueError:
            return None
        return (master, original) if self._is_occurrence(master, original, zone) else None


def shift_by(start: When, duration: timedelta) -> When:
    """Move an instance's start by the series duration (whole days for all-day series)."""
    if isinstance(start, datetime):
        return start + duration
    return start + timedelta(days=duration.days)
