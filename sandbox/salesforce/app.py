"""The Salesforce REST replica as an ASGI app (serve it with TLS: the real API is HTTPS-only).

Every error is Salesforce's JSON array `[{"message": ..., "errorCode": ...}]`
and every response carries `Sforce-Limit-Info: api-usage=N/MAX`, which
simple-salesforce parses into `sf.api_usage`. Routes exist with and without
the trailing slash because simple-salesforce asks for `query/`, `limits/`
and `deleted/?start=` while other clients leave the slash off; no redirect
happens, as with the real API.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp

from sandbox.knobs import KnobsMiddleware, admin_router
from sandbox.salesforce import bulk, cursors, query, resources, soql
from sandbox.salesforce.admin import state_router
from sandbox.salesforce.schema import lookup_object
from sandbox.salesforce.state import SalesforceState

API_PREFIX = "/services/data/v"
NOT_FOUND_MESSAGE = "The requested resource does not exist"
# Salesforce does not answer 429: a rate or concurrency limit is a 403
# REQUEST_LIMIT_EXCEEDED, so a queued 429 fault is served as that.
FAULT_BODIES: dict[int, tuple[int, str, str]] = {
    401: (401, "INVALID_SESSION_ID", "Session expired or invalid"),
    403: (403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."),
    404: (404, "NOT_FOUND", NOT_FOUND_MESSAGE),
    429: (403, "REQUEST_LIMIT_EXCEEDED", "ConcurrentPerOrgLongTxn Limit exceeded."),
    503: (503, "SERVER_UNAVAILABLE", "Server too busy"),
}
UNKNOWN_EXCEPTION = ("An unexpected error occurred. Please include this ErrorId if you "
                     "contact support: 1718716519-90345 (-1424377455)")


class SalesforceJSON(JSONResponse):
    media_type = "application/json;charset=UTF-8"


def limit_header(state: SalesforceState) -> dict[str, str]:
    return {"Sforce-Limit-Info": f"api-usage={state.api_usage}/{state.daily_api_limit}"}


def sf_error(state: SalesforceState, status: int, error_code: str, message: str,
             retry_after_seconds: int | None = None) -> Response:
    headers = limit_header(state)
    if retry_after_seconds is not None:  # only a test's fault asks; Salesforce never sends it
        headers["Retry-After"] = str(retry_after_seconds)
    return SalesforceJSON([{"message": message, "errorCode": error_code}], status, headers)


def fault_renderer(state: SalesforceState) -> Callable[[int, int | None], Response]:
    def render(status: int, retry_after_seconds: int | None) -> Response:
        default = (status, "UNKNOWN_EXCEPTION", UNKNOWN_EXCEPTION)
        code, error_code, message = FAULT_BODIES.get(status, default)
        return sf_error(state, code, error_code, message, retry_after_seconds)
    return render


def session_of(request: Request) -> str | None:
    """Salesforce takes `Bearer <token>` and the older `OAuth <token>`."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() in ("bearer", "oauth") and token.strip() else None


