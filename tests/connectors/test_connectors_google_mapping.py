"""Google mapping on the recorded samples (tests/fixtures/api-samples/google/).

The samples are real responses: where a mapping and a sample disagree, the mapping is
wrong. Variants (other event types, a transparent event, a broken start) are derived
from a sample inside the test that needs them, and say how.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httplib2
import pytest
from googleapiclient.errors import HttpError

from connectors.batch import Attendance
from connectors.errors import CursorExpired, RecordInvalid, Retriable, SourceStopped
from connectors.google import api_endpoints
from connectors.google.client import sort_http_error
from connectors.google.events import events_batch
from connectors.google.mapping import (
    EventContext,
    TaskContext,
    map_attendees,
    map_calendar_identity,
    map_event,
    map_task,
    parse_date,
)
from model import EventKind, RecordState, ResponseStatus

SAMPLES = Path(__file__).parents[1] / "fixtures" / "api-samples" / "google"
CALENDAR = "api@nango.dev"
CTX = EventContext("google", CALENDAR, "America/Sao_Paulo")
EVENT_LISTS = sorted(p.name for p in (SAMPLES / "calendar").glob("event*_*.json")
                     if json.loads(p.read_text()).get("kind") == "calendar#events")
SINGLE_EVENTS = sorted(p.name for p in (SAMPLES / "calendar").glob("event_*.json")
                       if json.loads(p.read_text()).get("kind") == "calendar#event")


def sample(name: str) -> dict[str, Any]:
    return json.loads((SAMPLES / "calendar" / name).read_text())


def test_every_sample_kind_is_covered() -> None:
    assert len(EVENT_LISTS) == 7 and len(SINGLE_EVENTS) == 5


@pytest.mark.parametrize("name", EVENT_LISTS)
def test_every_events_list_sample_maps_without_quarantine(name: str) -> None:
    page = sample(name)
    batch = events_batch(page, EventContext("google", CALENDAR, page.get("timeZone")))
    assert batch.quarantined == []
    assert len(batch.records) + len(batch.stubs) == len(page["items"])
    for event in batch.records + batch.stubs:
        assert event.external_id.startswith(CALENDAR + "/") and event.raw
        for moment in (event.start_at, event.end_at, event.remote_updated_at,
                       event.original_start_at):
            assert moment is None or moment.utcoffset() == UTC.utcoffset(None)


@pytest.mark.parametrize("name", SINGLE_EVENTS)
def test_every_single_event_sample_maps(name: str) -> None:
    event = map_event(sample(name), CTX)
    assert event.url == sample(name)["htmlLink"] and event.calendar_id == CALENDAR


def test_empty_page_with_next_page_token_maps_to_an_empty_batch() -> None:
    page = sample("events_list_nextPageToken_empty_items.json")
    batch = events_batch(page, CTX)
    assert page["nextPageToken"] and batch.records == [] and batch.quarantined == []


def test_timed_event_is_utc_and_keeps_its_own_timezone() -> None:
    event = map_event(sample("event_get.json"), CTX)
    assert event.external_id == "api@nango.dev/jaj7p7vj5lo6aeo45ebh79tckk"
    assert event.start_at == datetime(2026, 3, 20, 17, tzinfo=UTC)
    assert event.end_at == datetime(2026, 3, 20, 18, tzinfo=UTC)
    assert event.start_date is None and event.timezone == "America/Sao_Paulo"
    assert event.title == "Get Event Test"
    assert event.description == "Test event for get-event action validation"
    assert event.remote_updated_at == datetime(2026, 3, 12, 7, 28, 12, 178000, tzinfo=UTC)
    assert event.organizer_email == "api@nango.dev" and event.owner_external_id == CALENDAR
    assert event.ical_uid == "jaj7p7vj5lo6aeo45ebh79tckk@google.com"
    assert event.kind is EventKind.meeting and event.state is RecordState.active


def test_offset_is_the_calendars_not_the_events_timezone() -> None:
    """The master's dateTime reads 13:00-03:00 (São Paulo calendar) for a Los Angeles
    event: the instant is 16:00 UTC whatever zone label it carries."""
    event = map_event(sample("event_insert_recurring_master.json"), CTX)
    assert event.start_at == datetime(2026, 3, 20, 16, tzinfo=UTC)
    assert event.timezone == "America/Los_Angeles"


def test_all_day_event_keeps_dates_with_exclusive_end() -> None:
    event = map_event(sample("event_insert_all_day.json"), CTX)
    assert (event.start_date, event.end_date) == (date(2026, 3, 15), date(2026, 3, 16))
    assert event.start_at is None and event.end_at is None
    assert event.timezone == "America/Sao_Paulo"  # the calendar's, for later conversion


def test_omitted_transparency_means_busy_and_transparent_means_free() -> None:
    raw = sample("event_get.json")
    assert "transparency" not in raw and map_event(raw, CTX).busy is True
    free = copy.deepcopy(raw) | {"transparency": "transparent"}  # derived: one key added
    assert map_event(free, CTX).busy is False


@pytest.mark.parametrize(("event_type", "kind"), [
    ("outOfOffice", EventKind.out_of_office), ("focusTime", EventKind.focus),
    ("workingLocation", EventKind.working_location), ("default", EventKind.meeting),
    ("birthday", EventKind.other), ("fromGmail", EventKind.other)])
def test_event_type_sets_kind(event_type: str, kind: EventKind) -> None:
    raw = sample("event_get.json") | {"eventType": event_type}  # derived: eventType replaced
    assert map_event(raw, CTX).kind is kind


def test_attendees_map_with_response_and_flags() -> None:
    raw = sample("event_patch_add_attendee.json")
    assert map_attendees(raw) == [Attendance("new.attendee@example.com",
                                             ResponseStatus.needs_action, "New Attendee")]


def test_cancelled_full_event_keeps_its_body() -> None:
    raw = sample("event_put_status_cancelled_full.json")
    event = map_event(raw, CTX)
    assert event.state is RecordState.cancelled and event.status == "cancelled"
    assert event.title == "Test Event for Attendee Response"
    assert event.start_at == datetime(2026, 3, 15, 10, tzinfo=UTC)
    assert map_attendees(raw) == [Attendance("test.attendee@example.com",
                                             ResponseStatus.accepted)]


def test_cancelled_stub_is_a_cancelled_event_that_leaves_attendees_alone() -> None:
    page = sample("events_list_incremental_cancelled_tombstone.json")
    batch = events_batch(page, EventContext("google", "test.user@gmail.com"))
    [event] = batch.stubs
    assert batch.records == []
    assert event.external_id == "test.user@gmail.com/6pbua6vjeic3e73gvponeo1qp6"
    assert event.state is RecordState.cancelled and event.title == ""
    assert event.start_at is None and event.start_date is None
    assert batch.attendees == {}


def test_cancelled_occurrence_stub_names_its_series_and_original_start() -> None:
    page = sample("events_list_incremental_cancelled_instance.json")
    batch = events_batch(page, EventContext("google", "test.user@gmail.com",
                                            page["timeZone"]))
    [master], [stub] = batch.records, batch.stubs
    assert master.state is RecordState.active and master.raw["recurrence"]
    assert stub.state is RecordState.cancelled
    assert stub.recurring_event_id == "5hni4sj3ql1669otmjg7sn1mok"
    assert stub.original_start_at == datetime(2025, 3, 25, 13, tzinfo=UTC)
    assert list(batch.attendees) == [master.external_id]


def test_expanded_instances_carry_series_and_original_start() -> None:
    page = sample("events_list_singleEvents_page1.json")
    batch = events_batch(page, CTX)
    instances = [e for e in batch.records if e.recurring_event_id]
    assert len(instances) == 239
    assert all(e.original_start_at is not None for e in instances)
    first = next(e for e in instances if e.raw["id"].endswith("_20270224T170000Z"))
    assert first.original_start_at == first.start_at == datetime(2027, 2, 24, 17, tzinfo=UTC)


def test_same_google_event_on_two_calendars_is_two_records() -> None:
    raw = sample("event_get.json")
    ids = {map_event(raw, EventContext("google", c)).external_id
           for c in ("ana@x.example", "bo@x.example")}
    assert len(ids) == 2


def test_unparseable_start_is_quarantined_and_the_rest_of_the_page_maps() -> None:
    page = sample("events_list_nextSyncToken.json")
    page["items"][0]["start"] = {"dateTime": "not-a-date"}  # derived: as the sandbox breaks it
    batch = events_batch(page, CTX)
    assert [q.record_key for q in batch.quarantined] == [f"{CALENDAR}/ej8u9dfl8a44kfl7rif62oplhc"]
    assert "start.dateTime" in batch.quarantined[0].error
    assert [e.title for e in batch.records] == ["Test Event 2"]


def test_live_event_without_start_is_invalid() -> None:
    raw = {k: v for k, v in sample("event_get.json").items() if k != "start"}  # derived
    with pytest.raises(RecordInvalid, match="without start"):
        map_event(raw, CTX)


def test_task_due_takes_the_date_from_the_string_never_converting_zones() -> None:
    assert parse_date("2026-03-20T00:00:00.000Z", "due") == date(2026, 3, 20)
    # A due written with a western offset would move a day if converted to UTC; it must not.
    assert parse_date("2026-03-20T23:00:00.000-05:00", "due") == date(2026, 3, 20)


def test_task_without_id_is_invalid() -> None:
    with pytest.raises(RecordInvalid, match="'id'"):
        map_task({"title": "x", "status": "needsAction"}, TaskContext("google", "list"))


def http_error(status: int, body: bytes, headers: dict[str, str] | None = None) -> HttpError:
    """An SDK error built from a recorded body, as googleapiclient builds it."""
    return HttpError(httplib2.Response({"status": status, **(headers or {})}), body,
                     uri="https://www.googleapis.com/calendar/v3/calendars/x/events")


@pytest.mark.parametrize(("name", "status", "kind"), [
    ("calendar/error_401_authError.documented.json", 401, SourceStopped),
    ("calendar/error_403_userRateLimitExceeded.documented.json", 403, Retriable),
    ("calendar/error_400_timeRangeEmpty.documented.json", 400, SourceStopped),
    ("tasks/error_403_accessNotConfigured.json", 403, SourceStopped)])
def test_recorded_error_bodies_are_sorted(name: str, status: int, kind: type) -> None:
    error = sort_http_error(http_error(status, (SAMPLES / name).read_bytes()), "GET /x")
    assert type(error) is kind
    assert "Invalid Credentials" not in str(error)  # status and reason, never the body text


def test_access_not_configured_says_to_enable_the_api() -> None:
    body = (SAMPLES / "tasks/error_403_accessNotConfigured.json").read_bytes()
    error = sort_http_error(http_error(403, body), "GET /x")
    assert isinstance(error, SourceStopped) and "enable this API" in error.action


def test_410_is_cursor_expired_even_when_the_body_is_not_json() -> None:
    """The guide's 410 block has a trailing comma (MANIFEST): key on the status."""
    body = b'{"error": {"errors": [{"reason": "fullSyncRequired", "location": "syncToken",}]}}'
    assert isinstance(sort_http_error(http_error(410, body), "GET /x"), CursorExpired)


