"""Query semantics, error bodies, fault knobs and the state API of the Calendar replica."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from sandbox.google_calendar import Attendee, CalendarState, create_app
from sandbox.google_calendar_state import EventRecord
from sandbox.google_oauth import OAuthState
from sandbox.knobs import Clock, Knobs

NOW = datetime(2026, 3, 12, 7, 0, tzinfo=UTC)
ANA, BO = "ana@agency.example", "bo@agency.example"
READONLY = "https://www.googleapis.com/auth/calendar.readonly"
EVENTS = "/calendar/v3/calendars/primary/events"
CAL_LIST = "/calendar/v3/users/me/calendarList"


@pytest.fixture
def state() -> CalendarState:
    calendar = CalendarState(OAuthState(knobs=Knobs(clock=Clock(NOW))))
    calendar.add_calendar(ANA, time_zone="Europe/Madrid")
    calendar.add_calendar(BO, time_zone="America/New_York")
    return calendar


@pytest.fixture
def client(state: CalendarState) -> TestClient:
    token = state.oauth.issue_access_token(ANA, [READONLY]).token
    return TestClient(create_app(state), headers={"Authorization": f"Bearer {token}"})


def meeting(state: CalendarState, hours_from_now: float, summary: str = "Meeting",
            **kwargs: Any) -> EventRecord:
    start = NOW + timedelta(hours=hours_from_now)
    return state.add_event(kwargs.pop("calendar", ANA), summary=summary, start=start,
                           end=start + timedelta(hours=1), **kwargs)


def daily(state: CalendarState, count: int) -> EventRecord:
    return state.add_event(ANA, summary="Daily", start=NOW + timedelta(hours=2),
                           end=NOW + timedelta(hours=3), time_zone="Europe/Madrid",
                           recurrence=[f"RRULE:FREQ=DAILY;COUNT={count}"])


def ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def first_error(response: Any) -> dict[str, Any]:
    return response.json()["error"]["errors"][0]


# -- windows, deletions, filters ----------------------------------------------------------

def test_time_min_bounds_end_and_time_max_bounds_start_exclusively(
        client: TestClient, state: CalendarState) -> None:
    early, late = meeting(state, 1), meeting(state, 5)
    window = {"timeMin": "2026-03-12T09:00:00Z", "timeMax": "2026-03-12T12:00:00Z"}
    assert ids(client.get(EVENTS, params=window)) == []
    assert ids(client.get(EVENTS, params=window | {"timeMin": "2026-03-12T08:59:59Z"})) == [
        early.id]
    assert ids(client.get(EVENTS, params=window | {"timeMax": "2026-03-12T12:00:01Z"})) == [
        late.id]


def test_cancelled_events_need_show_deleted(client: TestClient, state: CalendarState) -> None:
    cancelled, deleted = meeting(state, 1), meeting(state, 2)
    state.cancel_event(cancelled.id)
    state.delete_event(deleted.id)
    assert ids(client.get(EVENTS)) == []
    listed = client.get(EVENTS, params={"showDeleted": "true"}).json()["items"]
    assert [(i["id"], i["status"], "summary" in i) for i in listed] == [
        (cancelled.id, "cancelled", True), (deleted.id, "cancelled", False)]


def test_cancelled_occurrence_listed_without_show_deleted_unless_single_events(
        client: TestClient, state: CalendarState) -> None:
    master = daily(state, 3)
    stub = state.cancel_instance(master.id, master.start + timedelta(days=1))
    assert ids(client.get(EVENTS)) == [master.id, stub.id]
    assert len(ids(client.get(EVENTS, params={"singleEvents": "true"}))) == 2
    with_deleted = ids(client.get(EVENTS, params={"singleEvents": "true", "showDeleted": "true"}))
    assert stub.id in with_deleted and master.id not in with_deleted


def test_deleted_series_takes_its_occurrences(client: TestClient, state: CalendarState) -> None:
    master = daily(state, 3)
    state.add_exception(master.id, master.start + timedelta(days=1), summary="Moved")
    state.delete_event(master.id)
    assert ids(client.get(EVENTS)) == []
    assert ids(client.get(EVENTS, params={"singleEvents": "true"})) == []


def test_updated_min_includes_deletions_since(client: TestClient, state: CalendarState) -> None:
    old, gone = meeting(state, 1), meeting(state, 2)
    state.knobs.clock.advance(timedelta(minutes=30))
    fresh = meeting(state, 3)
    state.delete_event(gone.id)
    listed = ids(client.get(EVENTS, params={"updatedMin": "2026-03-12T07:15:00Z"}))
    assert listed == [gone.id, fresh.id] and old.id not in listed


def test_event_types_and_ical_uid_filters(client: TestClient, state: CalendarState) -> None:
    plain = meeting(state, 1)
    away = meeting(state, 2, event_type="outOfOffice")
    assert ids(client.get(EVENTS, params={"eventTypes": "outOfOffice"})) == [away.id]
    assert ids(client.get(EVENTS, params=[("eventTypes", "default"),
                                          ("eventTypes", "outOfOffice")])) == [plain.id, away.id]
    assert ids(client.get(EVENTS, params={"iCalUID": f"{plain.id}@google.com"})) == [plain.id]


def test_order_by_updated_and_time_zone_parameter(client: TestClient,
                                                  state: CalendarState) -> None:
    first, second = meeting(state, 1), meeting(state, 2)
    state.knobs.clock.advance(timedelta(minutes=1))
    state.update_event(first.id, summary="Renamed")
    assert ids(client.get(EVENTS, params={"orderBy": "updated"})) == [second.id, first.id]
    body = client.get(f"{EVENTS}/{first.id}", params={"timeZone": "Asia/Tokyo"}).json()
    assert body["start"]["dateTime"] == "2026-03-12T17:00:00+09:00"


def test_page_size_is_capped_at_2500(client: TestClient, state: CalendarState) -> None:
    daily(state, 2600)
    body = client.get(EVENTS, params={"singleEvents": "true", "maxResults": "9999",
                                      "timeMax": "2034-01-01T00:00:00Z"}).json()
    assert len(body["items"]) == 2500 and "nextPageToken" in body
    rest = client.get(EVENTS, params={"singleEvents": "true", "maxResults": "9999",
                                      "timeMax": "2034-01-01T00:00:00Z",
                                      "pageToken": body["nextPageToken"]}).json()
    assert len(rest["items"]) == 100 and "nextSyncToken" in rest


def test_default_page_size_is_250(client: TestClient, state: CalendarState) -> None:
    daily(state, 260)
    assert len(ids(client.get(EVENTS, params={"singleEvents": "true"}))) == 250


def test_open_ended_series_expands_to_the_horizon(client: TestClient,
                                                  state: CalendarState) -> None:
    state.add_event(ANA, summary="Weekly", start=NOW, end=NOW + timedelta(hours=1),
                    time_zone="UTC", recurrence=["RRULE:FREQ=WEEKLY"])
    body = client.get(EVENTS, params={"singleEvents": "true", "maxResults": "2500"}).json()
    assert len(body["items"]) == 105  # two years of weeks from now


# -- incremental sync ---------------------------------------------------------------------

def test_incremental_sync_sees_attendee_removal_as_cancellation(
        state: CalendarState) -> None:
    event = meeting(state, 1, attendees=[Attendee(BO, "accepted")])
    bo = TestClient(create_app(state), headers={
        "Authorization": "Bearer " + state.oauth.issue_access_token(BO, [READONLY]).token})
    token = bo.get(EVENTS).json()["nextSyncToken"]
    state.update_event(event.id, attendees=[])
    items = bo.get(EVENTS, params={"syncToken": token}).json()["items"]
    assert items == [{"kind": "calendar#event", "etag": items[0]["etag"], "id": event.id,
                      "status": "cancelled"}]


def test_sync_token_is_per_calendar_and_expires(client: TestClient,
                                                state: CalendarState) -> None:
    state.share_calendar(BO, user=ANA)
    ana_token = client.get(EVENTS).json()["nextSyncToken"]
    bo_events = f"/calendar/v3/calendars/{BO}/events"
    for token in (ana_token, "garbage", "c3luY3w="):
        response = client.get(bo_events, params={"syncToken": token})
        assert response.status_code == 410
        assert first_error(response) == {
            "message": "Sync token is no longer valid, a full sync is required.",
            "domain": "calendar", "reason": "fullSyncRequired", "locationType": "parameter",
            "location": "syncToken"}
    assert client.get(EVENTS, params={"syncToken": ana_token}).status_code == 200


def test_sync_token_over_http_admin_route(client: TestClient) -> None:
    token = client.get(EVENTS).json()["nextSyncToken"]
    assert client.post("/_sandbox/google/state", json={
        "op": "expire_sync_tokens", "args": {"calendar_id": ANA}}).json() == {"ok": True}
    assert client.get(EVENTS, params={"syncToken": token}).status_code == 410
    assert client.post("/_sandbox/google/state", json={"op": "drop_tables"}).status_code == 400


@pytest.mark.parametrize("clash", ["timeMin", "timeMax", "updatedMin"])
def test_sync_token_with_filters_is_400(client: TestClient, clash: str) -> None:
    token = client.get(EVENTS).json()["nextSyncToken"]
    response = client.get(EVENTS, params={"syncToken": token, clash: "2026-03-01T00:00:00Z"})
    assert response.status_code == 400
    assert first_error(response)["reason"] == "invalid"
    assert first_error(response)["location"] == clash


# -- request errors -----------------------------------------------------------------------

@pytest.mark.parametrize(("params", "location", "message"), [
    ({"orderBy": "startTime"}, "orderBy",
     "The requested ordering is not available for the particular query."),
    ({"orderBy": "random"}, "orderBy", "Invalid Value"),
    ({"maxResults": "0"}, "maxResults", "Invalid Value"),
    ({"maxResults": "ten"}, "maxResults", "Invalid Value"),
    ({"singleEvents": "yes"}, "singleEvents", "Invalid Value"),
    ({"pageToken": "not-a-token"}, "pageToken", "Invalid Value"),
])
def test_invalid_parameters_are_400_invalid(client: TestClient, params: dict[str, str],
                                            location: str, message: str) -> None:
    response = client.get(EVENTS, params=params)
    assert response.status_code == 400
    assert first_error(response) == {"message": message, "domain": "global", "reason": "invalid",
                                     "locationType": "parameter", "location": location}


def test_time_without_offset_is_bad_request(client: TestClient) -> None:
    response = client.get(EVENTS, params={"timeMin": "2026-03-12T00:00:00"})
    assert response.status_code == 400 and first_error(response)["reason"] == "badRequest"


def test_not_found_bodies(client: TestClient, state: CalendarState) -> None:
    state.add_calendar("cy@agency.example", time_zone="UTC")  # not shared with Ana
    for path in ("/calendar/v3/calendars/cy@agency.example/events",
                 "/calendar/v3/calendars/nobody@x.example/events", f"{EVENTS}/nope",
                 f"{CAL_LIST}/cy@agency.example"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.json()["error"]["errors"] == [
            {"message": "Not Found", "domain": "global", "reason": "notFound"}]


def test_unknown_route_is_googles_html_404(client: TestClient) -> None:
    response = client.get("/calendar/v3/users/me/settings/timezone")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "<code>/calendar/v3/users/me/settings/timezone</code>" in response.text


def test_get_returns_instances_and_deleted_events(client: TestClient,
                                                  state: CalendarState) -> None:
    master = daily(state, 3)
    instance_id = f"{master.id}_20260313T090000Z"
    body = client.get(f"{EVENTS}/{instance_id}").json()
    assert body["recurringEventId"] == master.id
    assert body["start"]["dateTime"] == "2026-03-13T10:00:00+01:00"
    assert client.get(f"{EVENTS}/{master.id}_20260313T090001Z").status_code == 404
    gone = meeting(state, 1)
    state.delete_event(gone.id)
    assert client.get(f"{EVENTS}/{gone.id}").json()["status"] == "cancelled"


# -- fault knobs --------------------------------------------------------------------------

def test_status_faults_use_google_envelope(client: TestClient, state: CalendarState) -> None:
    state.knobs.fail_next(1, status=429, retry_after_seconds=7, path_contains="/events")
    response = client.get(EVENTS)
    assert response.status_code == 429 and response.headers["retry-after"] == "7"
    assert first_error(response)["reason"] == "rateLimitExceeded"
    state.knobs.fail_next(1, status=503)
    assert client.get(CAL_LIST).status_code == 503
    assert client.get(EVENTS).status_code == 200


def test_malformed_knob_breaks_one_record_per_page(client: TestClient,
                                                   state: CalendarState) -> None:
    meeting(state, 1)
    meeting(state, 2)
    state.knobs.malform_next(1, path_contains="/events")
    items = client.get(EVENTS).json()["items"]
    assert items[0]["start"] == {"dateTime": "not-a-date"}
    assert "T" in items[1]["start"]["dateTime"]
    state.knobs.malform_next(1, path_contains="calendarList")
    assert "id" not in client.get(CAL_LIST).json()["items"][0]


def test_truncated_knob_on_calendar_list(client: TestClient, state: CalendarState) -> None:
    state.knobs.truncate_next(1, path_contains="calendarList")
    page = client.get(CAL_LIST).json()
    assert page["items"] == [] and "nextSyncToken" not in page
    rest = client.get(CAL_LIST, params={"pageToken": page["nextPageToken"]}).json()
    assert [i["id"] for i in rest["items"]] == [ANA] and "nextSyncToken" in rest


def test_requests_are_counted_by_route(client: TestClient, state: CalendarState) -> None:
    client.get(EVENTS)
    assert state.knobs.counters["GET /calendar/v3/calendars/{calendar_id}/events"] == 1


# -- calendar list ------------------------------------------------------------------------

def test_calendar_list_filters_and_incremental(client: TestClient, state: CalendarState) -> None:
    for name in ("cy", "di"):
        state.add_calendar(f"{name}@agency.example", time_zone="UTC")
    state.share_calendar("cy@agency.example", user=ANA, access_role="owner")
    state.share_calendar("di@agency.example", user=ANA)
    token = client.get(CAL_LIST).json()["nextSyncToken"]
    state.hide_calendar_entry(ANA, "cy@agency.example")
    state.delete_calendar_entry(ANA, "di@agency.example")
    assert ids(client.get(CAL_LIST)) == [ANA]
    assert ids(client.get(CAL_LIST, params={"showHidden": "true"})) == [
        ANA, "cy@agency.example"]
    assert ids(client.get(CAL_LIST, params={"syncToken": token})) == [
        "cy@agency.example", "di@agency.example"]
    assert ids(client.get(CAL_LIST, params={"minAccessRole": "owner", "showHidden": "true",
                                            "showDeleted": "true"})) == [ANA, "cy@agency.example"]
    clash = client.get(CAL_LIST, params={"syncToken": token, "minAccessRole": "reader"})
    assert clash.status_code == 400 and first_error(clash)["location"] == "minAccessRole"
    assert client.get(CAL_LIST, params={"syncToken": "x"}).status_code == 410


# -- state API ----------------------------------------------------------------------------

def test_sequence_moves_on_reschedule_not_on_response(state: CalendarState) -> None:
    event = meeting(state, 1, attendees=[Attendee(BO)])
    state.set_response(event.id, BO, "declined")
    assert state.events[event.id].sequence == 0
    assert state.events[event.id].attendees[0].response_status == "declined"
    state.update_event(event.id, start=event.start + timedelta(hours=1),
                       end=event.end + timedelta(hours=1))
    assert state.events[event.id].sequence == 1


@pytest.mark.parametrize(("kwargs", "error"), [
    ({"start": date(2026, 3, 1), "end": NOW}, ValueError),
    ({"start": NOW.replace(tzinfo=None), "end": NOW.replace(tzinfo=None)}, ValueError),
    ({"start": NOW, "end": NOW}, ValueError),
    ({"start": NOW, "end": NOW + timedelta(hours=1), "recurrence": ["RRULE:FREQ=DAILY"]},
     ValueError),
    ({"start": NOW, "end": NOW + timedelta(hours=1), "event_type": "birthdayParty"}, ValueError),
    ({"start": NOW, "end": NOW + timedelta(hours=1), "event_type": "workingLocation"},
     ValueError),
])
def test_add_event_rejects_what_google_would(state: CalendarState, kwargs: dict[str, Any],
                                             error: type[Exception]) -> None:
    with pytest.raises(error):
        state.add_event(ANA, summary="x", **kwargs)


def test_state_api_rejects_unknown_fields_and_non_occurrences(state: CalendarState) -> None:
    master = daily(state, 2)
    with pytest.raises(TypeError):
        state.update_event(master.id, colour="red")
    with pytest.raises(ValueError, match="not an instance"):
        state.add_exception(master.id, master.start + timedelta(hours=5))
