"""Sign in with a single-use token, sign out.

The sign-in form is protected against login CSRF with a double-submit
cookie (there is no session yet to hold a token). A link carrying `?token=`
signs nobody in by itself: the token moves into a short-lived HttpOnly
cookie and the browser is redirected to `/login` without it, so the address
bar, history and any Referer hold no secret; pressing "Sign in" (a POST) then
spends the token. Link scanners that fetch every URL in an email therefore
cannot burn it, and a copied history entry is worthless.
"""

from __future__ import annotations

import secrets
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from feed.auth import LOGIN_CSRF_COOKIE, SESSION_COOKIE, csrf_matches, end_session, start_session
from feed.deps import CsrfForm, FormDep, NowDep, SessionDep, SettingsDep
from feed.render import render
from feed.users import redeem_signin

router = APIRouter(include_in_schema=False)
SIGNIN_COOKIE = "baton_signin"
"""Holds a sign-in link's token between opening the link and pressing Sign in."""
FORM_SECONDS = 3600
"""How long the sign-in form's cookies last."""


def local_target(next_path: str | None) -> str:
    """Only redirect within the feed: `//evil.example` and `https://…` go home instead."""
    if next_path and next_path.startswith("/") and not next_path.startswith(("//", "/\\")):
        return next_path
    return "/"


@router.get("/login")
def login_page(request: Request, settings: SettingsDep,
               token: Annotated[str, Query(max_length=200)] = "",
               next_path: Annotated[str, Query(alias="next", max_length=2000)] = "/"
               ) -> Response:
    target = local_target(next_path)
    if token:
        response: Response = RedirectResponse(f"/login?{urlencode({'next': target})}",
                                              status_code=303)
        response.set_cookie(SIGNIN_COOKIE, token, httponly=True, samesite="lax",
                            secure=settings.use_secure_cookies, max_age=FORM_SECONDS,
                            path="/login")
        return response
    return _form(request, settings, target, error=None, status=200)


@router.post("/login")
def login(request: Request, form: FormDep, session: SessionDep, settings: SettingsDep,
          now: NowDep) -> Response:
    target = local_target(form.get("next"))
    if not csrf_matches(request.cookies.get(LOGIN_CSRF_COOKIE), form.get("csrf")):
        return _form(request, settings, target,
                     error="the sign-in form expired: please try again", status=403)
    token = form.get("token", "").strip() or request.cookies.get(SIGNIN_COOKIE, "")
    user = redeem_signin(session, token, now)
    if user is None:
        session.rollback()
        response = _form(request, settings, target, pending=False, status=401, error=(
            "that sign-in token does not work: it was used already, has expired or was "
            "revoked; ask an admin for a new one (`baton users token NAME`)"))
        response.delete_cookie(SIGNIN_COOKIE, path="/login")
        return response
    secret = start_session(session, user, now, settings.session_lifetime,
                           settings.session_idle)
    session.commit()
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(SESSION_COOKIE, secret, httponly=True, samesite="lax",
                        secure=settings.use_secure_cookies,
                        max_age=int(settings.session_lifetime.total_seconds()))
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    response.delete_cookie(SIGNIN_COOKIE, path="/login")
    return response


def _form(request: Request, settings: SettingsDep, next_path: str, *, error: str | None,
          status: int, pending: bool | None = None) -> Response:
    """The sign-in form with a fresh double-submit CSRF cookie; `pending` says whether a
    link's token waits in its cookie (then there is nothing to paste)."""
    csrf = secrets.token_urlsafe(24)
    waiting = SIGNIN_COOKIE in request.cookies if pending is None else pending
    response = render(request, "login.html", {
        "login_csrf": csrf, "link_pending": waiting, "next_path": next_path, "error": error,
    }, status_code=status)
    response.set_cookie(LOGIN_CSRF_COOKIE, csrf, httponly=True, samesite="strict",
                        secure=settings.use_secure_cookies, max_age=FORM_SECONDS)
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
