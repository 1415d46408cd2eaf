"""`POST /_sandbox/state`: the state API over HTTP, for a replica in another process.

Body: `{"op": "add_account", "args": {"name": "Acme", "owner_id": "005..."}}`.
Dates and datetimes travel as ISO strings and are converted by argument name
(or, for `update`, by the field's type), so the call reads like the Python one.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field
from starlette.responses import JSONResponse

from sandbox.salesforce.schema import object_for_id
from sandbox.salesforce.soql import parse_datetime
from sandbox.salesforce.state import SalesforceState

OPERATIONS = ("add_user", "add_account", "add_contact", "add_opportunity", "add_event",
              "add_task", "update", "delete", "undelete", "add_session", "revoke_session",
              "set_api_limit")
DATETIME_ARGS = {"start", "end"}
DATE_ARGS = {"close_date", "activity_date"}


class StateOp(BaseModel):
    op: str
    args: dict[str, Any] = Field(default_factory=dict)


def _convert(args: dict[str, Any]) -> dict[str, Any]:
    converted = dict(args)
    for name, value in args.items():
        if name in DATETIME_ARGS and isinstance(value, str):
            converted[name] = parse_datetime(value)
        if name in DATE_ARGS and isinstance(value, str):
            converted[name] = date.fromisoformat(value)
    return converted


def _convert_fields(record_id: str, values: dict[str, Any]) -> dict[str, Any]:
    obj = object_for_id(record_id)
    converted = dict(values)
    for name, value in values.items():
        field = obj.field(name) if obj else None
        if field is not None and isinstance(value, str):
            if field.kind == "datetime":
                converted[name] = parse_datetime(value)
            elif field.kind == "date":
                converted[name] = date.fromisoformat(value)
    return converted


def state_router(state: SalesforceState) -> APIRouter:
    router = APIRouter(prefix="/_sandbox")

    @router.post("/state")
    def apply(body: StateOp) -> JSONResponse:
        if body.op not in OPERATIONS:
            return JSONResponse({"error": f"unknown op {body.op!r}", "ops": OPERATIONS}, 400)
        args = _convert(body.args)
        if body.op == "update":
            record_id = str(args.pop("record_id", ""))
            args = {"record_id": record_id, **_convert_fields(record_id, args)}
        try:
            result = getattr(state, body.op)(**args)
        except (TypeError, ValueError) as error:
            return JSONResponse({"error": str(error)}, 400)
        return JSONResponse({"ok": True, "id": result})

    return router