def gatekeeper(state: SalesforceState) -> Callable[..., Awaitable[Response]]:
    """Session check, daily limit and usage count for every versioned API call."""
    async def check(request: Request,
                    call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        path = request.url.path
        if path.startswith(API_PREFIX):
            if session_of(request) not in state.sessions:
                return sf_error(state, 401, "INVALID_SESSION_ID", "Session expired or invalid")
            if state.api_usage >= state.daily_api_limit:
                return sf_error(state, 403, "REQUEST_LIMIT_EXCEEDED",
                                "TotalRequests Limit exceeded.")
            with state.lock:
                state.api_usage += 1
        response = await call_next(request)
        if not path.startswith("/_sandbox"):
            response.headers.update(limit_header(state))
        return response
    return check


def create_app(state: SalesforceState) -> ASGIApp:
    app = FastAPI(title="Salesforce sandbox", redirect_slashes=False, docs_url=None,
                  redoc_url=None, openapi_url=None)
    app.middleware("http")(gatekeeper(state))
    app.include_router(admin_router(state.knobs))
    app.include_router(state_router(state))
    open_cursors = cursors.Cursors()

    def versioned(version: str) -> Response | None:
        return None if resources.is_supported_version(version) else sf_error(
            state, 404, "NOT_FOUND", NOT_FOUND_MESSAGE)

    def query_route(include_deleted: bool) -> Callable[..., Response]:
        def run_query(request: Request, version: str, q: str | None = None) -> Response:
            refused = versioned(version)
            if refused is not None:
                return refused
            if not q:
                return sf_error(state, 400, "MALFORMED_QUERY",
                                "A query string has to be specified")
            try:
                plan = query.plan(soql.parse(q))
            except soql.SoqlError as error:
                return sf_error(state, 400, error.error_code, error.message)
            rows = [query.render(state, r, plan, version)
                    for r in query.run(state, plan, include_deleted=include_deleted)]
            size = cursors.batch_size(request.headers.get("sforce-query-options"))
            locator = (open_cursors.open(rows, state.now()).locator
                       if len(rows) > size else None)
            return page_response(request, cursors.page(rows, 0, size, version, locator))
        return run_query

    def query_more(request: Request, version: str, locator_offset: str) -> Response:
        refused = versioned(version)
        if refused is not None:
            return refused
        locator, _, offset_text = locator_offset.rpartition("-")
        cursor = open_cursors.find(locator, state.now()) if offset_text.isdigit() else None
        if cursor is None or not 0 < int(offset_text) < len(cursor.rows):
            return sf_error(state, 400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        size = cursors.batch_size(request.headers.get("sforce-query-options"))
        return page_response(request, cursors.page(
            cursor.rows, int(offset_text), size, version, cursor.locator))

    def page_response(request: Request, body: dict[str, object]) -> Response:
        """Applies the payload faults: a malformed record or a body cut off mid-way."""
        path = request.url.path
        records = body["records"]
        fault = state.knobs.take("malformed", path) if isinstance(records, list) and records \
            else None
        if fault is not None:
            body["records"] = [fault.broken(records[0], "Id", _malformed), *records[1:]]
        payload = json.dumps(body, separators=(",", ":")).encode()
        if state.knobs.take("truncated", path):
            payload = payload[:len(payload) // 2]
        return Response(payload, 200, media_type=SalesforceJSON.media_type)

    def replication(kind: str) -> Callable[..., Response]:
        def handle(version: str, sobject: str, start: str | None = None,
                   end: str | None = None) -> Response:
            found = lookup_object(sobject)
            if versioned(version) is not None or found is None:
                return sf_error(state, 404, "NOT_FOUND", NOT_FOUND_MESSAGE)
            try:
                window_start, latest = resources.replication_window(state, start, end)
            except resources.ReplicationError as error:
                return sf_error(state, 400, error.error_code, error.message)
            build = resources.deleted if kind == "deleted" else resources.updated
            return SalesforceJSON(build(state, found.name, window_start, latest))
        return handle

    def limits(version: str) -> Response:
        refused = versioned(version)
        return refused if refused is not None else SalesforceJSON(resources.limits(state))

    def versions() -> Response:
        return SalesforceJSON(resources.api_versions())

    routes: list[tuple[str, Callable[..., Response]]] = [
        ("/services/data", versions),
        ("/services/data/v{version}/query", query_route(include_deleted=False)),
        ("/services/data/v{version}/queryAll", query_route(include_deleted=True)),
        ("/services/data/v{version}/query/{locator_offset}", query_more),
        ("/services/data/v{version}/queryAll/{locator_offset}", query_more),
        ("/services/data/v{version}/limits", limits),
        ("/services/data/v{version}/sobjects/{sobject}/deleted", replication("deleted")),
        ("/services/data/v{version}/sobjects/{sobject}/updated", replication("updated")),
    ]
    for path, endpoint in routes:
        for variant in (path, path + "/"):
            app.add_api_route(variant, endpoint, methods=["GET"])
    bulk.add_routes(app, state, sf_error)

    @app.api_route("/{anything:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    def not_found(anything: str) -> Response:
        return sf_error(state, 404, "NOT_FOUND", NOT_FOUND_MESSAGE)

    return KnobsMiddleware(app, state.knobs, fault_renderer(state))


def _malformed(record: dict[str, object]) -> dict[str, object]:
    """A record a mapper cannot use: its Id is missing (or, when Id was not
    selected, its first timestamp is not a date)."""
    broken = dict(record)
    if "Id" in broken:
        del broken["Id"]
        return broken
    for key, value in broken.items():
        if isinstance(value, str) and value.endswith("+0000"):
            broken[key] = "not-a-date"
            break
    return broken
