"""Asana's offset pagination: `limit` 1..100, opaque `offset`, `next_page`.

Reproduced (https://developers.asana.com/docs/pagination, NextPage in the OpenAPI):
- `next_page` is present only when the request has `limit`; then it is
  `{offset, path, uri}`, or null on the last page (recorded samples: null with
  `limit`, absent without);
- an offset Asana did not issue is 400 "offset: Your pagination token is invalid.";
- an unpaginated list past ~1,000 objects is 400 "The result is too large...".
The offset remembers the last gid served, so a record deleted between pages shifts
nothing and a new one sorted later is still reached.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request

from sandbox.asana.errors import BAD_OFFSET, TOO_LARGE, AsanaError

MAX_LIMIT = 100
UNPAGINATED_MAX = 1000
API_PREFIX = "/api/1.0"
LIMIT_MESSAGE = "limit: The value must be between 1 and 100"


@dataclass
class Page:
    items: list[Any]
    next_page: dict[str, str] | None
    paginated: bool

    def envelope(self, data: list[Any]) -> dict[str, Any]:
        body: dict[str, Any] = {"data": data}
        if self.paginated:
            body["next_page"] = self.next_page
        return body


def parse_limit(raw: str | None) -> int | None:
    """The OpenAPI bounds (1..100) with a 400 in Asana's envelope; the message wording
    is the spec's own sentence, as no recorded answer was found."""
    if raw is None:
        return None
    try:
        limit = int(raw)
    except ValueError:
        raise AsanaError(400, LIMIT_MESSAGE) from None
    if not 1 <= limit <= MAX_LIMIT:
        raise AsanaError(400, LIMIT_MESSAGE)
    return limit


def paginate(items: Sequence[Any], gids: Sequence[str], request: Request) -> Page:
    """Cut `items` (with their `gids`, same order) into the page the request asks for."""
    limit = parse_limit(request.query_params.get("limit"))
    start = _start(request.query_params.get("offset"), gids, request.url.path)
    if limit is None:
        if len(items) - start > UNPAGINATED_MAX:
            raise AsanaError(400, TOO_LARGE)
        return Page(list(items[start:]), None, paginated=False)
    end = start + limit
    if end >= len(items):
        return Page(list(items[start:]), None, paginated=True)
    token = _encode({"p": request.url.path, "a": gids[end - 1], "i": end})
    return Page(list(items[start:end]), _next_page(request, token), paginated=True)


def _start(offset: str | None, gids: Sequence[str], path: str) -> int:
    if offset is None:
        return 0
    claims = _decode(offset)
    if claims.get("p") != path or not isinstance(claims.get("i"), int):
        raise AsanaError(400, BAD_OFFSET)
    after = claims.get("a")
    if after in gids:
        return list(gids).index(after) + 1
    return min(claims["i"], len(gids))


def _next_page(request: Request, token: str) -> dict[str, str]:
    """`path` is relative to /api/1.0 and repeats the query, as the OpenAPI example shows."""
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "offset"]
    relative = request.url.path.removeprefix(API_PREFIX)
    path = f"{relative}?{urlencode([*query, ('offset', token)])}"
    base = str(request.base_url).rstrip("/")
    return {"offset": token, "path": path, "uri": f"{base}{API_PREFIX}{path}"}


def _encode(claims: dict[str, Any]) -> str:
    raw = json.dumps(claims, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(token: str) -> dict[str, Any]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        claims = json.loads(raw)
    except (binascii.Error, ValueError):
        raise AsanaError(400, BAD_OFFSET) from None
    if not isinstance(claims, dict):
        raise AsanaError(400, BAD_OFFSET)
    return claims
