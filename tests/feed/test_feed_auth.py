"""Signing in and out, token kinds and lifetimes, sessions, roles: who gets in, for how
long, and what they may do."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from feed.app import create_app
from feed.routes.signin import local_target
from feed.users import (
    SIGNIN_LIFETIME,
    Role,
    TokenKind,
    UserError,
    add_user,
    find_user,
    hash_token,
    issue_signin,
    issue_token,
    list_tokens,
    redeem_signin,
    revoke_token,
    revoke_user,
    token_state,
)
from model import FeedSession, FeedToken
from tests.feed.feed_factories import (
    CSRF_FIELD,
    NOW,
    api_token,
    browser_for,
    make_app,
    settings_for,
    sign_in,
    user_token,
)


def test_tokens_are_stored_hashed(feed_engine: Engine) -> None:
    token = user_token(feed_engine, Role.viewer)
    with Session(feed_engine) as session:
        stored = session.exec(select(FeedToken)).one()
    assert stored.token_hash == hash_token(token) and token not in stored.token_hash


def test_sign_in_sets_an_httponly_samesite_cookie(app: FastAPI, feed_engine: Engine) -> None:
    client = TestClient(app)
    page = client.get("/login")
    csrf = CSRF_FIELD.search(page.text)
    assert csrf is not None
    answer = client.post("/login", data={"csrf": csrf.group(1), "next": "/people",
                                         "token": user_token(feed_engine, Role.viewer)},
                         follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/people"
    cookie = answer.headers["set-cookie"]
    assert "baton_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie


def test_wrong_token_is_refused(app: FastAPI) -> None:
    client = TestClient(app)
    csrf = CSRF_FIELD.search(client.get("/login").text)
    assert csrf is not None
    answer = client.post("/login", data={"csrf": csrf.group(1), "token": "nope"})
    assert answer.status_code == 401
    assert "does not work" in answer.text


def test_sign_in_without_the_login_cookie_is_refused(app: FastAPI, feed_engine: Engine) -> None:
    answer = TestClient(app).post("/login", data={"csrf": "x", "token": user_token(
        feed_engine, Role.viewer)})
    assert answer.status_code == 403


def test_a_sign_in_link_leaves_no_token_in_the_address(app: FastAPI, feed_engine: Engine
                                                       ) -> None:
    token = user_token(feed_engine, Role.viewer)
    client = TestClient(app)
    opened = client.get(f"/login?token={token}&next=/people", follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"] == "/login?next=%2Fpeople"
    assert opened.headers["cache-control"] == "no-store"
    kept = opened.headers["set-cookie"]
    assert "baton_signin=" in kept and "HttpOnly" in kept and "Path=/login" in kept
    with Session(feed_engine) as session:
        assert session.exec(select(FeedSession)).first() is None  # opening is not signing in
    page = client.get(opened.headers["location"])
    assert "Your sign-in link is ready" in page.text and token not in page.text
    csrf = CSRF_FIELD.search(page.text)
    assert csrf is not None
    done = client.post("/login", data={"csrf": csrf.group(1), "next": "/people"},
                       follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/people"
    assert token not in done.headers["location"]
    assert 'baton_signin=""' in done.headers["set-cookie"]  # the link's cookie is cleared
    assert client.get("/people", follow_redirects=False).status_code == 200


def sign_in_answer(app: FastAPI, token: str) -> int:
    client = TestClient(app)
    csrf = CSRF_FIELD.search(client.get("/login").text)
    assert csrf is not None
    return client.post("/login", data={"csrf": csrf.group(1), "token": token},
                       follow_redirects=False).status_code


def test_a_sign_in_token_works_once(app: FastAPI, feed_engine: Engine) -> None:
    token = user_token(feed_engine, Role.viewer)
    assert sign_in_answer(app, token) == 303
    assert sign_in_answer(app, token) == 401
    with Session(feed_engine) as session:
        row = session.exec(select(FeedToken)).one()
    assert row.last_used_at == row.revoked_at == NOW and token_state(row, NOW) == "used"


@pytest.mark.parametrize(("valid_for", "later", "status"), [
    (SIGNIN_LIFETIME, timedelta(minutes=14, seconds=59), 303),
    (SIGNIN_LIFETIME, timedelta(minutes=15), 401),
    (timedelta(hours=2), timedelta(minutes=119), 303),
    (timedelta(hours=2), timedelta(hours=2, seconds=1), 401),
])
def test_a_sign_in_token_expires(feed_engine: Engine, valid_for: timedelta,
                                 later: timedelta, status: int) -> None:
    with Session(feed_engine) as session:
        add_user(session, "ana", Role.viewer, NOW - timedelta(days=1))
        token = issue_signin(session, find_user(session, "ana"), NOW, valid_for)
        session.commit()
    assert sign_in_answer(make_app(feed_engine, now=NOW + later), token) == status


def test_sign_in_lifetime_is_bounded(feed_engine: Engine) -> None:
    with Session(feed_engine) as session:
        user = add_user(session, "ana", Role.viewer, NOW).user
        for wrong in (timedelta(0), timedelta(days=1, seconds=1)):
            with pytest.raises(UserError, match="between 1 minute and 1440 minutes"):
                issue_signin(session, user, NOW, wrong)


def test_token_kinds_never_stand_in_for_each_other(app: FastAPI, feed_engine: Engine) -> None:
    signin = user_token(feed_engine, Role.viewer, "ana")
    with Session(feed_engine) as session:
        ana = find_user(session, "ana")
        api = issue_token(session, ana, TokenKind.api, NOW, label="script")
        feed = issue_token(session, ana, TokenKind.feed, NOW)
        session.commit()
    for wrong in (signin, feed):
        answer = TestClient(app).get("/api/v1/alerts", headers={"Authorization":
                                                                 f"Bearer {wrong}"})
        assert answer.status_code == 401 and "not a live API token" in answer.json()["error"]
    assert TestClient(app).get("/api/v1/alerts", headers={
        "Authorization": f"Bearer {api}"}).status_code == 200
    assert sign_in_answer(app, api) == 401 and sign_in_answer(app, feed) == 401
    assert TestClient(app).get(f"/atom/{api}.xml").status_code == 404
    assert sign_in_answer(app, signin) == 303  # still unspent after all that


def test_api_tokens_are_revoked_one_by_one(app: FastAPI, feed_engine: Engine) -> None:
    with Session(feed_engine) as session:
        ana = add_user(session, "ana", Role.viewer, NOW).user
        first = issue_token(session, ana, TokenKind.api, NOW, label="cron")
        second = issue_token(session, ana, TokenKind.api, NOW, label="dashboard")
        session.commit()
        first_id = session.exec(select(FeedToken).where(FeedToken.label == "cron")).one().id

    def status(token: str) -> int:
        return TestClient(app).get("/api/v1/status", headers={
            "Authorization": f"Bearer {token}"}).status_code

    assert (status(first), status(second)) == (200, 200)
    with Session(feed_engine) as session:
        revoke_token(session, first_id or 0, NOW)
        session.commit()
        states = {t.label: token_state(t, NOW) for t, _ in list_tokens(session)}
    assert (status(first), status(second)) == (401, 200)
    assert states == {None: "live", "cron": "revoked", "dashboard": "live"}  # None: sign-in


class Clock:
    """The feed's clock, moved by the test between requests."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.mark.parametrize(("pauses", "still_in"), [
    ([timedelta(hours=11, minutes=59)] * 4, True),      # busy enough: 48 h in and counting
    ([timedelta(hours=6), timedelta(hours=12)], False),  # 12 h without a request
    ([timedelta(hours=11)] * 15, True),                 # 165 h: just inside the week
    ([timedelta(hours=11)] * 16, False),                # 176 h: past the absolute limit
])
def test_sessions_end_when_idle_or_old(feed_engine: Engine, pauses: list[timedelta],
                                       still_in: bool) -> None:
    clock = Clock()
    app = create_app(replace(settings_for(), clock=clock), feed_engine)
    browser = sign_in(app, user_token(feed_engine, Role.viewer))
    for pause in pauses[:-1]:
        clock.now += pause
        assert browser.client.get("/", follow_redirects=False).status_code == 200
    clock.now += pauses[-1]
    answer = browser.client.get("/", follow_redirects=False)
    assert answer.status_code == (200 if still_in else 303)


