"""The feed's queries and writes on SQLite and PostgreSQL alike."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from baton import database
from feed.users import Role
from model import Severity
from tests.conftest import both_backends
from tests.feed.feed_factories import alert, browser_for, make_app, person, user_token


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
    api = TestClient(app, headers={"Authorization": f"Bearer {user_token(engine, Role.viewer)}"})
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
    url = page.split('value="http://testserver')[1].split('"')[0]
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
