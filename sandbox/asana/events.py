"""`GET /events?resource=&sync=`: Asana's event stream with sync tokens.

Reproduced (https://developers.asana.com/docs/events and the getEvents OpenAPI):
- no `sync`, or an unknown / expired one -> 412 with the errors envelope *and* a
  fresh `sync` token at the top level; the first call is answered the same way;
- a valid token -> `{data: [events since the token], sync: <new token>, has_more}`,
  at most 100 events per answer (`has_more: true` when more are waiting);
- a project's stream shows events of the tasks in it; a deleted task's gid can no
  longer be subscribed to, but its `deleted` event stays in its project's stream.
The SDK's `limit` parameter (sent by `EventIterator`) is accepted and ignored.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from sandbox.asana.errors import SYNC_INVALID, AsanaError, AsanaJSONResponse, error_body
from sandbox.asana.responses import Api

EVENTS_PER_ANSWER = 100


def event_routes(api: Api, router: APIRouter) -> None:
    @router.get("/events")
    def get_events(request: Request) -> Response:
        api.caller(request)
        resource = request.query_params.get("resource")
        if not resource:
            raise AsanaError(400, "resource: Missing input")
        if resource not in api.state.projects:
            api.lookup(api.state.tasks, resource, "resource")
        events = list(api.state.events)
        token = api.state.sync_tokens.get(request.query_params.get("sync") or "")
        if token is None or token.expired or token.resource != resource:
            fresh = api.state.issue_sync_token(resource, len(events))
            return AsanaJSONResponse(error_body(SYNC_INVALID) | {"sync": fresh}, status_code=412)
        matching = [e for e in events[token.position:] if resource in e.observers]
        batch = matching[:EVENTS_PER_ANSWER]
        has_more = len(matching) > EVENTS_PER_ANSWER
        position = batch[-1].seq + 1 if has_more else len(events)
        sync = api.state.issue_sync_token(resource, position)
        return api.page_response(
            request, [api.views.event(e) for e in batch],
            lambda data: {"data": data, "sync": sync, "has_more": has_more},
        )
