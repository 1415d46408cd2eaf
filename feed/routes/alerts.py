"""The alerts home page, an alert's detail, and the ack / snooze / resolve forms."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response

from feed.actions import Action, act, parse_until
from feed.deps import CoordinatorUser, CsrfForm, CurrentUser, NowDep, RowId, SessionDep, SettingsDep
from feed.queries import (
    STATUS_CHOICES,
    STATUS_PILLS,
    AlertFilters,
    alert_detail,
    facets,
    group_alerts,
    list_alerts,
)
from feed.render import render
from feed.users import Role
from model import Severity
from rules.lifecycle import TransitionError
from rules.timeutil import zone

router = APIRouter(include_in_schema=False)
FilterParam = Annotated[str, Query(max_length=320)]
DONE = {"ack": "Acknowledged.", "snooze": "Snoozed.", "resolve": "Resolved."}
VERBS = {"open": "opened", "ack": "acknowledged", "snooze": "snoozed", "resolve": "resolved",
         "reopen": "reopened", "unsnooze": "ended the snooze", "stale": "froze it (stale data)",
         "fresh": "unfroze it (fresh data)", "silence": "silenced", "unsilence": "unsilenced",
         "pending": "held it pending", "pending_cleared": "cleared the pending state",
         "retire": "retired it (its rule was removed)",
         "restore": "restored it as it was (its rule is back)"}


@router.get("/")
def alerts_home(request: Request, viewer: CurrentUser, session: SessionDep,
                settings: SettingsDep, now: NowDep, person: FilterParam = "",
                project: FilterParam = "", rule: FilterParam = "", source: FilterParam = "",
                status: FilterParam = "active", severity: FilterParam = "") -> Response:
    filters = AlertFilters(person, project, rule, source, status or "active", severity)
    items, lookup = list_alerts(session, settings.rules_context, filters, now,
                                settings.coordinator)
    return render(request, "alerts.html", {
        "filters": filters, "groups": group_alerts(items), "total": len(items),
        "facets": facets(session, settings.rules_context, now, filters),
        "statuses": STATUS_CHOICES, "pills": STATUS_PILLS,
        "severities": [s.value for s in Severity],
        "sources": sorted(lookup.sources.items()),
        "stale_sources": {f.source for i in items for f in i.freshness if f.is_stale},
    }, viewer=viewer)


@router.get("/alerts/{alert_id}")
def alert_page(request: Request, alert_id: RowId, viewer: CurrentUser, session: SessionDep,
               settings: SettingsDep, now: NowDep,
               done: Annotated[str, Query(max_length=16)] = "") -> Response:
    return _detail(request, alert_id, viewer, session, settings, now,
                   notice=DONE.get(done), error=None)


def _detail(request: Request, alert_id: RowId, viewer: CurrentUser, session: SessionDep,
            settings: SettingsDep, now: NowDep, *, notice: str | None, error: str | None,
            status_code: int = 200) -> Response:
    detail = alert_detail(session, settings.rules_context, alert_id, now,
                          settings.coordinator)
    if detail is None:
        raise HTTPException(404, f"no alert {alert_id}")
    local = now.astimezone(zone(settings.timezone)) + timedelta(days=1)
    return render(request, "alert.html", {
        "detail": detail, "item": detail.item, "alert": detail.item.alert,
        "can_act": Role(viewer.user.role).allows(Role.coordinator),
        "snooze_default": local.strftime("%Y-%m-%dT09:00"), "notice": notice, "error": error,
        "verbs": VERBS,
    }, viewer=viewer, status_code=status_code)


@router.post("/alerts/{alert_id}/{action}")
def alert_action(request: Request, alert_id: RowId, action: Action, viewer: CoordinatorUser,
                 form: CsrfForm, session: SessionDep, settings: SettingsDep,
                 now: NowDep) -> Response:
    try:
        until = parse_until(form.get("until"), settings.timezone)
        act(session, alert_id, action, viewer.name, form.get("note"), until, now)
    except TransitionError as exc:
        if alert_detail(session, settings.rules_context, alert_id, now) is None:
            raise HTTPException(404, f"no alert {alert_id}") from None
        return _detail(request, alert_id, viewer, session, settings, now, notice=None,
                       error=str(exc), status_code=409)
    return RedirectResponse(f"/alerts/{alert_id}?done={action.value}", status_code=303)
