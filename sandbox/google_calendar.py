"""Google Calendar v3 replica: calendarList and events (list + get), behind the OAuth check.

Paths are the production ones under `calendar/v3/` (discovery `servicePath`); a client
reaches them with `client_options={"api_endpoint": root + "/calendar/v3/"}`, because
googleapiclient uses `api_endpoint` *instead of* rootUrl + servicePath.

Paging and sync reproduce what clients depend on: `nextPageToken` on every page but the
last, `nextSyncToken` only on the last (and never when `orderBy` is set: the recorded
`orderBy=startTime` list has none), an expired or unknown sync token is 410
`fullSyncRequired`, and a page may come back short or empty with a `nextPageToken`
(queue `knobs.truncate_next` to get one). Records, rendering and query semantics live in
`google_calendar_state`, `google_calendar_render` and `google_calendar_listing`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, FastAPI, HTTPException, Request
from pydantic import BaseModel
from starlette.responses import Response
from starlette.types import ASGIApp

from sandbox import google_oauth
from sandbox.google_calendar_listing import EventQuery, Row, list_rows
from sandbox.google_calendar_render import (
    Json,
    render_entry,
    render_event,
    render_instance,
    rfc3339_millis,
)
from sandbox.google_calendar_state import Attendee, Calendar, CalendarState
from sandbox.google_common import google_error, not_found_page, render_fault
from sandbox.google_oauth import ApiRejection, google_error_at, respond
from sandbox.knobs import ADMIN_PREFIX, KnobsMiddleware, admin_router

__all__ = ["Attendee", "CalendarState", "create_app", "router"]

PREFIX = "/calendar/v3"
EVENTS_MAX_RESULTS, EVENTS_DEFAULT_RESULTS = 2500, 250
LIST_MAX_RESULTS, LIST_DEFAULT_RESULTS = 250, 100
_AUTH = "https://www.googleapis.com/auth/"
EVENT_SCOPES = frozenset(_AUTH + s for s in (
    "calendar", "calendar.app.created", "calendar.events", "calendar.events.freebusy",
    "calendar.events.owned", "calendar.events.owned.readonly",
    "calendar.events.public.readonly", "calendar.events.readonly", "calendar.readonly"))
CALENDAR_LIST_SCOPES = frozenset(_AUTH + s for s in (
    "calendar", "calendar.calendarlist", "calendar.calendarlist.readonly",
    "calendar.readonly"))
SYNC_INCOMPATIBLE = ("iCalUID", "orderBy", "privateExtendedProperty", "q",
                     "sharedExtendedProperty", "timeMin", "timeMax", "updatedMin")
ROLE_RANK = {"freeBusyReader": 0, "reader": 1, "writerWithoutPrivateAccess": 2, "writer": 3,
             "owner": 4}


def bad_parameter(name: str, message: str = "Invalid Value") -> ApiRejection:
    return ApiRejection(google_error_at(400, message, "invalid", location_type="parameter",
                                        location=name))


def not_found() -> ApiRejection:
    return ApiRejection(google_error(404, "Not Found", "notFound"))


def full_sync_required() -> ApiRejection:
    return ApiRejection(google_error_at(
        410, "Sync token is no longer valid, a full sync is required.", "fullSyncRequired",
        domain="calendar", location_type="parameter", location="syncToken"))


# -- tokens ------------------------------------------------------------------------------

def _encode(*parts: object) -> str:
    return base64.b64encode("|".join(str(p) for p in parts).encode()).decode()


def _decode(token: str, kind: str, arity: int) -> list[str] | None:
    try:
        parts = base64.b64decode(token, validate=True).decode().split("|")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return parts[1:] if len(parts) == arity + 1 and parts[0] == kind else None


def _sync_seq(token: str, scope: str, generation: int) -> int:
    """The change number a sync token was issued at; 410 if expired, foreign or garbage."""
    parts = _decode(token, "sync", 3)
    if parts is None or parts[0] != scope or parts[1] != str(generation) \
            or not parts[2].isdigit():
        raise full_sync_required()
    return int(parts[2])


def _page_position(token: str | None, current_seq: int) -> tuple[int, int]:
    """(offset, change number at the first page) carried from page to page."""
    if token is None:
        return 0, current_seq
    parts = _decode(token, "page", 2)
    if parts is None or not all(p.isdigit() for p in parts):
        raise bad_parameter("pageToken")
    return int(parts[0]), int(parts[1])


# -- query parameters --------------------------------------------------------------------

class Params:
    """Typed reads of query parameters that fail the way Google does (400 `invalid`)."""

    def __init__(self, request: Request) -> None:
        self.query = request.query_params

    def text(self, name: str) -> str | None:
        return self.query.get(name)

    def flag(self, name: str) -> bool:
        value = self.query.get(name, "false").lower()
        if value not in ("true", "false"):
            raise bad_parameter(name)
        return value == "true"

    def page_size(self, default: int, maximum: int) -> int:
        """Above the maximum Google serves the maximum ("can never be larger")."""
        value = self.query.get("maxResults")
        if value is None:
            return default
        if not value.lstrip("-").isdigit() or int(value) < 1:
            raise bad_parameter("maxResults")
        return min(int(value), maximum)

    def moment(self, name: str) -> datetime | None:
        value = self.query.get(name)
        if value is None:
            return None
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            parsed = None
        if parsed is None or parsed.tzinfo is None:  # the offset is mandatory
            raise ApiRejection(google_error(400, "Bad Request", "badRequest"))
        return parsed


def _events_query(params: Params, calendar: Calendar) -> EventQuery:
    sync_token = params.text("syncToken")
    if sync_token is not None:
        clash = next((name for name in SYNC_INCOMPATIBLE if params.text(name)), None)
        if clash is not None:
            raise bad_parameter(clash)
    single_events, order_by = params.flag("singleEvents"), params.text("orderBy")
    if order_by not in (None, "startTime", "updated"):
        raise bad_parameter("orderBy")
    if order_by == "startTime" and not single_events:
        raise bad_parameter("orderBy", "The requested ordering is not available for the "
                                       "particular query.")
    time_min, time_max = params.moment("timeMin"), params.moment("timeMax")
    if time_min is not None and time_max is not None and time_min >= time_max:
        raise ApiRejection(google_error_at(
            400, "The specified time range is empty.", "timeRangeEmpty", domain="calendar",
            location_type="parameter", location="timeMax"))
    types = params.query.getlist("eventTypes")
    return EventQuery(
        single_events=single_events, show_deleted=params.flag("showDeleted"),
        order_by=order_by, time_min=time_min, time_max=time_max,
        updated_min=params.moment("updatedMin"),
        since_seq=None if sync_token is None else _sync_seq(
            sync_token, calendar.id, calendar.token_generation),
        event_types=frozenset(types) if types else None, ical_uid=params.text("iCalUID"))


def _render_zone(params: Params, calendar: Calendar) -> ZoneInfo:
    """`timeZone` changes the offsets printed; an unknown zone falls back to the calendar's."""
    name = params.text("timeZone")
    try:
        return ZoneInfo(name) if name else calendar.zone
    except (ZoneInfoNotFoundError, ValueError):
        return calendar.zone


