"""Signing in and out, tokens, roles: who gets in and what they may do."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from feed.routes.signin import local_target
from feed.users import Role, TokenKind, add_user, hash_token, revoke_user, user_for_token
from model import FeedSession, FeedToken
from tests.feed.feed_factories import CSRF_FIELD, NOW, browser_for, sign_in, user_token


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
    assert "not valid" in answer.text


def test_sign_in_without_the_login_cookie_is_refused(app: FastAPI, feed_engine: Engine) -> None:
    answer = TestClient(app).post("/login", data={"csrf": "x", "token": user_token(
        feed_engine, Role.viewer)})
    assert answer.status_code == 403


def test_a_token_link_only_fills_the_form_in(app: FastAPI, feed_engine: Engine) -> None:
    token = user_token(feed_engine, Role.viewer)
    page = TestClient(app).get(f"/login?token={token}")
    assert page.status_code == 200 and f'value="{token}"' in page.text
    with Session(feed_engine) as session:
        assert session.exec(select(FeedSession)).first() is None


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


def test_new_login_token_revokes_the_old_one(feed_engine: Engine) -> None:
    from feed.users import issue_token

    with Session(feed_engine) as session:
        issued = add_user(session, "ana", Role.viewer, NOW)
        newer = issue_token(session, issued.user, TokenKind.login, NOW)
        assert user_for_token(session, issued.token, TokenKind.login, NOW) is None
        assert user_for_token(session, newer, TokenKind.login, NOW) is not None
        assert user_for_token(session, newer, TokenKind.feed, NOW) is None


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
