"""Contract tests for the Tasks replica: shapes against recorded bodies and the discovery
document, every list parameter and error, and the fault knobs."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from discovery_schema import check_schema
from fastapi.testclient import TestClient

from sandbox.google_tasks import TasksState, create_app
from sandbox.knobs import Clock, Knobs

FIXTURES = Path(__file__).parents[1] / "fixtures"
SPEC = json.loads((FIXTURES / "api-specs/google/tasks.v1.json").read_text())
ACCESS_NOT_CONFIGURED = json.loads(
    (FIXTURES / "api-samples/google/tasks/error_403_accessNotConfigured.json").read_text())
AUTH = {"Authorization": "Bearer sandbox-token"}
START = datetime(2026, 3, 2, 9, 0, 0, 250_000, tzinfo=UTC)

# Structures (keys and JSON types; list items merged) of the recorded tasklists.list and
# tasks.list bodies in the shared api-samples (reference-only/google/tasks/).
TASKLISTS_SHAPE = {"kind": "str", "etag": "str", "items": [{
    "kind": "str", "id": "str", "etag": "str", "title": "str", "updated": "str",
    "selfLink": "str"}]}
TASKS_SHAPE = {"kind": "str", "etag": "str", "nextPageToken": "str", "items": [{
    "kind": "str", "id": "str", "etag": "str", "title": "str", "updated": "str",
    "selfLink": "str", "parent": "str", "position": "str", "status": "str", "due": "str",
    "completed": "str"}]}
# Task fields the 2020 recording lacks but the spec has: notes/deleted/hidden appear only
# when set; links and webViewLink are in later captures (2024) of every task.
TASK_EXTRAS = {"notes", "deleted", "hidden", "links", "webViewLink"}


def merged_shape(value: Any) -> Any:
    """Keys and JSON types, with the items of a list merged into one shape."""
    if isinstance(value, dict):
        return {key: merged_shape(item) for key, item in value.items()}
    if isinstance(value, list):
        merged: dict[str, Any] = {}
        for item in value:
            shaped = merged_shape(item)
            if not isinstance(shaped, dict):
                return [shaped]
            merged.update(shaped)
        return [merged] if value else []
    return type(value).__name__


@pytest.fixture
def state() -> TasksState:
    tasks = TasksState(knobs=Knobs(clock=Clock(START)))
    work = tasks.add_task_list("Work")
    groceries = tasks.add_task(work, "Groceries")
    tasks.add_task(work, "Eggs", parent=groceries)
    tasks.add_task(work, "Weekly goals", due_on=date(2020, 12, 20), notes="Every Monday")
    done = tasks.add_task(work, "Cereal")
    tasks.knobs.clock.advance(timedelta(minutes=5))
    tasks.complete_task(done)
    return tasks


@pytest.fixture
def work(state: TasksState) -> str:
    return list(state.tasklists)[1]


@pytest.fixture
def client(state: TasksState) -> TestClient:
    return TestClient(create_app(state))


def list_tasks(client: TestClient, tasklist: str, **params: Any) -> Any:
    return client.get(f"/tasks/v1/lists/{tasklist}/tasks", params=params, headers=AUTH)


def titles(body: dict[str, Any]) -> list[str]:
    return [t["title"] for t in body.get("items", [])]


def test_tasklists_page_has_the_recorded_structure(client):
    body = client.get("/tasks/v1/users/@me/lists", headers=AUTH).json()
    assert merged_shape(body) == TASKLISTS_SHAPE
    check_schema(body, {"$ref": "TaskLists"}, SPEC)
    assert [item["title"] for item in body["items"]] == ["My Tasks", "Work"]


def test_tasks_page_has_the_recorded_structure(client, work):
    body = list_tasks(client, work, maxResults="2").json()
    body["items"] += list_tasks(client, work, pageToken=body["nextPageToken"]).json()["items"]
    replica = merged_shape(body)
    replica_task, sample_task = replica["items"][0], TASKS_SHAPE["items"][0]
    assert set(replica_task) - set(sample_task) <= TASK_EXTRAS
    assert set(sample_task) <= set(replica_task)
    assert {k: v for k, v in replica_task.items() if k in sample_task} == sample_task
    assert {k: v for k, v in replica.items() if k != "items"} == {
        k: v for k, v in TASKS_SHAPE.items() if k != "items"}
    check_schema(body, {"$ref": "Tasks"}, SPEC)
    assert {t["status"] for t in body["items"]} == {"needsAction", "completed"}


def test_task_values_follow_the_recordings(client, state, work):
    body = list_tasks(client, work).json()
    by_title = {t["title"]: t for t in body["items"]}
    goals, cereal, eggs = by_title["Weekly goals"], by_title["Cereal"], by_title["Eggs"]
    assert goals["due"] == "2020-12-20T00:00:00.000Z" and goals["notes"] == "Every Monday"
    assert cereal["completed"] == "2026-03-02T09:05:00.000Z" == cereal["updated"]
    assert eggs["parent"] == by_title["Groceries"]["id"]
    assert goals["position"] == "00000000000000000001" and len(goals["position"]) == 20
    assert goals["selfLink"] == (f"https://www.googleapis.com/tasks/v1/lists/{work}/tasks/"
                                 f"{goals['id']}")
    raw_id = goals["webViewLink"].rsplit("/", 1)[1]
    assert goals["id"] == state.tasks[goals["id"]].id and goals["links"] == []
    assert base64.urlsafe_b64encode(raw_id.encode()).decode().rstrip("=") == goals["id"]
    lists = client.get("/tasks/v1/users/@me/lists", headers=AUTH).json()["items"]
    assert lists[1]["updated"] == "2026-03-02T09:05:00.250Z"
    assert body["etag"] == lists[1]["etag"]


def test_newest_updated_first(client, state, work):
    state.knobs.clock.advance(timedelta(seconds=1))
    state.update_task(next(iter(state.tasks)), title="Groceries (edited)")
    assert titles(list_tasks(client, work).json())[:2] == ["Groceries (edited)", "Cereal"]


def test_default_list_alias(client, state):
    state.add_task(state.default_list_id, "In my tasks")
    assert titles(list_tasks(client, "@default").json()) == ["In my tasks"]


def test_max_results_defaults_to_20_and_caps_at_100(client, state):
    big = state.add_task_list("Big")
    for i in range(120):
        state.add_task(big, f"Task {i}")
    assert len(list_tasks(client, big).json()["items"]) == 20
    assert len(list_tasks(client, big, maxResults="500").json()["items"]) == 100
    assert len(list_tasks(client, big, maxResults="0").json()["items"]) == 20


def test_tasklists_page_with_max_results(client, state):
    for i in range(3):
        state.add_task_list(f"List {i}")
    pages, params = [], {"maxResults": "2"}
    while not pages or "nextPageToken" in pages[-1]:
        pages.append(client.get("/tasks/v1/users/@me/lists", params=params,
                                headers=AUTH).json())
        params["pageToken"] = pages[-1].get("nextPageToken", "")
    assert [len(page["items"]) for page in pages] == [2, 2, 1]
    assert [i["title"] for page in pages for i in page["items"]][-1] == "List 2"


def test_completed_deleted_and_hidden_visibility(client, state, work):
    eggs = next(k for k, t in state.tasks.items() if t.title == "Eggs")
    state.delete_task(eggs)
    state.clear_completed(work)
    everything = list_tasks(client, work, showDeleted="true", showHidden="true").json()
    flagged = {t["title"]: (t.get("deleted"), t.get("hidden")) for t in everything["items"]}
    assert flagged["Eggs"] == (True, None) and flagged["Cereal"] == (None, True)
    assert titles(list_tasks(client, work).json()) == ["Weekly goals", "Groceries"]
    assert "Cereal" not in titles(list_tasks(client, work, showHidden="true",
                                             showCompleted="false").json())


def test_completing_in_google_apps_hides_at_once(client, state, work):
    goals = next(k for k, t in state.tasks.items() if t.title == "Weekly goals")
    state.complete_task(goals, in_google_app=True)
    assert "Weekly goals" not in titles(list_tasks(client, work).json())
    assert "Weekly goals" in titles(list_tasks(client, work, showHidden="true").json())


def test_only_completed_tasks_hide(client, state, work):
    cereal = next(k for k, t in state.tasks.items() if t.title == "Cereal")
    goals = next(k for k, t in state.tasks.items() if t.title == "Weekly goals")
    with pytest.raises(ValueError):
        state.hide_task(goals)
    state.hide_task(cereal)
    assert "Cereal" not in titles(list_tasks(client, work).json())
    assert "Cereal" in titles(list_tasks(client, work, showHidden="true").json())


def test_deleting_a_parent_deletes_its_subtasks(client, state, work):
    state.delete_task(next(iter(state.tasks)))
    deleted = [t["title"] for t in list_tasks(client, work, showDeleted="true").json()["items"]
               if t.get("deleted")]
    assert sorted(deleted) == ["Eggs", "Groceries"]


@pytest.mark.parametrize(("params", "expected"), [
    ({"updatedMin": "2026-03-02T09:05:00Z"}, ["Cereal"]),
    ({"updatedMin": "2026-03-02T09:05:00.001Z"}, []),
    ({"completedMin": "2026-03-02T09:00:00Z"}, ["Cereal"]),
    ({"completedMax": "2026-03-02T09:04:00Z"}, []),
    ({"dueMin": "2020-12-20T00:00:00Z", "dueMax": "2020-12-20T00:00:00Z"}, ["Weekly goals"]),
    ({"dueMax": "2020-12-19T00:00:00Z"}, []),
    ({"showCompleted": "false"}, ["Weekly goals", "Eggs", "Groceries"]),
])
def test_time_filters(client, work, params, expected):
    assert titles(list_tasks(client, work, **params).json()) == expected


@pytest.mark.parametrize("params", [{"updatedMin": "yesterday"},
                                    {"updatedMin": "2026-03-02T09:00:00"},
                                    {"maxResults": "lots"}, {"maxResults": "-1"},
                                    {"showDeleted": "maybe"}, {"pageToken": "garbage"}])
def test_bad_parameters_are_400_invalid(client, work, params):
    response = list_tasks(client, work, **params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["errors"][0]["reason"] == "invalid" and error["status"] == "INVALID_ARGUMENT"


def test_unknown_task_list_is_400(client):
    response = list_tasks(client, "bm90LWEtbGlzdA")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "Invalid task list ID"


def test_a_deleted_list_and_its_tasks_are_gone(client, state, work):
    """Unlike a deleted task, a deleted list leaves nothing behind, even with showDeleted."""
    state.delete_task_list(work)
    lists = client.get("/tasks/v1/users/@me/lists", headers=AUTH).json()
    assert [item["title"] for item in lists["items"]] == ["My Tasks"]
    assert list_tasks(client, work, showDeleted="true").status_code == 400
    assert not any(t.tasklist_id == work for t in state.tasks.values())
    with pytest.raises(ValueError, match="default task list"):
        state.delete_task_list(state.default_list_id)


def test_disabled_api_answers_the_recorded_403(client, state, work):
    state.api_enabled = False
    for path in ("/tasks/v1/users/@me/lists", f"/tasks/v1/lists/{work}/tasks"):
        response = client.get(path, headers=AUTH)
        assert response.status_code == 403
        assert merged_shape(response.json()) == merged_shape(ACCESS_NOT_CONFIGURED)
        error, recorded = response.json()["error"], ACCESS_NOT_CONFIGURED["error"]
        assert error["errors"][0] == {**recorded["errors"][0],
                                      "message": error["errors"][0]["message"]}
        assert (error["code"], error["status"]) == (recorded["code"], recorded["status"])
        assert f"project {state.project_number} before" in error["message"]


def test_missing_and_invalid_credentials_are_401(state, work):
    client = TestClient(create_app(state, authorize=lambda request: False))
    missing = client.get(f"/tasks/v1/lists/{work}/tasks")
    assert missing.status_code == 401 and missing.json()["error"]["errors"][0]["reason"] \
        == "required"
    invalid = client.get(f"/tasks/v1/lists/{work}/tasks", headers=AUTH)
    assert invalid.json()["error"]["errors"][0]["reason"] == "authError"
    assert invalid.json()["error"]["status"] == "UNAUTHENTICATED"
    assert invalid.headers["WWW-Authenticate"].endswith('error="invalid_token"')


def test_unknown_route_is_googles_html_404(client):
    response = client.get("/tasks/v2/lists", headers=AUTH)
    assert response.status_code == 404 and "text/html" in response.headers["content-type"]


def test_status_fault_and_counters(client, state, work):
    state.knobs.fail_next(1, 503, path_contains="/tasks/v1/lists/")
    assert list_tasks(client, work).status_code == 503
    assert list_tasks(client, work).status_code == 200
    assert state.knobs.counters["GET /tasks/v1/lists/{tasklist}/tasks"] == 1


@pytest.mark.parametrize("path_part", ["/users/@me/lists", "/tasks"])
def test_malformed_fault_drops_one_id(client, state, work, path_part):
    state.knobs.malform_next(1, path_contains=path_part)
    path = "/tasks/v1/users/@me/lists" if "users" in path_part else f"/tasks/v1/lists/{work}/tasks"
    items = client.get(path, headers=AUTH).json()["items"]
    assert "id" not in items[0] and all("id" in item for item in items[1:])
    assert all("id" in item for item in client.get(path, headers=AUTH).json()["items"])


def test_truncated_fault_cuts_the_body(client, state, work):
    state.knobs.truncate_next(1, path_contains="/tasks")
    with pytest.raises(json.JSONDecodeError):
        json.loads(list_tasks(client, work).content)
    assert list_tasks(client, work).json()["items"]
