"""Sign in with a token, sign out.

The sign-in form is protected against login CSRF with a double-submit
cookie (there is no session yet to hold a token). A link carrying `?token=`
only fills the form in: signing in is always a POST, never a GET side effect.
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from feed.auth import LOGIN_CSRF_COOKIE, SESSION_COOKIE, csrf_matches, end_session, start_session
from feed.deps import CsrfForm, FormDep, NowDep, SessionDep, SettingsDep
from feed.render import render
from feed.users import TokenKind, user_for_token

router = APIRouter(include_in_schema=False)


def local_target(next_path: str | None) -> str:
    """Only redirect within the feed: `//evil.example` and `https://…` go home instead."""
    if next_path and next_path.startswith("/") and not next_path.startswith(("//", "/\\")):
        return next_path
    return "/"


@router.get("/login")
def login_page(request: Request, token: Annotated[str, Query(max_length=200)] = "",
               next_path: Annotated[str, Query(alias="next", max_length=2000)] = "/"
               ) -> Response:
    csrf = secrets.token_urlsafe(24)
    response = render(request, "login.html", {"login_csrf": csrf, "token": token,
                                              "next_path": local_target(next_path),
                                              "error": None})
    response.set_cookie(LOGIN_CSRF_COOKIE, csrf, httponly=True, samesite="strict",
                        secure=request.app.state.settings.cookie_secure, max_age=3600)
    return response


@router.post("/login")
def login(request: Request, form: FormDep, session: SessionDep, settings: SettingsDep,
          now: NowDep) -> Response:
    if not csrf_matches(request.cookies.get(LOGIN_CSRF_COOKIE), form.get("csrf")):
        return _again(request, "the sign-in form expired: please try again", 403)
    user = user_for_token(session, form.get("token", "").strip(), TokenKind.login, now)
    if user is None:
        return _again(request, "that token is not valid (or was revoked); ask an admin for "
                               "a new one (`baton users token NAME`)", 401)
    secret = start_session(session, user, now, settings.session_lifetime)
    session.commit()
    response = RedirectResponse(local_target(form.get("next")), status_code=303)
    response.set_cookie(SESSION_COOKIE, secret, httponly=True, samesite="lax",
                        secure=settings.cookie_secure,
                        max_age=int(settings.session_lifetime.total_seconds()))
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


def _again(request: Request, error: str, status: int) -> Response:
    csrf = secrets.token_urlsafe(24)
    response = render(request, "login.html", {"login_csrf": csrf, "token": "",
                                              "next_path": "/", "error": error},
                      status_code=status)
    response.set_cookie(LOGIN_CSRF_COOKIE, csrf, httponly=True, samesite="strict",
                        secure=request.app.state.settings.cookie_secure, max_age=3600)
    return response


@router.post("/logout")
def logout(request: Request, form: CsrfForm, session: SessionDep) -> Response:
    secret = request.cookies.get(SESSION_COOKIE)
    if secret:
        end_session(session, secret)
        session.commit()
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
