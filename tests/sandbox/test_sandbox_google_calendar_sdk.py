"""google-api-python-client against the running Calendar replica over real HTTP.

The client refreshes its token through the replica's `/token` (user OAuth and service
account), pages with `list_next`, and does a full then an incremental sync.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.auth.exceptions import RefreshError
from google.oauth2 import credentials as user_credentials
from google.oauth2 import service_account
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from sandbox.google_calendar import Attendee, CalendarState, create_app
from sandbox.google_oauth import OAuthState
from sandbox.knobs import Clock, Knobs
from sandbox.server import RunningServer, running

NOW = datetime(2026, 3, 12, 7, 0, tzinfo=UTC)
ANA, BO = "ana@agency.example", "bo@agency.example"
READONLY = "https://www.googleapis.com/auth/calendar.readonly"
CLIENT_ID, CLIENT_SECRET, REFRESH = "baton.apps.googleusercontent.com", "s3cret", "1//rt-ana"


@pytest.fixture
def state() -> CalendarState:
    oauth = OAuthState(knobs=Knobs(clock=Clock(NOW)))
    oauth.register_client(CLIENT_ID, CLIENT_SECRET)
    oauth.add_refresh_token(REFRESH, client_id=CLIENT_ID, user=ANA, scopes=[READONLY])
    calendar = CalendarState(oauth)
    calendar.add_calendar(ANA, time_zone="Europe/Madrid")
    calendar.add_calendar(BO, time_zone="America/New_York")
    return calendar


@pytest.fixture
def server(state: CalendarState) -> Iterator[RunningServer]:
    with running(create_app(state)) as handle:
        yield handle


def calendar_client(server: RunningServer, credentials: Any = None) -> Any:
    creds = credentials or user_credentials.Credentials(
        token=None, refresh_token=REFRESH, client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
        token_uri=server.base_url + "/token")
    return build("calendar", "v3", credentials=creds, static_discovery=True,
                 client_options={"api_endpoint": server.base_url + "/calendar/v3/"})


def all_pages(service: Any, **params: Any) -> tuple[list[dict[str, Any]], dict[str, Any], int]:
    """Every item, the last page, and the number of pages (following list_next)."""
    events = service.events()
    request, items, pages, page = events.list(**params), [], 0, {}
    while request is not None:
        page = request.execute()
        items += page["items"]
        pages += 1
        assert ("nextPageToken" in page) != ("nextSyncToken" in page) or "orderBy" in params
        request = events.list_next(request, page)
    return items, page, pages


def add_meetings(state: CalendarState, count: int) -> list[str]:
    ids = []
    for n in range(count):
        start = NOW + timedelta(days=n + 1)
        ids.append(state.add_event(ANA, summary=f"Meeting {n}", start=start,
                                   end=start + timedelta(hours=1)).id)
    return ids


def test_full_then_incremental_sync_through_refresh_flow(state: CalendarState,
                                                         server: RunningServer) -> None:
    ids = add_meetings(state, 7)
    service = calendar_client(server)
    items, last, pages = all_pages(service, calendarId="primary", maxResults=3)
    assert pages == 3 and [i["id"] for i in items] == ids
    state.update_event(ids[0], summary="Moved")
    state.delete_event(ids[1])
    added = add_meetings(state, 1)[0]
    changes, last, _ = all_pages(service, calendarId="primary", syncToken=last["nextSyncToken"],
                                 maxResults=2)
    assert {c["id"]: c["status"] for c in changes} == {
        ids[0]: "confirmed", ids[1]: "cancelled", added: "confirmed"}
    nothing, _, _ = all_pages(service, calendarId="primary", syncToken=last["nextSyncToken"])
    assert nothing == []


def test_expired_sync_token_raises_http_error_410(state: CalendarState,
                                                  server: RunningServer) -> None:
    add_meetings(state, 2)
    service = calendar_client(server)
    _, last, _ = all_pages(service, calendarId=ANA)
    state.expire_sync_tokens(ANA)
    with pytest.raises(HttpError) as raised:
        service.events().list(calendarId=ANA, syncToken=last["nextSyncToken"]).execute()
    assert raised.value.status_code == 410
    assert raised.value.error_details[0]["reason"] == "fullSyncRequired"


def test_single_events_pages_expand_series_in_start_order(state: CalendarState,
                                                          server: RunningServer) -> None:
    master = state.add_event(ANA, summary="Standup", start=NOW + timedelta(days=1, hours=2),
                             end=NOW + timedelta(days=1, hours=3), time_zone="Europe/Madrid",
                             recurrence=["RRULE:FREQ=DAILY;COUNT=5"])
    moved = NOW + timedelta(days=3, hours=2)
    state.add_exception(master.id, moved, start=moved + timedelta(hours=4),
                        end=moved + timedelta(hours=5), summary="Standup (late)")
    state.add_event(ANA, summary="Holiday", start=date(2026, 3, 14), end=date(2026, 3, 15))
    items, last, pages = all_pages(calendar_client(server), calendarId="primary",
                                   singleEvents=True, orderBy="startTime", maxResults=2,
                                   timeMin="2026-03-12T00:00:00Z")
    assert pages == 3 and "nextSyncToken" not in last
    assert [i["summary"] for i in items] == ["Standup", "Holiday", "Standup", "Standup (late)",
                                             "Standup", "Standup"]
    assert all(i["recurringEventId"] == master.id for i in items if i["summary"] != "Holiday")
    exception = items[3]
    assert exception["originalStartTime"]["dateTime"] == "2026-03-15T10:00:00+01:00"


def test_empty_page_with_token_is_followed_to_the_end(state: CalendarState,
                                                      server: RunningServer) -> None:
    ids = add_meetings(state, 4)
    state.knobs.truncate_next(1, path_contains="/events")
    items, last, pages = all_pages(calendar_client(server), calendarId="primary", maxResults=2)
    assert pages == 3 and [i["id"] for i in items] == ids and "nextSyncToken" in last


def test_calendar_list_pages_and_event_seen_from_attendee_calendar(
        state: CalendarState, server: RunningServer) -> None:
    for name in ("cy", "di", "ed"):
        state.add_calendar(f"{name}@agency.example", time_zone="UTC")
        state.share_calendar(f"{name}@agency.example", user=ANA)
    state.share_calendar(BO, user=ANA)
    service = calendar_client(server)
    calendars, request = [], service.calendarList().list(maxResults=2)
    while request is not None:
        page = request.execute()
        calendars += [c["id"] for c in page["items"]]
        request = service.calendarList().list_next(request, page)
    assert calendars == [ANA, "cy@agency.example", "di@agency.example", "ed@agency.example", BO]
    event = state.add_event(ANA, summary="1:1", start=NOW + timedelta(days=1),
                            end=NOW + timedelta(days=1, hours=1),
                            attendees=[Attendee(BO, "accepted")])
    mine = service.events().get(calendarId="primary", eventId=event.id).execute()
    theirs = service.events().list(calendarId=BO).execute()["items"][0]
    assert (theirs["id"], theirs["iCalUID"]) == (mine["id"], mine["iCalUID"])
    assert theirs["start"]["dateTime"] == "2026-03-13T03:00:00-04:00"
    assert theirs["attendees"][0]["self"] is True and "self" not in theirs["organizer"]


def test_service_account_with_delegation_reads_events(state: CalendarState,
                                                      server: RunningServer) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    email = "sync@agency-project.iam.gserviceaccount.com"
    state.oauth.register_service_account(email, key_id="k1", public_key_pem=public,
                                         delegated_scopes=[READONLY], domain="agency.example")
    ids = add_meetings(state, 3)
    creds = service_account.Credentials.from_service_account_info(
        {"client_email": email, "private_key": private, "private_key_id": "k1",
         "token_uri": server.base_url + "/token"}, scopes=[READONLY], subject=ANA)
    items, _, _ = all_pages(calendar_client(server, creds), calendarId="primary", maxResults=2)
    assert [i["id"] for i in items] == ids


def test_revoked_refresh_token_stops_the_client(state: CalendarState,
                                                server: RunningServer) -> None:
    state.oauth.revoke_refresh_token(REFRESH)
    with pytest.raises(RefreshError, match="invalid_grant"):
        calendar_client(server).events().list(calendarId="primary").execute()
