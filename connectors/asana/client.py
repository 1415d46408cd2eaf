"""The only module that touches the `asana` SDK: one page per call, errors sorted once.

Why the SDK is used this way:
- Its urllib3 `Retry` (5 tries, 429/5xx, honouring Retry-After) is switched off
  (`retry_strategy = False`), so `CallPolicy` is the one place that retries:
  otherwise 5 SDK tries x 5 policy tries would multiply and a 429 would be slept
  twice. With retries off urllib3 also raises its own connection errors as they
  are, which we sort below instead of a `MaxRetryError` wrapper.
- List methods are called with `full_payload=True`, so each SDK call is exactly one
  HTTP request whose `next_page` we follow ourselves; the SDK's `PageIterator`
  would page inside one call, hiding pages from the retry policy and loop check.
- `_request_timeout` is always a (connect, read) tuple: the SDK silently drops a
  float timeout (it only recognises `int` or a 2-tuple).
- `ApiException.__str__` prints response headers and body; messages here are built
  from method, path, status and reason phrase only, and run through the scrubber.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import asana
import urllib3
from asana.rest import ApiException

from connectors.errors import CursorExpired, Retriable, SourceStopped
from connectors.policy import CallPolicy, Scrubber, retry_after_seconds

PAGE_LIMIT = 100
"""Asana's maximum `limit` for every list endpoint."""

Page = dict[str, Any]


class NotFound(SourceStopped):
    """404: a configured gid is gone (or never existed); callers may treat it as a deletion."""


class SyncTokenExpired(CursorExpired):
    """412 from /events: the token is unknown or too old; `fresh_token` starts over."""

    def __init__(self, message: str, fresh_token: str) -> None:
        super().__init__(message)
        self.fresh_token = fresh_token


@dataclass(frozen=True)
class EventsAnswer:
    events: list[dict[str, Any]]
    sync: str


def _drop_thread_pool(api: asana.ApiClient) -> None:
    """The SDK starts a ThreadPool per client for async calls baton never makes; left
    alive, its `__del__` can print a traceback at interpreter exit. Close it now."""
    pool = getattr(api, "pool", None)
    if pool is not None:
        pool.close()
        pool.join()
        del api.pool


