"""Google payloads → unified model: pure functions raising `RecordInvalid`.

Facts the samples teach (tests/fixtures/api-samples/google/calendar):
- `dateTime` carries the *calendar's* offset (`13:00-03:00` for a Los Angeles event on a
  São Paulo calendar); only the instant matters, so it is converted to UTC and the
  event's own zone is kept in `timezone`.
- All-day events carry `date` with an exclusive end; they stay dates.
- Defaults are omitted: no `transparency` means opaque (busy), no `eventType` means a
  plain event, no `self`/`organizer`/`optional` means false.
- A deleted event, or an occurrence cancelled out of a series, is a stub: `id`,
  `status: cancelled` (+ `recurringEventId`, `originalStartTime`). It maps to a cancelled
  Event with nothing else known; sync keeps a stored event's details and attendees and
  only sets its state (`Batch.stubs`).
- Google Tasks `due` is a date written as midnight UTC; the time part means nothing, so
  the date is read from the string and never shifted through a timezone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from connectors.batch import Attendance
from connectors.errors import RecordInvalid
from model import Contact, Event, EventKind, Identity, Project, RecordState, ResponseStatus, Task

EVENT_KINDS = {"default": EventKind.meeting, "outOfOffice": EventKind.out_of_office,
               "focusTime": EventKind.focus, "workingLocation": EventKind.working_location}
EVENT_STATUSES = frozenset({"confirmed", "tentative", "cancelled"})
TITLE_MAX = 1024
CONTACTS_WEB = "https://contacts.google.com/person/"


@dataclass(frozen=True)
class EventContext:
    """Where an event was listed: the same Google event sits on every attendee's
    calendar, so the calendar is part of its identity."""

    source: str
    calendar_id: str
    calendar_timezone: str | None = None


@dataclass(frozen=True)
class TaskContext:
    source: str
    tasklist_id: str


def _required(raw: dict[str, Any], key: str) -> str:
    if not isinstance(raw, dict):
        raise RecordInvalid(f"not a JSON object: {type(raw).__name__}")
    value = raw.get(key)
    if not isinstance(value, str) or not value:
        raise RecordInvalid(f"missing {key!r}")
    return value


def _object(raw: dict[str, Any], key: str) -> dict[str, Any]:
    value = raw.get(key) or {}
    if not isinstance(value, dict):
        raise RecordInvalid(f"{key}: not an object")
    return value


def parse_instant(value: object, field: str) -> datetime | None:
    """An RFC 3339 timestamp (offset or `Z` required) as aware UTC; None if absent."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        raise RecordInvalid(f"{field}: not an RFC 3339 timestamp: {str(value)[:40]!r}") from None
    if parsed.tzinfo is None:
        raise RecordInvalid(f"{field}: timestamp without offset: {value!r}")
    return parsed.astimezone(UTC)


def parse_date(value: object, field: str) -> date:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise RecordInvalid(f"{field}: not a date: {str(value)[:40]!r}") from None


def _clip(text: str | None, limit: int) -> str:
    return (text or "")[:limit]


# -- calendars ---------------------------------------------------------------------------

def map_calendar_identity(calendar_id: str, entry: dict[str, Any] | None,
                          source: str) -> Identity:
    """A configured calendar as the identity of its owner: a primary calendar's id is
    its owner's email, which is what identity resolution matches on."""
    entry = entry or {}
    name = entry.get("summaryOverride") or entry.get("summary")
    return Identity(source=source, external_id=calendar_id, email=calendar_id,
                    display_name=name if name and name != calendar_id else None,
                    active=not entry.get("deleted", False), raw=entry)


# -- events ------------------------------------------------------------------------------

def _when(value: object, field: str) -> tuple[datetime | None, date | None, str | None]:
    """(instant, date, timeZone) of a start/end/originalStartTime object."""
    if value is None:
        return None, None, None
    if not isinstance(value, dict):
        raise RecordInvalid(f"{field}: not an object")
    zone = value.get("timeZone")
    if "dateTime" in value:
        return parse_instant(value["dateTime"], f"{field}.dateTime"), None, zone
    if "date" in value:
        return None, parse_date(value["date"], f"{field}.date"), zone
    raise RecordInvalid(f"{field}: neither dateTime nor date")


