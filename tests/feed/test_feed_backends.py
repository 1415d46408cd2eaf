"""The feed's queries and writes on SQLite and PostgreSQL alike."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from baton import database
from feed.users import Role
from model import FeedSession, FeedToken, Severity
from tests.conftest import both_backends
from tests.feed.feed_factories import (
    BASE_URL,
    alert,
    api_token,
    browser_for,
    make_app,
    person,
)


@both_backends
def test_list_act_and_history(engine: Engine) -> None:
    database.upgrade(engine)
    with Session(engine) as session:
        person(session)
        alert(session, severity=Severity.critical)
        alert(session, "Second", task_id="t2")
        session.commit()
    app = make_app(engine)
    browser = browser_for(app, engine, Role.coordinator)
    assert "Ana Ruiz" in browser.client.get("/?person=ana@agency.example").text
    assert browser.post("/alerts/1/ack", {"note": "mine"}).status_code == 303
    assert "mine" in browser.client.get("/alerts/1").text
    api = TestClient(app, headers={"Authorization": f"Bearer {api_token(engine, Role.viewer)}"})
    assert [a["status"] for a in api.get("/api/v1/alerts").json()["alerts"]] == [
        "open", "acked"]


@both_backends
def test_atom_updated_is_utc_on_both_backends(engine: Engine) -> None:
    database.upgrade(engine)
    with Session(engine) as session:
        alert(session)
        session.commit()
    app = make_app(engine)
    browser = browser_for(app, engine, Role.viewer)
    page = browser.post("/account/feed-token").text
    url = page.split(f'value="{BASE_URL}')[1].split('"')[0]
    root = ET.fromstring(TestClient(app).get(url).content)
    atom = "{http://www.w3.org/2005/Atom}"
    updated = root.findtext(f"{atom}entry/{atom}updated")
    assert updated == "2026-11-25T08:00:00Z"


@both_backends
def test_rules_save_on_both_backends(engine: Engine) -> None:
    database.upgrade(engine)
    app = make_app(engine)
    browser = browser_for(app, engine, Role.admin)
    answer = browser.post("/admin/rules", {"text": "rules: []\n", "op": "save"})
    assert answer.status_code == 303
    assert "Version 1" in browser.client.get("/admin/rules").text


@both_backends
def test_upgrade_retires_permanent_sign_in_tokens(engine: Engine) -> None:
    """Before 0004 a login token never expired and was an API token too: the upgrade
    revokes the live ones and counts open sessions as last seen when they began."""
    database.upgrade(engine, "0002")
    began = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    with engine.begin() as db:
        db.execute(sa.text("INSERT INTO feed_user (id, name, role, created_at) "
                           "VALUES (1, 'ana', 'admin', :t)"), {"t": began})
        db.execute(sa.text(
            "INSERT INTO feed_token (user_id, kind, token_hash, created_at, revoked_at) VALUES "
            "(1, 'login', 'live-login', :t, NULL), (1, 'login', 'old-login', :t, :t), "
            "(1, 'feed', 'live-feed', :t, NULL)"), {"t": began})
        db.execute(sa.text(
            "INSERT INTO feed_session (user_id, token_hash, csrf_token, created_at, expires_at) "
            "VALUES (1, 'browser', 'csrf', :t, :later)"),
            {"t": began, "later": began + timedelta(days=14)})
    database.upgrade(engine)
    with Session(engine) as session:
        tokens = {t.token_hash: t for t in session.exec(select(FeedToken))}
        browser = session.exec(select(FeedSession)).one()
    assert tokens["live-login"].revoked_at is not None
    assert tokens["old-login"].revoked_at == began
    assert tokens["live-feed"].revoked_at is None
    assert browser.last_seen_at == began
