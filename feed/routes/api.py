"""The JSON API under /api/v1: the pages' twins, for scripts and other tools.

Authenticate with `Authorization: Bearer <API token>` (from `baton users
token NAME --api`; sign-in tokens are not accepted). A browser session works
too, but then actions must also send the session's CSRF token in `X-CSRF-Token`.
Errors always have one shape (`ErrorOut`); list endpoints page with an opaque
`cursor`. The OpenAPI document is /api/v1/openapi.json.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, HTTPException, Path, Query

from feed.actions import Action, ActionInputError, act
from feed.auth import Viewer, csrf_matches
from feed.deps import CoordinatorUser, CurrentUser, NowDep, RowId, SessionDep, SettingsDep
from feed.queries import (
    STATUS_CHOICES,
    AlertFilters,
    alert_detail,
    list_alerts,
    page_alerts,
)
from feed.schemas import (
    ActionIn,
    AlertDetailOut,
    AlertOut,
    AlertPage,
    ErrorOut,
    EventOut,
    PeopleOut,
    PersonOut,
    SnoozeIn,
    StatusOut,
    StreamStatusOut,
    WeekOut,
)
from feed.workload import workload
from model import Alert, Severity
from rules.lifecycle import TransitionError
from sync import status as sync_status

ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut} for code in (400, 401, 403, 404, 409, 422)}
router = APIRouter(prefix="/api/v1", tags=["api"], responses=ERRORS)
Filter = Annotated[str, Query(max_length=320)]
CsrfHeader = Annotated[str | None, Header(description="the session's CSRF token; only for "
                                                      "cookie-authenticated calls")]
SEVERITIES = ("", *(s.value for s in Severity))


def one_of(choices: tuple[str, ...]) -> str:
    """A pattern accepting exactly the choices the HTML page offers, so both agree."""
    return "^(" + "|".join(choices) + ")$"


@router.get("/alerts", response_model=AlertPage)
def list_alerts_api(session: SessionDep, settings: SettingsDep, now: NowDep,
                    viewer: CurrentUser, person: Filter = "", project: Filter = "",
                    rule: Filter = "", source: Filter = "",
                    status: Annotated[str, Query(pattern=one_of(STATUS_CHOICES))] = "active",
                    severity: Annotated[str, Query(pattern=one_of(SEVERITIES))] = "",
                    limit: Annotated[int, Query(ge=1, le=500)] = 100,
                    cursor: Annotated[str, Query(pattern=r"^[0-9]{0,18}$", description=(
                        "next_cursor of the previous page"))] = "") -> AlertPage:
    """Alerts matching every given filter, newest first; `status=active` means open,
    acked or snoozed."""
    filters = AlertFilters(person, project, rule, source, status, severity)
    items, _ = list_alerts(session, settings.rules_context, filters, now)
    page, after = page_alerts(items, int(cursor) if cursor else None, limit)
    return AlertPage(alerts=[AlertOut.of(i) for i in page],
                     next_cursor=str(after) if after is not None else None)


@router.get("/alerts/{alert_id}", response_model=AlertDetailOut)
def get_alert(alert_id: RowId, session: SessionDep, settings: SettingsDep, now: NowDep,
              viewer: CurrentUser) -> AlertDetailOut:
    detail = alert_detail(session, settings.rules_context, alert_id, now)
    if detail is None:
        raise HTTPException(404, f"no alert {alert_id}")
    return AlertDetailOut(alert=AlertOut.of(detail.item),
                          history=[EventOut.of(e) for e in detail.events])


@router.post("/alerts/{alert_id}/snooze", response_model=AlertDetailOut)
def snooze_alert(alert_id: RowId, body: SnoozeIn, session: SessionDep, settings: SettingsDep,
                 now: NowDep, viewer: CoordinatorUser, x_csrf_token: CsrfHeader = None
                 ) -> AlertDetailOut:
    """Hide an open or acked alert until `until`; 422 for an end without a UTC offset, in
    the past or beyond the horizon, 409 when the alert's status does not allow it."""
    return _act(alert_id, Action.snooze, body.note, body.until, session, settings, now,
                viewer, x_csrf_token)


@router.post("/alerts/{alert_id}/{action}", response_model=AlertDetailOut)
def act_on_alert(alert_id: RowId, action: Annotated[Literal[Action.ack, Action.resolve],
                                                    Path()],
                 body: ActionIn, session: SessionDep, settings: SettingsDep, now: NowDep,
                 viewer: CoordinatorUser, x_csrf_token: CsrfHeader = None) -> AlertDetailOut:
    """Ack or resolve, with an optional note; 409 when the alert's status does not
    allow it."""
    return _act(alert_id, Action(action), body.note, None, session, settings, now, viewer,
                x_csrf_token)


def _act(alert_id: int, action: Action, note: str | None, until: datetime | None,
         session: SessionDep, settings: SettingsDep, now: NowDep, viewer: Viewer,
         x_csrf_token: str | None) -> AlertDetailOut:
    _check_csrf(viewer, x_csrf_token)
    if session.get(Alert, alert_id) is None:
        raise HTTPException(404, f"no alert {alert_id}")
    try:
        act(session, alert_id, action, viewer.name, note, until, now)
    except ActionInputError as exc:
        raise HTTPException(422, str(exc)) from None
    except TransitionError as exc:
        raise HTTPException(409, str(exc)) from None
    return get_alert(alert_id, session, settings, now, viewer)


def _check_csrf(viewer: Viewer, given: str | None) -> None:
    """Cookie-authenticated calls could be forged by another site; token calls cannot."""
    if viewer.csrf_token is not None and not csrf_matches(viewer.csrf_token, given):
        raise HTTPException(403, "missing or invalid X-CSRF-Token header")


@router.get("/status", response_model=StatusOut)
def status_api(session: SessionDep, settings: SettingsDep, viewer: CurrentUser) -> StatusOut:
    """Per source and stream, the same facts as `baton status`."""
    rows = sync_status.collect(session, list(settings.source_names))
    return StatusOut(streams=[StreamStatusOut(
        source=r.source, stream=r.stream, status=r.run.status.value if r.run else None,
        started_at=r.run.started_at if r.run else None,
        finished_at=r.run.finished_at if r.run else None,
        fetched=r.run.fetched if r.run else None, upserted=r.run.upserted if r.run else None,
        deleted=r.run.deleted if r.run else None, quarantined=r.quarantined,
        error=r.run.error if r.run else None, cursor_updated_at=r.cursor_updated_at,
        next_action=r.next_action) for r in rows])


@router.get("/people", response_model=PeopleOut)
def people_api(session: SessionDep, settings: SettingsDep, now: NowDep,
               viewer: CurrentUser) -> PeopleOut:
    """Each person's capacity, open alerts and the coming weeks' committed hours."""
    loads, _ = workload(session, settings.rules_context, now, settings.workload_weeks)
    return PeopleOut(people=[PersonOut(
        email=load.person.email, name=load.person.name, active=load.person.active,
        timezone=load.person.tz.key, weekly_capacity_hours=load.person.weekly_capacity_hours,
        open_alerts=load.open_alerts,
        weeks=[WeekOut(week=w.label, committed_hours=w.committed_hours,
                       capacity_hours=w.capacity_hours) for w in load.weeks])
        for load in loads])
