"""Sync status: per source and stream, the same facts as `baton status`, and what to do;
then, per task source, which field held effort and how many open tasks have none."""

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
    names = list(settings.source_names)
    rows = sync_status.collect(session, names)
    states = {s.name: s for s in session.exec(select(SourceState))}
    effort = [entry.describe(entry.source in states and states[entry.source].type
                             in sync_status.CONFIGURABLE_TYPES)
              for entry in sync_status.effort(session, names)]
    return render(request, "status.html", {
        "rows": rows, "states": states, "effort": effort,
        "max_age": settings.rules_context.source_max_age_minutes,
    }, viewer=viewer)