def test_429_carries_retry_after() -> None:
    error = sort_http_error(http_error(429, b"{}", {"retry-after": "7"}), "GET /x")
    assert isinstance(error, Retriable) and error.retry_after_seconds == 7 and error.rejected


def test_people_expired_sync_token_is_cursor_expired() -> None:
    body = json.dumps({"error": {"code": 400, "status": "INVALID_ARGUMENT", "details": [
        {"@type": "type.googleapis.com/google.rpc.ErrorInfo",
         "reason": "EXPIRED_SYNC_TOKEN"}]}}).encode()
    assert isinstance(sort_http_error(http_error(400, body), "GET /x"), CursorExpired)


def test_api_endpoints_from_one_root() -> None:
    assert api_endpoints("http://127.0.0.1:9/") == {
        "calendar": "http://127.0.0.1:9/calendar/v3/", "people": "http://127.0.0.1:9/",
        "tasks": "http://127.0.0.1:9/"}
    assert api_endpoints("http://127.0.0.1:9")["calendar"] == "http://127.0.0.1:9/calendar/v3/"
    assert set(api_endpoints("https://www.googleapis.com/").values()) == {None}


# -- samples of issue 5: every calendar sample the connector consumes, field by field ------

UNSTORED = {"id", "synced_at", "raw"}  # database-side fields, not decided by the mapping
SERIES = "qregmrsft1lsl6bi1p6m5vrgf4"