# -- pages -------------------------------------------------------------------------------

def _page(state: CalendarState, request: Request, items: list[Any], size: int,
          render: Callable[[Any], Json], sync_token: Callable[[int], str] | None) -> Json:
    """Slice one page and attach the right token. Knobs: `truncated` serves an empty page
    whose nextPageToken repeats this offset (Google's short-page quirk); `malformed` breaks
    one record: an event's `start` becomes an unparseable date, or (stubs, calendar list
    entries) the first item loses its `id`; a fault with a `form` breaks the id that way."""
    params = Params(request)
    offset, started_seq = _page_position(params.text("pageToken"), state.seq)
    path = request.url.path
    if state.knobs.take("truncated", path) is not None:
        return {"nextPageToken": _encode("page", offset, started_seq), "items": []}
    chunk = [render(item) for item in items[offset:offset + size]]
    tail: Json = {}
    if offset + size < len(items):
        tail["nextPageToken"] = _encode("page", offset + size, started_seq)
    elif sync_token is not None:
        tail["nextSyncToken"] = sync_token(started_seq)
    fault = state.knobs.take("malformed", path) if chunk else None
    if fault is not None:
        index = next((i for i, item in enumerate(chunk) if "start" in item), 0)
        chunk[index] = fault.broken(chunk[index], "id", _bad_start if "start" in chunk[index]
                                    else None)
    return tail | {"items": chunk}


