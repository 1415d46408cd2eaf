"""JSON shapes of the Google Calendar replica, copied field by field from recorded samples.

Rules the samples teach, each applied here once:
- `dateTime` is printed in the *viewing calendar's* offset (or the `timeZone` query
  parameter's), while `start.timeZone` is the event's own zone: a 09:00 Los Angeles
  event on a São Paulo calendar reads `13:00:00-03:00` + `America/Los_Angeles`.
- Defaults are omitted, not sent: no `transparency` when opaque, no `visibility` when
  default, no `description`/`location` when empty, `self`/`organizer`/`optional` only
  when true.
- Deleted events and occurrences are stubs: `kind`, `etag`, `id`, `status` (+
  `recurringEventId`, `originalStartTime` for an occurrence).
- `htmlLink` is `eid=` base64url(`<id> <calendarId>`); a series links to its first
  instance. Etags are 2 x the update time in microseconds (as in every sample), plus the
  change number so a pinned test clock still gives each revision its own etag.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sandbox.google_calendar_state import (
    Calendar,
    EventRecord,
    ListEntry,
    When,
    instance_suffix,
    shift_by,
)

Json = dict[str, Any]


def rfc3339_millis(moment: datetime) -> str:
    """Google's `updated` format: UTC, milliseconds, `Z`."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def local_datetime(moment: datetime, zone: ZoneInfo) -> str:
    text = moment.astimezone(zone).isoformat(timespec="seconds")
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _micros(moment: datetime) -> int:
    return int(moment.timestamp()) * 1_000_000 + moment.microsecond


def event_etag(record: EventRecord) -> str:
    return f'"{_micros(record.updated_at) * 2 + record.change_seq}"'


def html_link(link_id: str, calendar_id: str) -> str:
    eid = base64.urlsafe_b64encode(f"{link_id} {calendar_id}".encode()).decode().rstrip("=")
    return f"https://www.google.com/calendar/event?eid={eid}"


def event_time(value: When, zone: ZoneInfo, time_zone: str | None) -> Json:
    if not isinstance(value, datetime):
        return {"date": value.isoformat()}
    body: Json = {"dateTime": local_datetime(value, zone)}
    if time_zone:
        body["timeZone"] = time_zone
    return body


def _person(email: str, viewer: str) -> Json:
    return {"email": email, "self": True} if email == viewer else {"email": email}


def _attendees(record: EventRecord, viewer: str) -> list[Json]:
    rendered = []
    for attendee in record.attendees:
        item: Json = {"email": attendee.email}
        if attendee.display_name:
            item["displayName"] = attendee.display_name
        if attendee.email == record.organizer:
            item["organizer"] = True
        if attendee.email == viewer:
            item["self"] = True
        if attendee.optional:
            item["optional"] = True
        item["responseStatus"] = attendee.response_status
        rendered.append(item)
    return rendered


def render_stub(record: EventRecord, zone: ZoneInfo, *, event_id: str | None = None,
                original: When | None = None, master: EventRecord | None = None) -> Json:
    """The cancelled stub of a deleted event, a deleted occurrence, or an event seen
    from a calendar it was removed from."""
    body: Json = {"kind": "calendar#event", "etag": event_etag(record),
                  "id": event_id or record.id, "status": "cancelled"}
    series = master if master is not None else record
    original = original if original is not None else record.original_start
    if original is not None:
        body["recurringEventId"] = record.recurring_event_id or series.id
        body["originalStartTime"] = event_time(original, zone, series.time_zone)
    return body


def render_event(record: EventRecord, calendar: Calendar, zone: ZoneInfo,
                 first_instance: When | None = None) -> Json:
    """A stored event (single, series master or modified occurrence) as `calendar`
    sees it; `first_instance` gives a series master its htmlLink target."""
    if record.deleted or not record.on_calendar(calendar.id):
        return render_stub(record, zone)
    link_id = record.id if first_instance is None else \
        f"{record.id}_{instance_suffix(first_instance)}"
    extra: Json = {}
    if record.recurrence:
        extra["recurrence"] = list(record.recurrence)
    if record.original_start is not None:
        extra["recurringEventId"] = record.recurring_event_id
        extra["originalStartTime"] = event_time(record.original_start, zone, record.time_zone)
    return _event_body(record, calendar, zone, record.id, link_id, record.start, record.end,
                       extra)


def render_instance(master: EventRecord, calendar: Calendar, zone: ZoneInfo,
                    original: When) -> Json:
    """An unmodified occurrence of `master` (what `singleEvents=true` lists)."""
    instance_id = f"{master.id}_{instance_suffix(original)}"
    if master.deleted or not master.on_calendar(calendar.id):
        return render_stub(master, zone, event_id=instance_id, original=original)
    end = shift_by(original, master.duration)
    extra = {"recurringEventId": master.id,
             "originalStartTime": event_time(original, zone, master.time_zone)}
    return _event_body(master, calendar, zone, instance_id, instance_id, original, end, extra)


def _event_body(record: EventRecord, calendar: Calendar, zone: ZoneInfo, event_id: str,
                link_id: str, start: When, end: When, extra: Json) -> Json:
    body: Json = {"kind": "calendar#event", "etag": event_etag(record), "id": event_id,
                  "status": record.status, "htmlLink": html_link(link_id, calendar.id),
                  "created": record.created_at.astimezone(UTC).strftime(
                      "%Y-%m-%dT%H:%M:%S.000Z"),
                  "updated": rfc3339_millis(record.updated_at), "summary": record.summary}
    if record.description:
        body["description"] = record.description
    if record.location:
        body["location"] = record.location
    body["creator"] = _person(record.organizer, calendar.id)
    body["organizer"] = _person(record.organizer, calendar.id)
    body["start"] = event_time(start, zone, record.time_zone)
    body["end"] = event_time(end, zone, record.time_zone)
    body.update(extra)
    if record.transparency != "opaque":
        body["transparency"] = record.transparency
    if record.visibility != "default":
        body["visibility"] = record.visibility
    body["iCalUID"] = f"{record.recurring_event_id or record.id}@google.com"
    body["sequence"] = record.sequence
    if record.attendees:
        body["attendees"] = _attendees(record, calendar.id)
    body["reminders"] = {"useDefault": True}
    body["eventType"] = record.event_type
    if record.type_properties is not None:
        body[f"{record.event_type}Properties"] = dict(record.type_properties)
    return body


def render_entry(entry: ListEntry, calendar: Calendar) -> Json:
    """A calendarList entry; deleted entries keep only id, etag and `deleted`."""
    head: Json = {"kind": "calendar#calendarListEntry",
                  "etag": f'"{_micros(entry.updated_at) + entry.change_seq}"',
                  "id": calendar.id}
    if entry.deleted:
        return head | {"defaultReminders": [], "deleted": True}
    body = head | {"summary": calendar.summary}
    if calendar.description:
        body["description"] = calendar.description
    body |= {"timeZone": calendar.time_zone, "colorId": calendar.color_id,
             "backgroundColor": calendar.background_color, "foregroundColor": "#000000"}
    body |= {"hidden": True} if entry.hidden else {"selected": True}
    body |= {"accessRole": entry.access_role, "defaultReminders": []}
    if entry.primary:
        body["notificationSettings"] = {"notifications": [
            {"type": "eventCreation", "method": "email"},
            {"type": "eventChange", "method": "email"}]}
        body["primary"] = True
    body["conferenceProperties"] = {"allowedConferenceSolutionTypes": ["hangoutsMeet"]}
    return body