def test_recurring_instances_map_field_by_field_to_utc_instants() -> None:
    """event_instances_recurring.json: the instances of a weekly 10:00 São Paulo series.
    Instance ids end in the UTC basic time of the original start (MANIFEST note), so
    10:00-03:00 must be 13:00 UTC; `timeZone` is kept as the event's own zone."""
    page = sample("event_instances_recurring.json")
    batch = events_batch(page, EventContext("google", CALENDAR, page["timeZone"]))
    assert batch.quarantined == [] and len(batch.records) == 4
    days = [date(2026, 3, 15), date(2026, 3, 22), date(2026, 3, 29), date(2026, 4, 5)]
    for event, raw, day in zip(batch.records, page["items"], days, strict=True):
        start = datetime(day.year, day.month, day.day, 13, tzinfo=UTC)
        instance_id = f"{SERIES}_{start:%Y%m%dT%H%M%SZ}"
        assert raw["id"] == instance_id  # the id names the original start in UTC
        assert event.model_dump(exclude=UNSTORED) == {
            "source": "google", "external_id": f"{CALENDAR}/{instance_id}",
            "url": raw["htmlLink"],
            "remote_updated_at": datetime(2026, 3, 12, 7, 26, 49, 146000, tzinfo=UTC),
            "state": RecordState.active, "deleted_at": None, "calendar_id": CALENDAR,
            "title": "Test Recurring Meeting", "description": None,
            "start_at": start, "end_at": start.replace(hour=14),
            "start_date": None, "end_date": None, "timezone": "America/Sao_Paulo",
            "kind": EventKind.meeting, "busy": True, "status": "confirmed",
            "recurring_event_id": SERIES, "original_start_at": start,
            "ical_uid": f"{SERIES}@google.com", "organizer_email": "api@nango.dev",
            "owner_external_id": CALENDAR, "owner_person_id": None,
            "contact_external_id": None, "account_external_id": None,
            "deal_external_id": None}
        assert event.raw is raw
    # Live instances without `attendees`: an empty set (not None, which means "a stub,
    # leave the stored attendees alone").
    assert batch.attendees == {e.external_id: [] for e in batch.records}