def map_event(raw: dict[str, Any], ctx: EventContext) -> Event:
    """A calendar event as seen on `ctx.calendar_id` (stubs included, see module doc)."""
    event_id = _required(raw, "id")
    status = raw.get("status", "confirmed")
    if status not in EVENT_STATUSES:
        raise RecordInvalid(f"unknown status {status!r}")
    start_at, start_date, zone = _when(raw.get("start"), "start")
    end_at, end_date, _ = _when(raw.get("end"), "end")
    if status != "cancelled" and start_at is None and start_date is None:
        raise RecordInvalid("a live event without start")
    if (start_at is None) != (end_at is None) or (start_date is None) != (end_date is None):
        raise RecordInvalid("start and end must both be dateTime or both be date")
    original_at, _, _ = _when(raw.get("originalStartTime"), "originalStartTime")
    organizer = _object(raw, "organizer")
    return Event(
        source=ctx.source, external_id=f"{ctx.calendar_id}/{event_id}",
        url=raw.get("htmlLink"), raw=raw,
        remote_updated_at=parse_instant(raw.get("updated"), "updated"),
        state=RecordState.cancelled if status == "cancelled" else RecordState.active,
        calendar_id=ctx.calendar_id, title=_clip(raw.get("summary"), TITLE_MAX),
        description=raw.get("description"), start_at=start_at, end_at=end_at,
        start_date=start_date, end_date=end_date, timezone=zone or ctx.calendar_timezone,
        kind=EVENT_KINDS.get(raw.get("eventType", "default"), EventKind.other),
        busy=raw.get("transparency", "opaque") != "transparent", status=status,
        recurring_event_id=raw.get("recurringEventId"), original_start_at=original_at,
        ical_uid=raw.get("iCalUID"), organizer_email=organizer.get("email"),
        owner_external_id=ctx.calendar_id)


def is_stub(raw: dict[str, Any]) -> bool:
    """A cancelled event that came without its body: only its state is known."""
    return raw.get("status") == "cancelled" and "start" not in raw


def map_attendees(raw: dict[str, Any]) -> list[Attendance] | None:
    """The full attendee set, or None for a stub (nothing is known, keep what is stored).
    Attendees without an email (rare room resources) cannot be matched and are skipped."""
    if is_stub(raw):
        return None
    attendees = []
    for item in raw.get("attendees") or []:
        if not isinstance(item, dict) or not item.get("email"):
            continue
        try:
            response = ResponseStatus(item.get("responseStatus", "needsAction"))
        except ValueError:
            raise RecordInvalid(f"attendee responseStatus "
                                f"{item.get('responseStatus')!r} unknown") from None
        attendees.append(Attendance(
            email=item["email"], response=response, display_name=item.get("displayName"),
            is_organizer=bool(item.get("organizer")), is_self=bool(item.get("self")),
            is_optional=bool(item.get("optional"))))
    return attendees


# -- contacts ----------------------------------------------------------------------------

def _primary(values: object) -> dict[str, Any]:
    """The field value flagged primary, else the first (People lists them in order)."""
    items = [v for v in values if isinstance(v, dict)] if isinstance(values, list) else []
    return next((v for v in items if (v.get("metadata") or {}).get("primary")),
                items[0] if items else {})


def is_deleted_person(raw: dict[str, Any]) -> bool:
    return bool(_object(raw, "metadata").get("deleted")) if isinstance(raw, dict) else False


def map_contact(raw: dict[str, Any], source: str) -> Contact:
    """A People connection; `updateTime` of its newest source is the remote change time."""
    resource_name = _required(raw, "resourceName")
    sources = _object(raw, "metadata").get("sources") or []
    updated = [parse_instant(s["updateTime"], "metadata.sources.updateTime")
               for s in sources if isinstance(s, dict) and s.get("updateTime")]
    return Contact(
        source=source, external_id=resource_name,
        url=CONTACTS_WEB + resource_name.removeprefix("people/"), raw=raw,
        remote_updated_at=max((u for u in updated if u), default=None),
        name=_clip(_primary(raw.get("names")).get("displayName"), 512),
        email=_primary(raw.get("emailAddresses")).get("value"))


# -- tasks -------------------------------------------------------------------------------

def map_task_list(raw: dict[str, Any], source: str) -> Project:
    """A task list is the Google Tasks counterpart of a project. It has no documented web
    link (`selfLink` is the API URL), so `url` stays empty rather than guessed."""
    list_id = _required(raw, "id")
    return Project(source=source, external_id=list_id, raw=raw, url=None,
                   remote_updated_at=parse_instant(raw.get("updated"), "updated"),
                   name=_clip(raw.get("title"), 512))


def map_task(raw: dict[str, Any], ctx: TaskContext) -> Task:
    """A live Google task (deleted ones become tombstones before reaching here)."""
    task_id = _required(raw, "id")
    completed = raw.get("status") == "completed"
    return Task(
        source=ctx.source, external_id=task_id, url=raw.get("webViewLink"), raw=raw,
        remote_updated_at=parse_instant(raw.get("updated"), "updated"),
        state=RecordState.completed if completed else RecordState.active,
        title=_clip(raw.get("title"), TITLE_MAX), description=raw.get("notes"),
        project_external_id=ctx.tasklist_id, parent_external_id=raw.get("parent"),
        due_on=parse_date(raw["due"], "due") if raw.get("due") else None,
        completed_at=parse_instant(raw.get("completed"), "completed") if completed else None)