class AsanaClient:
    """Thin calls, one HTTP request each, through `policy` (counting and retrying)."""

    def __init__(self, *, source: str, base_url: str, token: str, timeout_seconds: float,
                 policy: CallPolicy, scrubber: Scrubber) -> None:
        configuration = asana.Configuration()
        configuration.host = base_url.rstrip("/")
        configuration.access_token = token
        configuration.retry_strategy = False
        self.source = source
        self.policy = policy
        self.scrub = scrubber
        self.timeout = (timeout_seconds, timeout_seconds)
        api = asana.ApiClient(configuration)
        _drop_thread_pool(api)
        self.users_api = asana.UsersApi(api)
        self.projects_api = asana.ProjectsApi(api)
        self.tasks_api = asana.TasksApi(api)
        self.events_api = asana.EventsApi(api)

    # -- endpoints ----------------------------------------------------------------

    def users(self, workspace: str, fields: str) -> Iterator[list[dict[str, Any]]]:
        """`GET /users?workspace=` pages (the /workspaces/{gid}/users variant caps at 2,000
        and takes no `limit`)."""
        query = {"workspace": workspace, "opt_fields": fields}
        return self._pages("GET /users", lambda q: self.users_api.get_users(q, **self._kw()),
                           query)

    def user(self, gid: str, fields: str) -> dict[str, Any]:
        return self._one(f"GET /users/{gid}",
                         lambda: self.users_api.get_user(gid, {"opt_fields": fields},
                                                         **self._kw()))

    def projects(self, workspace: str, fields: str) -> Iterator[list[dict[str, Any]]]:
        """Without `archived` Asana lists archived and live projects alike."""
        return self._pages(
            f"GET /workspaces/{workspace}/projects",
            lambda q: self.projects_api.get_projects_for_workspace(workspace, q, **self._kw()),
            {"opt_fields": fields})

    def project(self, gid: str, fields: str) -> dict[str, Any]:
        return self._one(f"GET /projects/{gid}",
                         lambda: self.projects_api.get_project(gid, {"opt_fields": fields},
                                                               **self._kw()))

    def tasks(self, project: str, fields: str, modified_since: str | None
              ) -> Iterator[list[dict[str, Any]]]:
        """`GET /tasks?project=`: the documented home of `modified_since` (>=, so
        boundary rows repeat). Without `completed_since` completed tasks are included."""
        query = {"project": project, "opt_fields": fields}
        if modified_since is not None:
            query["modified_since"] = modified_since
        return self._pages("GET /tasks", lambda q: self.tasks_api.get_tasks(q, **self._kw()),
                           query)

    def subtasks(self, task: str, fields: str) -> Iterator[list[dict[str, Any]]]:
        return self._pages(
            f"GET /tasks/{task}/subtasks",
            lambda q: self.tasks_api.get_subtasks_for_task(task, q, **self._kw()),
            {"opt_fields": fields})

    def events(self, resource: str, sync: str | None) -> EventsAnswer:
        """Every event since `sync` (following `has_more`). Without a token, or with an
        expired one, Asana answers 412 with a fresh token: `SyncTokenExpired`."""
        events: list[dict[str, Any]] = []
        while True:
            query = {"sync": sync} if sync else {}
            body = self._call(f"GET /events?resource={resource}", lambda q=query: (
                self.events_api.get_events(resource, dict(q), **self._kw())))
            events.extend(_data_list(body))
            previous, sync = sync, body.get("sync")
            if not isinstance(sync, str) or not sync:
                raise Retriable(f"asana GET /events?resource={resource}: answer without sync")
            if not body.get("has_more"):
                return EventsAnswer(events, sync)
            if sync == previous:
                raise SourceStopped(f"asana GET /events?resource={resource}: has_more with "
                                    "the same sync token", action="report this Asana bug")

    def fresh_sync_token(self, resource: str) -> str:
        """The first events call is always a 412 carrying the token to start from."""
        try:
            self.events(resource, None)
        except SyncTokenExpired as expired:
            return expired.fresh_token
        raise Retriable(f"asana GET /events?resource={resource}: no 412 for a missing token")

    # -- paging and calls ---------------------------------------------------------

    def _kw(self) -> dict[str, Any]:
        return {"full_payload": True, "_request_timeout": self.timeout}

    def _one(self, label: str, fetch: Callable[[], Any]) -> dict[str, Any]:
        body = self._call(label, fetch)
        data = body.get("data")
        if not isinstance(data, dict):
            raise Retriable(self.scrub(f"asana {label}: answer without a data object"))
        return data

    def _pages(self, label: str, fetch: Callable[[dict[str, Any]], Any],
               query: dict[str, Any]) -> Iterator[list[dict[str, Any]]]:
        """Follow `next_page.offset` to the end; an offset seen twice is a loop."""
        seen: set[str] = set()
        offset: str | None = None
        while True:
            page_query = {**query, "limit": PAGE_LIMIT}
            if offset is not None:
                page_query["offset"] = offset
            body = self._call(label, lambda q=page_query: fetch(dict(q)))
            yield _data_list(body)
            next_page = body.get("next_page")
            offset = next_page.get("offset") if isinstance(next_page, dict) else None
            if not offset:
                return
            if offset in seen:
                raise SourceStopped(self.scrub(f"asana {label}: the same page offset came "
                                               "back twice"), action="report this Asana bug")
            seen.add(offset)

    def _call(self, label: str, fetch: Callable[[], Any]) -> Page:
        """One HTTP request through the policy; the answer must be a JSON object."""

        def attempt() -> Page:
            try:
                body = fetch()
            except ApiException as exc:
                raise self._sorted(label, exc) from None
            except urllib3.exceptions.HTTPError as exc:
                raise Retriable(self.scrub(f"asana {label}: {type(exc).__name__}")) from None
            if not isinstance(body, dict) or not isinstance(body.get("data"), list | dict):
                raise Retriable(self.scrub(f"asana {label}: truncated or non-JSON answer"))
            return body

        return self.policy.call(attempt)

    def _sorted(self, label: str, exc: ApiException) -> Exception:
        status = int(exc.status or 0)
        message = self.scrub(f"asana {label}: HTTP {status} {exc.reason or ''}".rstrip())
        headers = exc.headers or {}
        if status == 429 or status >= 500:
            return Retriable(message, status=status, rejected=status in (429, 503),
                             retry_after_seconds=retry_after_seconds(headers.get("Retry-After")))
        if status == 412:
            token = _body(exc).get("sync")
            if isinstance(token, str) and token:
                return SyncTokenExpired(message, token)
        if status == 401:
            return SourceStopped(message, action=f"renew the Asana token of source "
                                                 f"{self.source!r}")
        if status in (402, 403):
            return SourceStopped(message, action="give the token's user access to this "
                                                 "workspace/project (or the plan it needs)")
        if status == 404:
            return NotFound(message, action="check the workspace and project gids configured")
        if status == 0:
            return SourceStopped(message, action="check base_url and TLS settings")
        return SourceStopped(message, action="baton sent a request Asana refused; report it")


def _data_list(body: Page) -> list[dict[str, Any]]:
    data = body.get("data")
    if not isinstance(data, list):
        raise Retriable("asana: list answer without a data list")
    return data


def _body(exc: ApiException) -> dict[str, Any]:
    try:
        body = json.loads(exc.body or b"{}")
    except (TypeError, ValueError):
        return {}
    return body if isinstance(body, dict) else {}