def test_recurring_instance_ids_are_unique_per_calendar() -> None:
    page = sample("event_instances_recurring.json")
    ids = [e.external_id for e in events_batch(page, CTX).records]
    assert len(set(ids)) == len(ids) == 4


def test_empty_events_page_without_any_token_is_an_empty_batch() -> None:
    """events_list_empty_no_token.json: `items: []`, neither nextPageToken nor
    nextSyncToken (it was an orderBy=startTime listing). No records, no crash."""
    page = sample("events_list_empty_no_token.json")
    assert page["items"] == [] and "nextPageToken" not in page and "nextSyncToken" not in page
    batch = events_batch(page, EventContext("google", CALENDAR, page["timeZone"]))
    assert batch.records == [] and batch.quarantined == [] and batch.attendees == {}
    assert batch.tombstones == [] and batch.stream == f"events:{CALENDAR}"


def test_primary_calendar_list_entry_maps_to_its_owners_identity() -> None:
    """calendarList_get_primary.json: a primary calendar's id is its owner's email."""
    entry = sample("calendarList_get_primary.json")
    identity = map_calendar_identity(CALENDAR, entry, "google")
    assert identity.model_dump(exclude={"first_seen_at", "last_seen_at", "raw"}) == {
        "id": None, "source": "google", "external_id": CALENDAR, "email": CALENDAR,
        "username": None, "display_name": "My Primary Calendar",  # summaryOverride wins
        "active": True, "person_id": None, "method": None, "confidence": 0.0,
        "suggested_person_id": None}
    assert identity.raw is entry


def calendar_entries() -> dict[str, dict[str, Any]]:
    """The id -> entry index `GoogleConnector._calendars` builds from a calendarList page."""
    page = sample("calendarList_showDeleted_showHidden.json")
    return {e["id"]: e for e in page.get("items") or [] if e.get("id")}


def test_calendar_list_with_deleted_and_hidden_entries_maps_configured_calendars() -> None:
    """calendarList_showDeleted_showHidden.json: 55 entries, 22 of them bare deleted
    stubs (kind, etag, id, defaultReminders, deleted). Every entry maps; a deleted one is
    an inactive identity without a name. (The connector lists with showHidden but not
    showDeleted, so Google leaves deleted entries out of its pages; the mapping still
    handles them.)"""
    entries = calendar_entries()
    assert len(entries) == 55
    identities = {i: map_calendar_identity(i, e, "google") for i, e in entries.items()}
    deleted = {i for i, e in entries.items() if e.get("deleted")}
    assert len(deleted) == 22
    assert {i for i, ident in identities.items() if not ident.active} == deleted
    assert all(identities[i].display_name is None for i in deleted)
    assert all(ident.external_id == ident.email == i for i, ident in identities.items())

    override = ("c_22a3b19086acaaae9d332f1c56ff4f95796be5ca21ce72c4124002b78407f2df"
                "@group.calendar.google.com")
    assert identities[override].display_name == "Updated via Nango Update Action"
    plain = ("c_687866a8b7a14d9dd3a9d5acc4b4a2fb51366153dc0cbb0b62b801a54f1ab734"
             "@group.calendar.google.com")
    assert identities[plain].display_name == "Updated Test Calendar from Nango"
    assert identities[plain].active is True
    holiday = identities["en.usa#holiday@group.v.calendar.google.com"]
    assert (holiday.active, holiday.display_name) == (False, None)
    assert identities[CALENDAR].display_name == "My Primary Calendar"


def test_configured_calendar_missing_from_the_list_still_gets_an_identity() -> None:
    identity = map_calendar_identity("bo@x.example", calendar_entries().get("bo@x.example"),
                                     "google")
    assert (identity.email, identity.display_name, identity.active, identity.raw) == (
        "bo@x.example", None, True, {})
