"""Per-user Atom feed (token in the URL, revocable) and the account page that issues it.

The feed token can only read this feed: it sits in a URL that feed readers
store, so it must not be able to sign in or act. Issuing a new one revokes
the old one; the URL is shown once, right after it is made.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from feed.atom import build_feed, changed_at
from feed.deps import CsrfForm, CurrentUser, NowDep, SessionDep, SettingsDep
from feed.queries import AlertFilters, list_alerts
from feed.render import render
from feed.users import TokenKind, issue_token, revoke_tokens, user_for_token

router = APIRouter(include_in_schema=False)
RESOLVED_SHOWN_FOR = timedelta(days=7)
FilterParam = Annotated[str, Query(max_length=320)]


@router.get("/atom/{token}.xml")
def atom_feed(request: Request, token: str, session: SessionDep, settings: SettingsDep,
              now: NowDep, person: FilterParam = "", rule: FilterParam = "",
              severity: FilterParam = "") -> Response:
    """Open and recently changed alerts; resolved ones stay a week so readers see the end."""
    user = user_for_token(session, token, TokenKind.feed, now)
    if user is None:
        raise HTTPException(404, "no such feed (the link may have been revoked)")
    session.commit()
    filters = AlertFilters(person=person, rule=rule, severity=severity, status="all")
    items, _ = list_alerts(session, settings.rules_context, filters, now)
    items = [i for i in items if i.alert.status.value in ("open", "acked", "snoozed")
             or (i.alert.status.value == "resolved" and i.alert.resolved_at is not None
                 and i.alert.resolved_at >= now - RESOLVED_SHOWN_FOR)]
    base = settings.base_url
    body = build_feed(items, changed_at(session, [i.alert.id or 0 for i in items]),
                      feed_id=f"tag:baton,2026:feed:user-{user.id}",
                      title=f"{settings.title} alerts for {user.name}",
                      self_url=f"{base}{request.url.path}", base_url=base, now=now)
    return Response(body, media_type="application/atom+xml; charset=utf-8")


@router.get("/account")
def account_page(request: Request, viewer: CurrentUser) -> Response:
    return render(request, "account.html", {"feed_url": None, "revoked": False},
                  viewer=viewer)


@router.post("/account/feed-token")
def new_feed_token(request: Request, viewer: CurrentUser, form: CsrfForm, session: SessionDep,
                   settings: SettingsDep, now: NowDep) -> Response:
    token = issue_token(session, viewer.user, TokenKind.feed, now)
    session.commit()
    url = f"{settings.base_url}/atom/{token}.xml"
    return render(request, "account.html", {"feed_url": url, "revoked": False}, viewer=viewer)


@router.post("/account/feed-token/revoke")
def revoke_feed_token(request: Request, viewer: CurrentUser, form: CsrfForm,
                      session: SessionDep, now: NowDep) -> Response:
    revoke_tokens(session, viewer.user, now, TokenKind.feed)
    session.commit()
    return render(request, "account.html", {"feed_url": None, "revoked": True}, viewer=viewer)
