"""What every Asana route does the same way: authenticate, look up, wrap in `data`.

- A missing or unknown `Authorization: Bearer` token is 401 "Not Authorized"
  (documented example); the check runs after routing, so an unknown path is 404.
- A gid Asana issued whose object is gone is 404 "<kind>: Unknown object: <gid>";
  a number that was never a gid is "<kind>: Not a recognized ID: <gid>" (quoted from
  live answers), 404 here, and 400 when it is not even digits.
- Lists go through `paging.paginate` and then the payload faults: `malformed`
  strips the `gid` of the page's first record, `truncated` cuts the body short
  mid-JSON as a dropped connection would.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import Response

from sandbox.asana.errors import NOT_AUTHORIZED, AsanaError, AsanaJSONResponse
from sandbox.asana.fields import Obj, parse_opt_fields, render
from sandbox.asana.paging import paginate
from sandbox.asana.records import User
from sandbox.asana.state import AsanaState
from sandbox.asana.views import Views

Record = TypeVar("Record")


@dataclass
class Api:
    state: AsanaState
    views: Views

    def caller(self, request: Request) -> User:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        user_gid = self.state.tokens.get(token) if scheme.lower() == "bearer" else None
        if user_gid is None:
            raise AsanaError(401, NOT_AUTHORIZED)
        return self.state.users[user_gid]

    def lookup(self, table: Mapping[str, Record], gid: str, kind: str) -> Record:
        record = table.get(gid)
        if record is not None and not getattr(record, "deleted", False):
            return record
        if not gid.isdigit():
            raise AsanaError(400, f"{kind}: Not a recognized ID: {gid}")
        if self.state.issued(gid):
            raise AsanaError(404, f"{kind}: Unknown object: {gid}")
        raise AsanaError(404, f"{kind}: Not a recognized ID: {gid}")

    def one(self, request: Request, obj: Obj) -> Response:
        tree = parse_opt_fields(request.query_params.get("opt_fields"))
        return AsanaJSONResponse({"data": render(obj, tree, self.views.resolve, full=True)})

    def many(self, request: Request, objs: Sequence[Obj]) -> Response:
        page = paginate(objs, [o.gid or "" for o in objs], request)
        return self.page_response(request, page.items, page.envelope)

    def page_response(self, request: Request, objs: list[Obj], envelope: Any) -> Response:
        """Render a page, then apply the payload faults queued for this path."""
        tree = parse_opt_fields(request.query_params.get("opt_fields"))
        data = [render(obj, tree, self.views.resolve) for obj in objs]
        path = request.url.path
        fault = self.state.knobs.take("malformed", path) if data else None
        if fault is not None:
            data[0] = fault.broken(data[0], "gid")
        body = envelope(data)
        if self.state.knobs.take("truncated", path) is not None:
            raw = json.dumps(body).encode()
            return Response(raw[: len(raw) // 2], media_type="application/json; charset=UTF-8")
        return AsanaJSONResponse(body)


def parse_time(name: str, raw: str | None, *, allow_now: bool = False,
               now: datetime | None = None) -> datetime | None:
    """ISO 8601 date-times (a bare date is midnight UTC); `completed_since` also takes
    the keyword `now`. The 400 wording for a bad value is not documented."""
    if raw is None:
        return None
    if allow_now and raw == "now":
        return now
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise AsanaError(400, f"{name}: Not a valid date-time: {raw}") from None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
