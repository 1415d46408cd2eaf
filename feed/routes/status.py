"""Sync status: per source and stream, the same facts as `baton status`, and what to do."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import select

from feed.deps import CurrentUser, SessionDep, SettingsDep
from feed.render import render
from model import SourceState
from sync import status as sync_status

router = APIRouter(include_in_schema=False)


@router.get("/status")
def status_page(request: Request, viewer: CurrentUser, session: SessionDep,
                settings: SettingsDep) -> Response:
    rows = sync_status.collect(session, list(settings.source_names))
    states = {s.name: s for s in session.exec(select(SourceState))}
    return render(request, "status.html", {
        "rows": rows, "states": states,
        "max_age": settings.rules_context.source_max_age_minutes,
    }, viewer=viewer)
