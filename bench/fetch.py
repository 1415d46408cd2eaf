"""Fetch-only ceiling: the pages a full sync reads, pulled with plain `requests`, discarded.

Same endpoints, parameters and page sizes as connectors/*/client.py and
streams.py (the constants are imported from there, so they cannot drift), one
keep-alive session per source, nothing mapped or stored. What baton does on
top of this (SDKs, mapping, bookkeeping calls such as Asana's events-token
handshake or Trello's signpost, storage) is what the ratio to this ceiling
measures. Records are counted as sync counts them: listed items, Trello
members once per member.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

import requests

from baton.config import BatonConfig
from baton.sources import AsanaSource, GoogleSource, SalesforceSource, TrelloSource
from connectors.asana.client import PAGE_LIMIT
from connectors.asana.streams import PROJECT_FIELDS, TASK_FIELDS, USER_FIELDS
from connectors.google import events as google_events
from connectors.google import streams as google_streams
from connectors.salesforce.client import QUERY_OPTIONS
from connectors.salesforce.streams import STREAMS as SALESFORCE_STREAMS
from connectors.salesforce.streams import soql
from connectors.trello.streams import BOARD_FIELDS, CARD_PARAMS

Json = dict[str, Any]


def _session(headers: dict[str, str] | None = None) -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    session.headers.update(headers or {})
    return session


def _get(session: requests.Session, url: str, params: dict[str, Any] | None = None) -> Any:
    response = session.get(url, params=params, timeout=60)
    response.raise_for_status()
    return response.json()


def _asana(source: AsanaSource, now: datetime) -> int:
    base = source.base_url.rstrip("/")
    session = _session({"Authorization": f"Bearer {source.token.get_secret_value()}"})

    def pages(path: str, params: Json) -> Iterator[list[Json]]:
        offset: str | None = None
        while True:
            body = _get(session, base + path, {**params, "limit": PAGE_LIMIT,
                                               **({"offset": offset} if offset else {})})
            yield body["data"]
            offset = (body.get("next_page") or {}).get("offset")
            if not offset:
                return

    records = sum(len(p) for p in pages("/users", {"workspace": source.workspace,
                                                   "opt_fields": USER_FIELDS}))
    projects = [raw for page in pages(f"/workspaces/{source.workspace}/projects",
                                      {"opt_fields": PROJECT_FIELDS}) for raw in page]
    records += len(projects)
    for project in projects:
        records += sum(len(p) for p in pages("/tasks", {"project": project["gid"],
                                                        "opt_fields": TASK_FIELDS}))
    return records


def _trello(source: TrelloSource, now: datetime) -> int:
    base = source.base_url.rstrip("/")
    session = _session()
    auth = {"key": source.key.get_secret_value(), "token": source.token.get_secret_value()}
    boards = [_get(session, f"{base}/boards/{b}", {**auth, "fields": BOARD_FIELDS})
              for b in source.boards]
    members: set[str] = set()
    cards = 0
    for board in boards:
        members |= {m["id"] for m in _get(session, f"{base}/boards/{board['id']}/members",
                                          {**auth, "fields": "fullName,username"})}
        _get(session, f"{base}/boards/{board['id']}/lists",
             {**auth, "filter": "all", "fields": "name,closed"})
        cards += len(_get(session, f"{base}/boards/{board['id']}/cards",
                          {**auth, **CARD_PARAMS, "filter": "all"}))
    return len(members) + len(boards) + cards


def _google_pages(session: requests.Session, url: str, params: Json) -> Iterator[Json]:
    token: str | None = None
    while True:
        page = _get(session, url, {**params, **({"pageToken": token} if token else {})})
        yield page
        token = page.get("nextPageToken")
        if not token:
            return


def _google(source: GoogleSource, now: datetime) -> int:
    auth = source.auth
    assert auth.kind == "oauth"
    grant = requests.post(auth.token_uri, data={
        "grant_type": "refresh_token", "client_id": auth.client_id,
        "client_secret": auth.client_secret.get_secret_value(),
        "refresh_token": auth.refresh_token.get_secret_value()}, timeout=60)
    grant.raise_for_status()
    session = _session({"Authorization": f"Bearer {grant.json()['access_token']}"})
    root = source.base_url.rstrip("/") + "/"
    for _ in _google_pages(session, root + "calendar/v3/users/me/calendarList",
                           {"maxResults": google_streams.CALENDAR_LIST_PAGE_SIZE,
                            "showHidden": "true"}):
        pass
    records = len(source.calendars)
    listed = google_events.EventWindow(timedelta(days=source.window_past_days),
                                       timedelta(days=source.window_future_days)).first(now)
    window = {"timeMin": google_events.rfc3339(listed.start),
              "timeMax": google_events.rfc3339(listed.end)}
    for calendar in source.calendars:
        records += sum(len(p.get("items") or []) for p in _google_pages(
            session, f"{root}calendar/v3/calendars/{quote(calendar, safe='')}/events",
            {"singleEvents": "true", "showDeleted": "true",
             "maxResults": google_events.EVENTS_PAGE_SIZE, **window}))
    records += sum(len(p.get("connections") or []) for p in _google_pages(
        session, root + "v1/people/me/connections",
        {"personFields": google_streams.PERSON_FIELDS,
         "pageSize": google_streams.PEOPLE_PAGE_SIZE, "requestSyncToken": "true"}))
    lists = [raw for p in _google_pages(session, root + "tasks/v1/users/@me/lists",
                                        {"maxResults": google_streams.TASK_LISTS_PAGE_SIZE})
             for raw in p.get("items") or []]
    records += len(lists)
    for task_list in lists:
        records += sum(len(p.get("items") or []) for p in _google_pages(
            session, f"{root}tasks/v1/lists/{task_list['id']}/tasks",
            {"maxResults": google_streams.TASKS_PAGE_SIZE, "showCompleted": "true",
             "showDeleted": "true", "showHidden": "true"}))
    return records


def _salesforce(source: SalesforceSource, now: datetime) -> int:
    assert source.auth.kind == "session" and source.auth.session_id is not None
    base = source.instance_url.rstrip("/")
    session = _session({"Authorization": f"Bearer {source.auth.session_id.get_secret_value()}",
                        **QUERY_OPTIONS})
    session.verify = str(source.ca_bundle) if source.ca_bundle else True
    records = 0
    for stream in SALESFORCE_STREAMS:
        verb = "queryAll" if stream.include_deleted else "query"
        page = _get(session, f"{base}/services/data/v{source.api_version}/{verb}",
                    {"q": soql(stream, None)})
        records += len(page["records"])
        while not page.get("done", True):
            page = _get(session, base + page["nextRecordsUrl"])
            records += len(page["records"])
    return records


FETCHERS: dict[type, Callable[[Any, datetime], int]] = {
    AsanaSource: _asana, TrelloSource: _trello, GoogleSource: _google,
    SalesforceSource: _salesforce}


def fetch_only(config: BatonConfig, now: datetime) -> dict[str, Json]:
    """{source: {records, seconds}} for every configured source, one after the other."""
    results: dict[str, Json] = {}
    for source in config.sources:
        fetcher = FETCHERS[type(source)]
        started = time.perf_counter()
        records = fetcher(source, now)
        results[source.name] = {"records": records,
                                "seconds": time.perf_counter() - started}
    return results