def test_next_never_leaves_the_site() -> None:
    assert local_target("/alerts/3") == "/alerts/3"
    for hostile in ("//evil.example", "https://evil.example", "/\\evil.example", ""):
        assert local_target(hostile) == "/"


def test_sign_out_ends_the_session(app: FastAPI, feed_engine: Engine) -> None:
    browser = browser_for(app, feed_engine, Role.viewer)
    assert browser.post("/logout").status_code == 303
    assert browser.client.get("/", follow_redirects=False).status_code == 303


def test_revoked_user_is_locked_out_of_open_sessions(app: FastAPI, feed_engine: Engine) -> None:
    browser = sign_in(app, user_token(feed_engine, Role.viewer, "ana"))
    with Session(feed_engine) as session:
        revoke_user(session, "ana", NOW)
        session.commit()
    assert browser.client.get("/", follow_redirects=False).status_code == 303


def test_new_sign_in_token_revokes_the_unused_old_one(feed_engine: Engine) -> None:
    with Session(feed_engine) as session:
        issued = add_user(session, "ana", Role.viewer, NOW)
        newer = issue_signin(session, issued.user, NOW)
        assert redeem_signin(session, issued.token, NOW) is None
        assert redeem_signin(session, newer, NOW) is not None
        assert redeem_signin(session, newer, NOW) is None


