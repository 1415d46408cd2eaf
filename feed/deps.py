"""Request dependencies as `Annotated` aliases, so route signatures read like sentences.

`CurrentUser` accepts a session cookie (browsers) or `Authorization: Bearer
<API token>` (scripts). `require_role(Role.coordinator)` is itself an alias:
the permission check is part of the signature, not buried in the body.
`CsrfForm` parses an urlencoded body and rejects it unless it echoes the
session's CSRF token; bearer clients have no session, so they cannot post forms.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import Depends, HTTPException, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import AfterValidator
from sqlmodel import Session

from feed.auth import SESSION_COOKIE, Viewer, csrf_matches, session_viewer
from feed.settings import FeedSettings
from feed.users import Role, TokenKind, user_for_token

MAX_FORM_BYTES = 1_000_000
MAX_ROW_ID = 2**31 - 1
"""Primary keys are 32-bit on PostgreSQL (and SQLite overflows past 2**63): an id outside
1..MAX_ROW_ID names no row, so it is answered 404 before any query runs."""
FORM_TYPE = "application/x-www-form-urlencoded"


class NotSignedIn(Exception):
    """No valid cookie or token: browsers go to the sign-in page, API clients get 401."""


def get_settings(request: Request) -> FeedSettings:
    settings: FeedSettings = request.app.state.settings
    return settings


def get_session(request: Request) -> Iterator[Session]:
    with Session(request.app.state.engine) as session:
        yield session


SettingsDep = Annotated[FeedSettings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]


def get_now(settings: SettingsDep) -> datetime:
    return settings.clock()


NowDep = Annotated[datetime, Depends(get_now)]


BEARER = HTTPBearer(auto_error=False, scheme_name="bearer", description=(
    "An API token: `baton users token NAME --api` prints one."))
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)]


def current_viewer(request: Request, session: SessionDep, settings: SettingsDep, now: NowDep,
                   bearer: BearerDep) -> Viewer:
    """A bearer API token, else the session cookie. (`BEARER` as a dependency is what
    declares the scheme in the OpenAPI document.) Commits the last-used/seen stamp."""
    if bearer is not None:
        user = user_for_token(session, bearer.credentials, TokenKind.api, now)
        viewer = Viewer(user, None) if user is not None else None
        problem = ("that is not a live API token (sign-in tokens are not API tokens; "
                   "`baton users token NAME --api` issues one)")
    else:
        secret = request.cookies.get(SESSION_COOKIE)
        viewer = session_viewer(session, secret, now, settings.session_idle) if secret else None
        problem = "sign in first"
    if viewer is None:
        raise NotSignedIn(problem)
    session.commit()
    return viewer


CurrentUser = Annotated[Viewer, Depends(current_viewer)]


def existing_row_id(value: int) -> int:
    """A well-formed id that no row can have is "not found", not a malformed request.

    Raised from inside validation on purpose: pydantic lets a non-ValueError through, so
    every `{…_id}` route answers 404 (HTML or JSON) without a check in each route."""
    if not 1 <= value <= MAX_ROW_ID:
        raise HTTPException(404)
    return value


RowId = Annotated[int, Path(description="a row id; ids no row can have are 404"),
                  AfterValidator(existing_row_id)]


def require_role(role: Role) -> Any:
    """An `Annotated` alias that lets only `role` and higher through (403 otherwise)."""
    def check(viewer: CurrentUser) -> Viewer:
        if not Role(viewer.user.role).allows(role):
            raise HTTPException(403, f"this needs the {role.value} role; you are "
                                     f"{viewer.user.role}")
        return viewer
    return Annotated[Viewer, Depends(check)]


CoordinatorUser = require_role(Role.coordinator)
AdminUser = require_role(Role.admin)


async def read_form(request: Request) -> dict[str, str]:
    """An urlencoded body as a dict (last value wins); no multipart, no uploads needed."""
    body = await request.body()
    if not body:
        return {}
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != FORM_TYPE:
        raise HTTPException(415, f"send the form as {FORM_TYPE}")
    if len(body) > MAX_FORM_BYTES:
        raise HTTPException(413, "form too large")
    return dict(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))


FormDep = Annotated[dict[str, str], Depends(read_form)]


def checked_form(viewer: CurrentUser, form: FormDep) -> dict[str, str]:
    if not csrf_matches(viewer.csrf_token, form.get("csrf")):
        raise HTTPException(403, "missing or invalid CSRF token: reload the page and try again")
    return form


CsrfForm = Annotated[dict[str, str], Depends(checked_form)]
