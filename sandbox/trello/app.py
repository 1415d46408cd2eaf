"""Assemble the Trello replica: API routes, Trello's error answers, knobs and admin.

Out-of-process builders mutate the state through `POST /_sandbox/state` with
`{"op": "<TrelloState method>", "args": {...}}`; datetimes (`due`, `start`)
travel as ISO strings.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, FastAPI
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp

from sandbox.knobs import ADMIN_PREFIX, KnobsMiddleware, admin_router
from sandbox.trello.protocol import (
    StripTrailingSlash,
    TrelloError,
    cannot,
    error_renderer,
    text_response,
)
from sandbox.trello.routes import api_router
from sandbox.trello.state import TrelloState

STATE_OPS = frozenset({
    "add_member", "add_board", "add_board_member", "set_board_closed", "add_list",
    "set_list_closed", "add_label", "add_card", "update_card", "move_card", "archive_card",
    "add_member_to_card", "remove_member_from_card", "add_attachment", "delete_card",
    "add_custom_field", "rename_custom_field", "set_custom_field_item",
})
DATETIME_ARGS = frozenset({"due", "start"})


class StateOp(BaseModel):
    op: str
    args: dict[str, Any] = Field(default_factory=dict)


def state_router(state: TrelloState) -> APIRouter:
    router = APIRouter(prefix=ADMIN_PREFIX)

    @router.post("/state")
    def mutate(body: StateOp) -> dict[str, Any]:
        if body.op not in STATE_OPS:
            raise StarletteHTTPException(400, f"unknown op {body.op!r}; one of {sorted(STATE_OPS)}")
        args = {name: datetime.fromisoformat(value.replace("Z", "+00:00"))
                if name in DATETIME_ARGS and isinstance(value, str) else value
                for name, value in body.args.items()}
        return {"result": getattr(state, body.op)(**args)}

    return router


def create_app(state: TrelloState) -> ASGIApp:
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None, redirect_slashes=False)
    app.include_router(api_router(state))
    app.include_router(admin_router(state.knobs))
    app.include_router(state_router(state))

    @app.exception_handler(TrelloError)
    async def trello_error(request: Request, exc: TrelloError) -> Response:
        return text_response(exc.status, exc.text)

    @app.exception_handler(StarletteHTTPException)
    async def routing_error(request: Request, exc: StarletteHTTPException) -> Response:
        """No route (or no such method on it) is Express's `Cannot GET ...` 404."""
        if exc.status_code in (404, 405):
            return cannot(request)
        return text_response(exc.status_code, str(exc.detail))

    return StripTrailingSlash(KnobsMiddleware(app, state.knobs, error_renderer(state)))
