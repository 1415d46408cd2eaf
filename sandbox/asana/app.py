"""`create_app(state)`: the Asana replica as an ASGI app.

Unknown paths and methods a path does not take are both 404 "No matching route
for request" in Asana's envelope (Asana answers no 405). Faults injected through
the knobs are rendered by `errors.fault_renderer`, so they carry Asana's bodies.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, FastAPI
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp

from sandbox.asana.errors import NO_ROUTE, AsanaError, PhraseMaker, error_response, fault_renderer
from sandbox.asana.events import event_routes
from sandbox.asana.responses import Api
from sandbox.asana.routes import project_routes, user_routes, workspace_routes
from sandbox.asana.state import AsanaState
from sandbox.asana.task_routes import task_routes
from sandbox.asana.views import Views
from sandbox.knobs import ADMIN_PREFIX, KnobsMiddleware, admin_router

API_PREFIX = "/api/1.0"
STATE_OPS = frozenset({
    "add_workspace", "add_team", "add_user", "add_token", "remove_user_from_workspace",
    "add_custom_field", "add_project", "update_project", "add_section", "add_task",
    "update_task", "add_task_to_project", "delete_task", "undelete_task",
    "expire_sync_tokens",
})
DATE_ARGS = frozenset({"due_on", "start_on"})
DATETIME_ARGS = frozenset({"due_at", "completed_at", "created_at"})


def create_app(state: AsanaState) -> ASGIApp:
    phrases = PhraseMaker()
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    api = Api(state, Views(state))
    router = APIRouter(prefix=API_PREFIX)
    for install in (user_routes, workspace_routes, project_routes, task_routes, event_routes):
        install(api, router)
    app.include_router(router)
    app.include_router(admin_router(state.knobs))
    app.include_router(_state_router(state))

    async def asana_error(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, AsanaError)
        return error_response(exc.status, exc.message, phrases)

    async def http_error(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code in (404, 405):
            return error_response(404, NO_ROUTE, phrases)
        return error_response(exc.status_code, str(exc.detail), phrases)

    app.add_exception_handler(AsanaError, asana_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    return KnobsMiddleware(app, state.knobs, fault_renderer(phrases))


class StateOp(BaseModel):
    op: str
    args: dict[str, Any] = Field(default_factory=dict)


def _state_router(state: AsanaState) -> APIRouter:
    """`POST /_sandbox/state {"op": "add_task", "args": {...}}`: the builder API for a
    replica running in another process. Dates travel as ISO strings."""
    router = APIRouter(prefix=ADMIN_PREFIX)

    @router.post("/state")
    def mutate(body: StateOp) -> JSONResponse:
        if body.op not in STATE_OPS:
            return JSONResponse({"error": f"unknown op {body.op!r}"}, status_code=422)
        try:
            result = getattr(state, body.op)(**_typed(body.args))
        except (KeyError, ValueError, TypeError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=422)
        return JSONResponse({"gid": getattr(result, "gid", None)})

    return router


def _typed(args: dict[str, Any]) -> dict[str, Any]:
    typed = dict(args)
    for name, value in args.items():
        if name in DATE_ARGS and isinstance(value, str):
            typed[name] = date.fromisoformat(value)
        elif name in DATETIME_ARGS and isinstance(value, str):
            typed[name] = datetime.fromisoformat(value)
    return typed
