"""Replica responses have the structure of the recorded Calendar samples and the spec's names.

`conforms` walks a replica body against a sample: every key the replica sends must exist
in the sample with the same JSON type, recursively; list items are checked against the
union of the sample's items. `covers` checks the other direction. Keys no sample shows
(transparency, *Properties, hidden) are checked against the discovery schema instead.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from sandbox.google_calendar import Attendee, CalendarState, create_app
from sandbox.google_oauth import OAuthState
from sandbox.knobs import Clock, Knobs

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SAMPLES = FIXTURES / "api-samples" / "google" / "calendar"
SPEC = json.loads((FIXTURES / "api-specs" / "google" / "calendar.v3.json").read_text())
NOW = datetime(2026, 3, 12, 7, 26, 40, 173000, tzinfo=UTC)
ANA, BO = "ana@agency.example", "bo@agency.example"
READONLY = "https://www.googleapis.com/auth/calendar.readonly"
EVENTS = "/calendar/v3/calendars/primary/events"


def sample(name: str) -> Any:
    return json.loads((SAMPLES / name).read_text())


def spec_keys(schema: str) -> set[str]:
    return set(SPEC["schemas"][schema]["properties"])


def _kind(value: Any) -> str:
    return "number" if isinstance(value, int | float) and not isinstance(value, bool) \
        else type(value).__name__


def merged(samples: list[Any]) -> Any:
    """One shape for several sample values: dict keys unioned, list items merged."""
    dicts = [s for s in samples if isinstance(s, dict)]
    if dicts:
        keys = {k for d in dicts for k in d}
        return {k: merged([d[k] for d in dicts if k in d]) for k in keys}
    lists = [s for s in samples if isinstance(s, list)]
    if lists:
        return [merged([item for lst in lists for item in lst])] if any(lists) else []
    return samples[0] if samples else None


def conforms(replica: Any, shape: Any, path: str = "$") -> None:
    if isinstance(shape, dict):
        assert isinstance(replica, dict), f"{path}: expected an object"
        for key, value in replica.items():
            assert key in shape, f"{path}.{key}: the sample never shows this key"
            conforms(value, shape[key], f"{path}.{key}")
    elif isinstance(shape, list):
        assert isinstance(replica, list), f"{path}: expected a list"
        for index, item in enumerate(replica):
            if shape:
                conforms(item, merged(shape), f"{path}[{index}]")
    elif shape is not None:
        assert _kind(replica) == _kind(shape), f"{path}: {_kind(replica)} vs {_kind(shape)}"


def covers(replica: dict[str, Any], sample_body: dict[str, Any], optional: set[str]) -> None:
    missing = set(sample_body) - set(replica) - optional
    assert not missing, f"replica lacks {sorted(missing)}"


@pytest.fixture
def state() -> CalendarState:
    calendar = CalendarState(OAuthState(knobs=Knobs(clock=Clock(NOW))))
    calendar.add_calendar(ANA, time_zone="America/Sao_Paulo", summary="Ana Ruiz")
    calendar.add_calendar(BO, time_zone="Europe/Berlin")
    return calendar


@pytest.fixture
def client(state: CalendarState) -> TestClient:
    token = state.oauth.issue_access_token(ANA, [READONLY]).token
    return TestClient(create_app(state), headers={"Authorization": f"Bearer {token}"})


def timed(state: CalendarState, summary: str = "Review", day: int = 20, **kwargs: Any) -> Any:
    start = datetime(2026, 3, day, 17, tzinfo=UTC)
    return state.add_event(ANA, summary=summary, start=start, end=start + timedelta(hours=1),
                           **kwargs)


def test_event_get_matches_sample(client: TestClient, state: CalendarState) -> None:
    event = timed(state, description="Agenda in the doc", time_zone="America/Sao_Paulo")
    body = client.get(f"{EVENTS}/{event.id}").json()
    expected = sample("event_get.json")
    conforms(body, expected)
    covers(body, expected, optional=set())
    assert body["start"] == {"dateTime": "2026-03-20T14:00:00-03:00",
                             "timeZone": "America/Sao_Paulo"}
    assert body["iCalUID"] == f"{event.id}@google.com"
    eid = body["htmlLink"].split("eid=")[1]
    assert base64.urlsafe_b64decode(eid + "==").decode() == f"{event.id} {ANA}"
    assert len(body["etag"].strip('"')) == len(expected["etag"].strip('"'))


def test_all_day_event_matches_sample(client: TestClient, state: CalendarState) -> None:
    event = state.add_event(ANA, summary="Offsite", start=date(2026, 3, 15),
                            end=date(2026, 3, 16))
    body = client.get(f"{EVENTS}/{event.id}").json()
    expected = sample("event_insert_all_day.json")
    conforms(body, expected)
    covers(body, expected, optional=set())
    assert body["start"] == {"date": "2026-03-15"} and body["end"] == {"date": "2026-03-16"}


def test_recurring_master_prints_calendar_offset_with_event_zone(
        client: TestClient, state: CalendarState) -> None:
    master = state.add_event(ANA, summary="Standup", start=datetime(2026, 3, 20, 16, tzinfo=UTC),
                             end=datetime(2026, 3, 20, 17, tzinfo=UTC),
                             time_zone="America/Los_Angeles",
                             recurrence=["RRULE:FREQ=WEEKLY;BYDAY=MO,WE,FR"])
    body = client.get(f"{EVENTS}/{master.id}").json()
    expected = sample("event_insert_recurring_master.json")
    conforms(body, expected)
    covers(body, expected, optional=set())
    assert body["start"] == expected["start"] and body["end"] == expected["end"]
    eid = body["htmlLink"].split("eid=")[1]
    assert base64.urlsafe_b64decode(eid + "==").decode() == f"{master.id}_20260320T160000Z {ANA}"


def test_single_events_instances_match_sample(client: TestClient, state: CalendarState) -> None:
    master = state.add_event(ANA, summary="Weekly", start=datetime(2026, 3, 15, 13, tzinfo=UTC),
                             end=datetime(2026, 3, 15, 14, tzinfo=UTC),
                             time_zone="America/Sao_Paulo",
                             recurrence=["RRULE:FREQ=WEEKLY;COUNT=4"])
    body = client.get(EVENTS, params={"singleEvents": "true"}).json()
    expected = sample("event_instances_recurring.json")
    conforms(body, expected)
    assert [i["id"] for i in body["items"]] == [i["id"].replace(
        "qregmrsft1lsl6bi1p6m5vrgf4", master.id) for i in expected["items"]]
    for item, recorded in zip(body["items"], expected["items"], strict=True):
        covers(item, recorded, optional=set())
        assert item["start"] == recorded["start"]
        assert item["originalStartTime"] == recorded["originalStartTime"]
        assert item["etag"] == body["items"][0]["etag"]  # instances share the master's etag


def test_attendee_shapes_match_samples(client: TestClient, state: CalendarState) -> None:
    event = timed(state, attendees=[Attendee("new.attendee@example.com",
                                             display_name="New Attendee")])
    body = client.get(f"{EVENTS}/{event.id}").json()
    conforms(body, sample("event_patch_add_attendee.json"))
    assert body["attendees"] == sample("event_patch_add_attendee.json")["attendees"]


def test_cancelled_event_keeps_full_body_like_put_sample(client: TestClient,
                                                         state: CalendarState) -> None:
    event = timed(state, attendees=[Attendee("test.attendee@example.com", "accepted")])
    state.cancel_event(event.id)
    body = client.get(f"{EVENTS}/{event.id}").json()
    expected = sample("event_put_status_cancelled_full.json")
    conforms(body, expected)
    covers(body, expected, optional={"description"})
    assert body["status"] == "cancelled"


def test_empty_ordered_list_matches_sample_without_sync_token(client: TestClient) -> None:
    body = client.get(EVENTS, params={"maxResults": "250", "orderBy": "startTime",
                                      "singleEvents": "true",
                                      "timeMin": "2026-02-19T00:00:00Z"}).json()
    expected = sample("events_list_empty_no_token.json")
    assert set(body) == set(expected)
    conforms(body, expected)


def test_last_page_carries_next_sync_token_like_sample(client: TestClient,
                                                       state: CalendarState) -> None:
    timed(state, "Test Event 1", day=13)
    timed(state, "Test Event 2", day=14)
    body = client.get(EVENTS, params={"maxResults": "2500"}).json()
    expected = sample("events_list_nextSyncToken.json")
    assert set(body) == set(expected)
    conforms(body, expected)


def test_first_page_of_single_events_matches_sample(client: TestClient,
                                                    state: CalendarState) -> None:
    state.add_event(ANA, summary="Weekly", start=datetime(2026, 3, 16, 16, tzinfo=UTC),
                    end=datetime(2026, 3, 16, 17, tzinfo=UTC), time_zone="America/Los_Angeles",
                    recurrence=["RRULE:FREQ=WEEKLY;BYDAY=MO,WE,FR"])
    state.add_event(ANA, summary="Offsite", start=date(2026, 3, 18), end=date(2026, 3, 19))
    body = client.get(EVENTS, params={"maxResults": "250", "orderBy": "startTime",
                                      "singleEvents": "true",
                                      "timeMin": "2026-03-12T07:30:00.000Z"}).json()
    expected = sample("events_list_singleEvents_page1.json")
    assert set(body) == set(expected)
    conforms(body, expected)
    assert len(body["items"]) == 250


def test_empty_page_with_next_page_token_matches_sample(client: TestClient,
                                                        state: CalendarState) -> None:
    timed(state)
    state.knobs.truncate_next(1, path_contains="/events")
    body = client.get(EVENTS, params={"maxResults": "5"}).json()
    expected = sample("events_list_nextPageToken_empty_items.json")
    assert set(body) == set(expected) and body["items"] == []


def test_incremental_cancelled_occurrence_matches_sample(client: TestClient,
                                                         state: CalendarState) -> None:
    master = state.add_event(ANA, summary="Breakfast", start=datetime(2026, 3, 9, 11, tzinfo=UTC),
                             end=datetime(2026, 3, 9, 12, tzinfo=UTC),
                             time_zone="America/Sao_Paulo",
                             recurrence=["RRULE:FREQ=DAILY;UNTIL=20260401T025959Z"])
    token = client.get(EVENTS).json()["nextSyncToken"]
    state.knobs.clock.advance(timedelta(minutes=5))
    state.cancel_instance(master.id, datetime(2026, 3, 25, 11, tzinfo=UTC))
    body = client.get(EVENTS, params={"syncToken": token}).json()
    expected = sample("events_list_incremental_cancelled_instance.json")
    conforms(body, expected)
    master_item, stub = body["items"]
    assert set(master_item) == set(expected["items"][0])
    assert list(stub) == list(expected["items"][1])
    assert stub["id"] == f"{master.id}_20260325T110000Z"
    assert master_item["updated"] == body["updated"]


def test_incremental_deleted_event_is_a_bare_tombstone(client: TestClient,
                                                       state: CalendarState) -> None:
    event = timed(state)
    token = client.get(EVENTS).json()["nextSyncToken"]
    state.delete_event(event.id)
    body = client.get(EVENTS, params={"syncToken": token}).json()
    expected = sample("events_list_incremental_cancelled_tombstone.json")
    assert set(body) == set(expected)
    assert body["items"] == [{"kind": "calendar#event", "etag": body["items"][0]["etag"],
                              "id": event.id, "status": "cancelled"}]


def test_calendar_list_matches_sample(client: TestClient, state: CalendarState) -> None:
    state.share_calendar(BO, user=ANA)
    state.add_calendar("cy@agency.example", time_zone="UTC")
    state.share_calendar("cy@agency.example", user=ANA)
    state.delete_calendar_entry(ANA, "cy@agency.example")
    body = client.get("/calendar/v3/users/me/calendarList",
                      params={"maxResults": "250", "showDeleted": "true",
                              "showHidden": "true"}).json()
    expected = sample("calendarList_showDeleted_showHidden.json")
    assert set(body) == set(expected)
    conforms(body, expected)
    deleted = next(i for i in expected["items"] if i.get("deleted"))
    assert set(body["items"][-1]) == set(deleted)


def test_hidden_entry_keys_are_in_the_spec(client: TestClient, state: CalendarState) -> None:
    state.share_calendar(BO, user=ANA)
    state.hide_calendar_entry(ANA, BO)
    body = client.get("/calendar/v3/users/me/calendarList", params={"showHidden": "true"}).json()
    for entry in body["items"]:
        assert set(entry) <= spec_keys("CalendarListEntry")
    assert body["items"][1]["hidden"] is True and "selected" not in body["items"][1]


def test_calendar_list_primary_entry_matches_sample(client: TestClient) -> None:
    body = client.get("/calendar/v3/users/me/calendarList/primary").json()
    expected = sample("calendarList_get_primary.json")
    conforms(body, expected)
    covers(body, expected, optional={"summaryOverride"})


def test_special_event_types_use_spec_names(client: TestClient, state: CalendarState) -> None:
    timed(state, "Out of office", day=16, event_type="outOfOffice",
          type_properties={"autoDeclineMode": "declineAllConflictingInvitations",
                           "declineMessage": "Away"})
    timed(state, "Focus", day=17, event_type="focusTime")
    state.add_event(ANA, summary="Home", start=date(2026, 3, 18), end=date(2026, 3, 19),
                    event_type="workingLocation",
                    type_properties={"type": "homeOffice", "homeOffice": {}})
    timed(state, "Lunch", day=19, transparency="transparent",
          attendees=[Attendee(ANA, "accepted"), Attendee(BO, "tentative", optional=True)])
    items = client.get(EVENTS).json()["items"]
    allowed_types = set(SPEC["resources"]["events"]["methods"]["list"]["parameters"]
                        ["eventTypes"]["enum"])
    for item in items:
        assert set(item) <= spec_keys("Event")
        assert item["eventType"] in allowed_types
        prop = f"{item['eventType']}Properties"
        if item["eventType"] != "default":
            assert set(item[prop]) <= set(SPEC["schemas"][SPEC["schemas"]["Event"]["properties"]
                                                          [prop]["$ref"]]["properties"])
    ooo, focus, home, lunch = items
    assert "transparency" not in ooo and "transparency" not in focus
    assert home["transparency"] == "transparent" and home["visibility"] == "public"
    assert lunch["transparency"] == "transparent"
    assert lunch["attendees"] == [
        {"email": ANA, "organizer": True, "self": True, "responseStatus": "accepted"},
        {"email": BO, "optional": True, "responseStatus": "tentative"}]
    assert set(lunch["attendees"][0]) <= spec_keys("EventAttendee")


@pytest.mark.parametrize(("name", "params"), [
    ("error_400_timeRangeEmpty.documented.json",
     {"timeMin": "2026-03-02T00:00:00Z", "timeMax": "2026-03-01T00:00:00Z"}),
])
def test_documented_error_bodies(client: TestClient, name: str, params: dict[str, str]) -> None:
    response = client.get(EVENTS, params=params)
    expected = sample(name)["error"]
    error = response.json()["error"]
    assert response.status_code == expected["code"]
    assert error["errors"] == expected["errors"] and error["message"] == expected["message"]
    # google_common adds the newer `status` field, which recorded Google errors carry.
    assert set(error) == set(expected) | {"status"}


def test_401_matches_documented_body(state: CalendarState) -> None:
    response = TestClient(create_app(state)).get(EVENTS)
    expected = sample("error_401_authError.documented.json")["error"]
    error = response.json()["error"]
    assert response.status_code == 401 and error["errors"] == expected["errors"]
    assert error["message"] == expected["message"]
