"""How Trello answers over HTTP: auth, error bodies, lookups and list payloads.

Trello's errors are mostly PLAIN TEXT (`text/plain; charset=utf-8`), not JSON:
`invalid key`, `invalid token` (401), `invalid id` (400, an id that is not an
ObjectId or short link), `The requested resource was not found.` (404, a
well-formed id nobody has), `invalid value for <param>` (400) and, for a route
that does not exist, Express's `Cannot GET /1/...?<query>` (404, echoing the
request target). Only the 429 rate-limit answer is JSON.
"""

from __future__ import annotations

import json
import re
from http import HTTPStatus
from typing import Any, TypeVar
from urllib.parse import unquote

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from sandbox.knobs import ErrorRenderer
from sandbox.trello.ids import OBJECT_ID, SHORT_LINK
from sandbox.trello.state import TrelloState

JSON_TYPE = "application/json; charset=utf-8"
TEXT_TYPE = "text/plain; charset=utf-8"
NOT_FOUND = "The requested resource was not found."
OAUTH_PAIR = re.compile(r'(\w+)="([^"]*)"')
Record = TypeVar("Record")


class TrelloError(Exception):
    """An error Trello answers with a plain-text body."""

    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status = status
        self.text = text


def text_response(status: int, text: str, headers: dict[str, str] | None = None) -> Response:
    return Response(text, status, headers=headers, media_type=TEXT_TYPE)


def json_response(payload: Any) -> Response:
    """Compact JSON, as Trello sends it."""
    return Response(json.dumps(payload, separators=(",", ":")), 200, media_type=JSON_TYPE)


def error_renderer(state: TrelloState) -> ErrorRenderer:
    """Queued status faults, in Trello's own bodies (429 is the only JSON one).

    Trello documents no Retry-After on 429; one is sent only when a test queues it.
    """

    def render(status: int, retry_after_seconds: int | None) -> Response:
        headers = ({"Retry-After": str(retry_after_seconds)}
                   if retry_after_seconds is not None else None)
        if status == 429:
            body = {"error": state.rate_limit_error, "message": "Rate limit exceeded"}
            return Response(json.dumps(body), 429, headers=headers, media_type=JSON_TYPE)
        texts = {401: "invalid token", 404: NOT_FOUND}
        return text_response(status, texts.get(status, HTTPStatus(status).phrase), headers)

    return render


def credentials(request: Request) -> tuple[str | None, str | None]:
    """Key and token from the query string or an `Authorization: OAuth ...` header.

    Trello accepts `oauth_consumer_key`/`oauth_token` in the header instead of
    `key`/`token` in the URL; py-trello uses the header whenever it is given a token.
    """
    key = request.query_params.get("key")
    token = request.query_params.get("token")
    header = request.headers.get("authorization", "")
    if header[:6].lower() == "oauth ":
        pairs = {name: unquote(value) for name, value in OAUTH_PAIR.findall(header)}
        key = key or pairs.get("oauth_consumer_key")
        token = token or pairs.get("oauth_token")
    return key, token


def authorize(state: TrelloState, request: Request) -> None:
    key, token = credentials(request)
    if key != state.api_key:
        raise TrelloError(401, "invalid key")
    if token != state.token:
        raise TrelloError(401, "invalid token")


def find(table: dict[str, Record], ref: str, missing: str = NOT_FOUND) -> Record:
    """Look a record up by id or short link, failing the way Trello does.

    The missing-record text varies by resource: lists answer `model not found`.
    """
    if OBJECT_ID.match(ref):
        record = table.get(ref.lower())
    elif SHORT_LINK.match(ref):
        record = next((r for r in table.values() if getattr(r, "short_link", None) == ref), None)
    else:
        raise TrelloError(400, "invalid id")
    if record is None:
        raise TrelloError(404, missing)
    return record


def int_param(request: Request, name: str, default: int, maximum: int) -> int:
    """A bounded integer parameter; out of range is `invalid value for <name>`."""
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or int(raw) > maximum:
        raise TrelloError(400, f"invalid value for {name}")
    return int(raw)


def flag(request: Request, name: str, default: bool) -> bool:
    raw = request.query_params.get(name)
    return default if raw is None else raw.lower() == "true"


def list_response(state: TrelloState, request: Request, records: list[dict[str, Any]]
                  ) -> Response:
    """A JSON array, with the payload faults a list endpoint can suffer.

    malformed: the first record loses its `id` (a record a mapper cannot use), or its
    id takes the fault's form; truncated: the body is cut in half mid-JSON, as a
    dropped connection leaves it.
    """
    path = request.url.path
    fault = state.knobs.take("malformed", path) if records else None
    if fault is not None:
        records = [fault.broken(records[0], "id"), *records[1:]]
    body = json.dumps(records, separators=(",", ":"))
    if state.knobs.take("truncated", path):
        body = body[: len(body) // 2]
    return Response(body, 200, media_type=JSON_TYPE)


def cannot(request: Request) -> Response:
    """Express's answer for a route Trello does not have: the whole target echoed."""
    raw_path = request.scope.get("raw_path") or request.url.path.encode()
    query = request.scope.get("query_string", b"")
    target = raw_path.decode() + ("?" + query.decode() if query else "")
    return text_response(404, f"Cannot {request.method} {target}")


class StripTrailingSlash:
    """Express routes non-strictly: `/1/boards/{id}/cards/` is `/1/boards/{id}/cards`.

    py-trello relies on it (`/members/me/boards/?filter=all`, `/boards/{id}/cards/`).
    `raw_path` keeps the original for the `Cannot GET` text.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and len(path) > 1 and path.endswith("/"):
            scope = {**scope, "path": path.rstrip("/") or "/"}
        await self.app(scope, receive, send)
