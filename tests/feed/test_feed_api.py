"""The JSON API: one error shape everywhere, cursor paging, actions, and its schema."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import Session

from feed.app import ROUTERS
from feed.queries import STATUS_CHOICES
from feed.users import Role
from model import AlertStatus, Severity
from tests.feed.feed_factories import (
    NOW,
    alert,
    api_token,
    browser_for,
    person,
    sign_in,
    user_token,
)


def api(app: FastAPI, engine: Engine, role: Role = Role.viewer, name: str | None = None
        ) -> TestClient:
    client = TestClient(app)
    client.headers["Authorization"] = f"Bearer {api_token(engine, role, name)}"
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
    assert_error(coordinator.post("/api/v1/alerts/1/snooze", json={}), 422, "invalid_request")
    assert coordinator.post("/api/v1/alerts/1/resolve", json={}).status_code == 200
    assert_error(coordinator.post("/api/v1/alerts/1/resolve", json={}), 409, "conflict")
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
        "until": IN_A_WEEK.isoformat(), "note": "after the fair"}).json()
    assert body["alert"]["status"] == "snoozed"
    assert body["history"][0]["action"] == "snooze"
    assert body["history"][0]["actor"] == "coordinator-script"


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
        "/api/v1/alerts", "/api/v1/alerts/{alert_id}", "/api/v1/alerts/{alert_id}/snooze",
        "/api/v1/alerts/{alert_id}/{action}", "/api/v1/status", "/api/v1/people"}
    listed = schema["paths"]["/api/v1/alerts"]["get"]["responses"]
    assert listed["404"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut")


def test_api_conforms_to_its_schema(app: FastAPI, feed_engine: Engine) -> None:
    """Generated requests (bad ids, odd filters, bodies) must get answers the schema allows."""
    schemathesis = pytest.importorskip("schemathesis")
    from hypothesis import HealthCheck
    from schemathesis.specs.openapi.checks import positive_data_acceptance

    seed(feed_engine, 2)
    headers = {"Authorization": f"Bearer {api_token(feed_engine, Role.coordinator)}"}
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)

    @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
    def check(case: Any) -> None:
        # A snooze end must lie within 90 days of now, which JSON Schema cannot say:
        # test_no_snooze_end_is_a_server_error covers every instant instead.
        horizon = case.operation.path.endswith("/snooze")
        case.call_and_validate(headers=headers, excluded_checks=(
            [positive_data_acceptance] if horizon else None))

    for operation in schema.get_all_operations():
        given(operation.ok().as_strategy())(check)()


IN_A_WEEK = NOW + timedelta(days=7)


@pytest.mark.parametrize(("until", "problem"), [
    (None, "body.until"),
    ("2026-12-01T09:00:00", "needs a UTC offset"),
    ("2026-11-25T09:59:59Z", "must end in the future"),
    ((NOW + timedelta(days=90, seconds=1)).isoformat(), "at most 90 days"),
    ("9999-12-31T23:59:59+00:00", "at most 90 days"),
    ("9999-12-31T23:59:59-23:59", "at most 90 days"),
    ("0001-01-01T00:00:00+23:59", "must end in the future"),
    ("2026-12-01", "needs a UTC offset"),
    ("next week", "valid datetime"),
])
def test_a_bad_snooze_end_is_422_json(app: FastAPI, feed_engine: Engine, until: str | None,
                                      problem: str) -> None:
    seed(feed_engine, 1)
    client = api(app, feed_engine, Role.coordinator)
    answer = client.post("/api/v1/alerts/1/snooze", json={"until": until})
    assert_error(answer, 422, "invalid_request")
    assert problem in answer.json()["error"]
    assert client.get("/api/v1/alerts/1").json()["alert"]["status"] == "open"


@pytest.mark.parametrize("until", [
    NOW + timedelta(seconds=1), NOW + timedelta(days=90),
    (NOW + timedelta(days=30)).astimezone(timezone(timedelta(hours=-9, minutes=-30)))])
def test_a_snooze_within_the_horizon_is_taken_as_given(app: FastAPI, feed_engine: Engine,
                                                       until: datetime) -> None:
    seed(feed_engine, 1)
    answer = api(app, feed_engine, Role.coordinator).post(
        "/api/v1/alerts/1/snooze", json={"until": until.isoformat()})
    assert answer.status_code == 200
    assert datetime.fromisoformat(answer.json()["alert"]["snoozed_until"]) == until


OFFSETS = st.integers(-1439, 1439).map(lambda minutes: timezone(timedelta(minutes=minutes)))
"""Every offset RFC 3339 can write (whole minutes, under a day)."""


def test_no_snooze_end_is_a_server_error(app: FastAPI, feed_engine: Engine) -> None:
    """Any instant at all, with or without an offset: stored within the horizon, else 422."""
    seed(feed_engine, 1)
    client = api(app, feed_engine, Role.coordinator)

    @settings(max_examples=150, deadline=None)
    @given(st.one_of(st.datetimes(timezones=st.one_of(st.none(), OFFSETS)),
                     st.datetimes(min_value=datetime(2026, 11, 1),
                                  max_value=datetime(2027, 3, 1), timezones=OFFSETS)))
    def check(until: datetime) -> None:
        answer = client.post("/api/v1/alerts/1/snooze", json={"until": until.isoformat()})
        fits = until.tzinfo is not None and NOW < until <= NOW + timedelta(days=90)
        assert answer.status_code == (200 if fits else 422), answer.text
        if fits:
            assert client.post("/api/v1/alerts/1/ack", json={}).status_code == 200

    check()


def test_every_status_the_page_offers_filters_the_api(app: FastAPI, feed_engine: Engine
                                                      ) -> None:
    with Session(feed_engine) as session:
        for status in AlertStatus:
            alert(session, f"{status.value} alert", task_id=status.value, status=status)
        session.commit()
    client = api(app, feed_engine)
    expected = {"active": {"open", "acked", "snoozed"}, "all": {s.value for s in AlertStatus}
                - {"pending", "retired"}} | {s.value: {s.value} for s in AlertStatus}
    assert set(expected) == set(STATUS_CHOICES)
    page = sign_in(app, user_token(feed_engine, Role.viewer, "page-reader")).client
    for status, statuses in expected.items():
        answer = client.get(f"/api/v1/alerts?status={status}")
        assert answer.status_code == 200, (status, answer.text)
        assert {a["status"] for a in answer.json()["alerts"]} == statuses, status
        shown = page.get(f"/?status={status}").text
        assert all(f"{s} alert" in shown for s in statuses), status
    assert_error(client.get("/api/v1/alerts?status=bogus"), 422, "invalid_request")


ROW_IDS_NO_ROW_CAN_HAVE = ["0", "2147483648", "9223372036854775807", "9223372036854775808",
                           "18446744073709551616", "9" * 40]
PATH_FILLERS = {"action": "ack", "verb": "refute"}


def id_routes() -> list[tuple[str, str]]:
    """Every (method, path) of the app with a `{…_id}` segment: new routes are covered too."""
    found = []
    for route in (r for router in ROUTERS for r in router.routes):
        path = getattr(route, "path", "")
        if isinstance(route, APIRoute) and re.search(r"\{\w+_id\}", path):
            filled = re.sub(r"\{(\w+)\}", lambda m: PATH_FILLERS.get(m.group(1), "{id}"), path)
            found += [(method, filled) for method in sorted(route.methods)]
    return found


def test_an_id_no_row_can_have_is_404_on_every_id_route(app: FastAPI, feed_engine: Engine
                                                        ) -> None:
    routes = id_routes()
    assert {("GET", "/api/v1/alerts/{id}"), ("POST", "/alerts/{id}/ack"),
            ("POST", "/admin/links/{id}/refute")} <= set(routes)
    browser = browser_for(app, feed_engine, Role.admin)
    bearer = api(app, feed_engine, Role.admin, "script")
    for method, template in routes:
        for row_id in ROW_IDS_NO_ROW_CAN_HAVE:
            path = template.format(id=row_id)
            if path.startswith("/api/"):
                answer = bearer.request(method, path, json={})
                assert_error(answer, 404, "not_found")
            else:
                answer = (browser.post(path) if method == "POST"
                          else browser.client.get(path))
                assert answer.status_code == 404, (method, path, answer.text[:200])
                assert "nothing at" in answer.text
    assert_error(bearer.get("/api/v1/alerts/abc"), 422, "invalid_request")


def test_schema_declares_bearer_auth_for_every_operation(app: FastAPI) -> None:
    schema = TestClient(app).get("/api/v1/openapi.json").json()
    assert schema["components"]["securitySchemes"]["bearer"] == {
        "type": "http", "scheme": "bearer",
        "description": "An API token: `baton users token NAME --api` prints one."}
    operations = [op for item in schema["paths"].values() for op in item.values()]
    assert operations and all(op["security"] == [{"bearer": []}] for op in operations)