def _bad_start(item: Json) -> Json:
    return item | {"start": {"dateTime": "not-a-date"}}


def _list_etag(*parts: object) -> str:
    digest = hashlib.sha1("|".join(map(str, parts)).encode()).digest()
    return '"p3' + base64.b32hexencode(digest).decode().lower()[:14] + '"'


def _calendar_for(state: CalendarState, user: str, calendar_id: str) -> Calendar:
    calendar_id = user if calendar_id == "primary" else calendar_id
    if not state.can_read(user, calendar_id):
        raise not_found()
    return state.calendars[calendar_id]


def _list_events(state: CalendarState, request: Request, calendar_id: str) -> Json:
    grant = state.oauth.require_bearer(request, EVENT_SCOPES)
    calendar = _calendar_for(state, grant.user, calendar_id)
    params = Params(request)
    query = _events_query(params, calendar)
    zone = _render_zone(params, calendar)
    rows = list_rows(state, calendar.id, query)

    def render(row: Row) -> Json:
        if row.original is not None:
            return render_instance(row.record, calendar, zone, row.original)
        first = row.record.start if row.record.recurrence else None
        return render_event(row.record, calendar, zone, first)

    def sync_token(seq: int) -> str:
        return _encode("sync", calendar.id, calendar.token_generation, seq)

    page = _page(state, request, rows, params.page_size(EVENTS_DEFAULT_RESULTS,
                                                        EVENTS_MAX_RESULTS),
                 render, None if query.order_by else sync_token)
    entry = state.entries.get((grant.user, calendar.id))
    updated = max([r.updated_at for r in state.events.values() if r.touches(calendar.id)]
                  + [calendar.created_at])
    return {"kind": "calendar#events", "etag": _list_etag(calendar.id, state.seq),
            "summary": calendar.summary, "description": calendar.description,
            "updated": rfc3339_millis(updated), "timeZone": calendar.time_zone,
            "accessRole": entry.access_role if entry else "owner",
            "defaultReminders": []} | page


def _get_event(state: CalendarState, request: Request, calendar_id: str,
               event_id: str) -> Json:
    """Cancelled and deleted events are still returned by get, as the spec says."""
    grant = state.oauth.require_bearer(request, EVENT_SCOPES)
    calendar = _calendar_for(state, grant.user, calendar_id)
    zone = _render_zone(Params(request), calendar)
    record = state.events.get(event_id)
    if record is not None and record.touches(calendar.id):
        return render_event(record, calendar, zone, record.start if record.recurrence else None)
    found = state.instance_of(event_id, calendar.zone)
    if found is None or not found[0].touches(calendar.id):
        raise not_found()
    return render_instance(found[0], calendar, zone, found[1])


