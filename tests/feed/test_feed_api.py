"""The JSON API: one error shape everywhere, cursor paging, actions, and its schema."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from feed.users import Role
from model import Severity
from tests.feed.feed_factories import NOW, alert, browser_for, person, user_token


def api(app: FastAPI, engine: Engine, role: Role = Role.viewer) -> TestClient:
    client = TestClient(app)
    client.headers["Authorization"] = f"Bearer {user_token(engine, role)}"
    return client


def seed(engine: Engine, count: int = 3) -> None:
    with Session(engine) as session:
        person(session)
        for n in range(count):
            alert(session, f"alert {n}", task_id=f"t{n}",
                  severity=Severity.critical if n == 0 else Severity.warning)
        session.commit()


def assert_error(answer: Any, status: int, code: str) -> None:
    assert answer.status_code == status
    body = answer.json()
    assert set(body) == {"ok", "error", "code", "status"}
    assert body["ok"] is False and body["status"] == status and body["code"] == code
    assert body["error"]


def test_error_shape_is_the_same_everywhere(app: FastAPI, feed_engine: Engine) -> None:
    seed(feed_engine)
    anonymous = TestClient(app)
    assert_error(anonymous.get("/api/v1/alerts"), 401, "not_signed_in")
    viewer = api(app, feed_engine)
    assert_error(viewer.post("/api/v1/alerts/1/ack", json={}), 403, "forbidden")
    coordinator = api(app, feed_engine, Role.coordinator)
    assert_error(coordinator.get("/api/v1/alerts/999"), 404, "not_found")
    assert_error(coordinator.post("/api/v1/alerts/999/ack", json={}), 404, "not_found")
    assert_error(coordinator.post("/api/v1/alerts/1/snooze", json={}), 409, "conflict")
    assert_error(coordinator.get("/api/v1/alerts?limit=0"), 422, "invalid_request")
    assert_error(coordinator.get("/api/v1/alerts?cursor=abc"), 422, "invalid_request")
    assert_error(coordinator.post("/api/v1/alerts/1/ack", content=b"{"), 422,
                 "invalid_request")
    assert_error(coordinator.get("/api/v1/nothing"), 404, "not_found")
    assert_error(coordinator.delete("/api/v1/alerts"), 405, "method_not_allowed")


def test_list_filters_and_pages(app: FastAPI, feed_engine: Engine) -> None:
    seed(feed_engine, 5)
    client = api(app, feed_engine)
    first = client.get("/api/v1/alerts?limit=2").json()
    assert [a["title"] for a in first["alerts"]] == ["alert 4", "alert 3"]
    second = client.get(f"/api/v1/alerts?limit=2&cursor={first['next_cursor']}").json()
    third = client.get(f"/api/v1/alerts?limit=2&cursor={second['next_cursor']}").json()
    assert [a["title"] for a in second["alerts"] + third["alerts"]] == [
        "alert 2", "alert 1", "alert 0"]
    assert third["next_cursor"] is None
    critical = client.get("/api/v1/alerts?severity=critical").json()["alerts"]
    assert [a["title"] for a in critical] == ["alert 0"]
    assert critical[0]["people"] == [{"email": "ana@agency.example", "name": "Ana Ruiz"}]


def test_nothing_secret_or_raw_leaks(app: FastAPI, feed_engine: Engine) -> None:
    seed(feed_engine, 1)
    text = api(app, feed_engine).get("/api/v1/alerts/1").text
    assert "raw" not in text and "token" not in text and "hash" not in text


def test_coordinator_acts_with_a_bearer_token(app: FastAPI, feed_engine: Engine) -> None:
    seed(feed_engine, 1)
    client = api(app, feed_engine, Role.coordinator)
    body = client.post("/api/v1/alerts/1/snooze", json={
        "until": (NOW.replace(year=2027)).isoformat(), "note": "after the fair"}).json()
    assert body["alert"]["status"] == "snoozed"
    assert body["history"][0]["action"] == "snooze"
    assert body["history"][0]["actor"] == "coordinator-user"


def test_cookie_session_needs_the_csrf_header(app: FastAPI, feed_engine: Engine) -> None:
    seed(feed_engine, 1)
    browser = browser_for(app, feed_engine, Role.coordinator)
    assert_error(browser.client.post("/api/v1/alerts/1/ack", json={}), 403, "forbidden")
    answer = browser.client.post("/api/v1/alerts/1/ack", json={},
                                 headers={"X-CSRF-Token": browser.csrf})
    assert answer.status_code == 200 and answer.json()["alert"]["status"] == "acked"


def test_status_and_people(app: FastAPI, feed_engine: Engine) -> None:
    seed(feed_engine, 1)
    client = api(app, feed_engine)
    streams = client.get("/api/v1/status").json()["streams"]
    assert [(s["source"], s["next_action"].split(":")[0]) for s in streams] == [
        ("asana-main", "never synced"), ("google", "never synced")]
    people = client.get("/api/v1/people").json()["people"]
    assert people[0]["email"] == "ana@agency.example" and people[0]["open_alerts"] == 1
    assert len(people[0]["weeks"]) == 4


def test_schema_lists_only_the_api(app: FastAPI) -> None:
    schema = TestClient(app).get("/api/v1/openapi.json").json()
    assert set(schema["paths"]) == {
        "/api/v1/alerts", "/api/v1/alerts/{alert_id}", "/api/v1/alerts/{alert_id}/{action}",
        "/api/v1/status", "/api/v1/people"}
    listed = schema["paths"]["/api/v1/alerts"]["get"]["responses"]
    assert listed["404"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut")


def test_api_conforms_to_its_schema(app: FastAPI, feed_engine: Engine) -> None:
    """Generated requests (bad ids, odd filters, bodies) must get answers the schema allows."""
    schemathesis = pytest.importorskip("schemathesis")
    from hypothesis import HealthCheck, given, settings

    seed(feed_engine, 2)
    headers = {"Authorization": f"Bearer {user_token(feed_engine, Role.coordinator)}"}
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)

    @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
    def check(case: Any) -> None:
        case.call_and_validate(headers=headers)

    for operation in schema.get_all_operations():
        given(operation.ok().as_strategy())(check)()
