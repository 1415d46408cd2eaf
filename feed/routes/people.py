"""People and workload: committed hours against capacity for the coming weeks."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from feed.deps import CurrentUser, NowDep, SessionDep, SettingsDep
from feed.render import render
from feed.workload import bars, workload

router = APIRouter(include_in_schema=False)


@router.get("/people")
def people_page(request: Request, viewer: CurrentUser, session: SessionDep,
                settings: SettingsDep, now: NowDep) -> Response:
    loads, unmatched = workload(session, settings.rules_context, now, settings.workload_weeks)
    return render(request, "people.html", {
        "loads": [(load, bars(load.weeks)) for load in loads], "unmatched": unmatched,
    }, viewer=viewer)