def _list_calendars(state: CalendarState, request: Request) -> Json:
    grant = state.oauth.require_bearer(request, CALENDAR_LIST_SCOPES)
    params = Params(request)
    sync_token, min_role = params.text("syncToken"), params.text("minAccessRole")
    if sync_token is not None and min_role is not None:
        raise bad_parameter("minAccessRole")
    if min_role is not None and min_role not in ROLE_RANK:
        raise bad_parameter("minAccessRole")
    since = None if sync_token is None else _sync_seq(sync_token, "list:" + grant.user, 0)
    incremental = since is not None
    entries = [e for (user, _), e in state.entries.items() if user == grant.user
               and (since is None or e.change_seq > since)
               and (incremental or params.flag("showDeleted") or not e.deleted)
               and (incremental or params.flag("showHidden") or not e.hidden)
               and ROLE_RANK[e.access_role] >= ROLE_RANK[min_role or "freeBusyReader"]]
    page = _page(state, request, entries,
                 params.page_size(LIST_DEFAULT_RESULTS, LIST_MAX_RESULTS),
                 lambda e: render_entry(e, state.calendars[e.calendar_id]),
                 lambda seq: _encode("sync", "list:" + grant.user, 0, seq))
    return {"kind": "calendar#calendarList", "etag": _list_etag(grant.user, state.seq)} | page


def _get_calendar_entry(state: CalendarState, request: Request, calendar_id: str) -> Json:
    grant = state.oauth.require_bearer(request, CALENDAR_LIST_SCOPES)
    entry = state.entries.get((grant.user, grant.user if calendar_id == "primary"
                               else calendar_id))
    if entry is None or entry.deleted:
        raise not_found()
    return render_entry(entry, state.calendars[entry.calendar_id])


def router(state: CalendarState) -> APIRouter:
    """calendarList.list/get and events.list/get, plus Google's 404 page for the rest."""
    api = APIRouter(prefix=PREFIX)

    @api.get("/users/me/calendarList")
    def calendar_list(request: Request) -> Response:
        return respond(lambda: _list_calendars(state, request))

    @api.get("/users/me/calendarList/{calendar_id}")
    def calendar_list_entry(request: Request, calendar_id: str) -> Response:
        return respond(lambda: _get_calendar_entry(state, request, calendar_id))

    @api.get("/calendars/{calendar_id}/events")
    def events_list(request: Request, calendar_id: str) -> Response:
        return respond(lambda: _list_events(state, request, calendar_id))

    @api.get("/calendars/{calendar_id}/events/{event_id}")
    def events_get(request: Request, calendar_id: str, event_id: str) -> Response:
        return respond(lambda: _get_event(state, request, calendar_id, event_id))

    @api.api_route("/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                   include_in_schema=False)
    def unknown(request: Request) -> Response:
        return not_found_page(request.url.path)

    return api


class StateChange(BaseModel):
    """One call of the state API over HTTP: `op` names a method, `args` its keywords."""

    op: str
    args: dict[str, Any] = {}


def admin_state_router(state: CalendarState) -> APIRouter:
    """`POST /_sandbox/google/state` for a replica running in another process; the ops
    with plain JSON arguments only (events with datetimes are built in-process)."""
    ops: dict[str, Callable[..., object]] = {
        "expire_sync_tokens": state.expire_sync_tokens, "cancel_event": state.cancel_event,
        "delete_event": state.delete_event, "set_response": state.set_response,
        "hide_calendar_entry": state.hide_calendar_entry,
        "delete_calendar_entry": state.delete_calendar_entry,
        "revoke_refresh_token": state.oauth.revoke_refresh_token,
        "expire_access_tokens": state.oauth.expire_access_tokens}
    api = APIRouter(prefix=ADMIN_PREFIX + "/google")

    @api.post("/state")
    def change_state(change: StateChange) -> dict[str, bool]:
        if change.op not in ops:
            raise HTTPException(400, f"unknown op {change.op!r}; known: {sorted(ops)}")
        ops[change.op](**change.args)
        return {"ok": True}

    return api


def create_app(state: CalendarState) -> ASGIApp:
    """Calendar + token endpoint + knobs, for this replica's own tests."""
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    app.include_router(google_oauth.router(state.oauth))
    app.include_router(router(state))
    app.include_router(admin_router(state.knobs))
    app.include_router(admin_state_router(state))
    return KnobsMiddleware(app, state.knobs, render_fault)