def test_roles_are_ordered() -> None:
    assert Role.admin.allows(Role.coordinator) and Role.coordinator.allows(Role.viewer)
    assert not Role.viewer.allows(Role.coordinator)
    assert not Role.coordinator.allows(Role.admin)


def test_coordinator_cannot_edit_rules(app: FastAPI, feed_engine: Engine) -> None:
    browser = browser_for(app, feed_engine, Role.coordinator)
    assert browser.client.get("/admin/rules").status_code == 403
    answer = browser.post("/admin/rules", {"text": "rules: []", "op": "save"})
    assert answer.status_code == 403
    assert browser.client.get("/admin/people").status_code == 403
    assert browser.post("/admin/links/1/refute").status_code == 403


def test_pages_send_security_headers(app: FastAPI, feed_engine: Engine) -> None:
    answer = browser_for(app, feed_engine, Role.viewer).client.get("/")
    assert "script-src 'none'" in answer.headers["content-security-policy"]
    assert answer.headers["referrer-policy"] == "same-origin"


def test_nothing_but_static_files_may_be_cached(app: FastAPI, feed_engine: Engine) -> None:
    browser = browser_for(app, feed_engine, Role.viewer)
    feed_link = browser.post("/account/feed-token")
    bearer = api_token(feed_engine, Role.viewer)
    api = TestClient(app, headers={"Authorization": f"Bearer {bearer}"})
    answers = [browser.client.get(path) for path in ("/", "/people", "/status", "/account")]
    answers += [feed_link, api.get("/api/v1/alerts"), api.get("/api/v1/openapi.json"),
                TestClient(app).get("/login?token=abc", follow_redirects=False),
                TestClient(app).get("/login"), TestClient(app).get("/nothing")]
    for answer in answers:
        assert answer.headers["cache-control"] == "no-store", answer.url
    assert "no-store" not in TestClient(app).get("/static/feed.css").headers.get(
        "cache-control", "")


@pytest.mark.parametrize(("base_url", "cookie_secure", "secure"), [
    ("https://feed.example", False, True),
    ("https://feed.example/baton", False, True),
    ("http://feed.example", True, True),
    ("http://feed.example", False, False),
])
def test_https_turns_on_secure_cookies_and_hsts(feed_engine: Engine, base_url: str,
                                                cookie_secure: bool, secure: bool) -> None:
    settings = replace(settings_for(), base_url=base_url, cookie_secure=cookie_secure)
    client = TestClient(create_app(settings, feed_engine), base_url="https://feed.example")
    token = user_token(feed_engine, Role.viewer)
    opened = client.get(f"/login?token={token}", follow_redirects=False)
    form = client.get("/login")
    csrf = CSRF_FIELD.search(form.text)
    assert csrf is not None
    done = client.post("/login", data={"csrf": csrf.group(1)}, follow_redirects=False)
    assert done.status_code == 303
    for answer, name in ((opened, "baton_signin"), (form, "baton_login_csrf"),
                         (done, "baton_session")):
        cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith(name))
        assert ("; Secure" in cookie) is secure, cookie
    hsts = done.headers.get("strict-transport-security")
    assert hsts == ("max-age=31536000" if base_url.startswith("https") else None)
