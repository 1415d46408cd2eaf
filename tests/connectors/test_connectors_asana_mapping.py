"""Asana mapping on the recorded samples (tests/fixtures/api-samples/asana): the sample wins.

Each test serves one sample to one pure mapper and checks the fields the model
cares about. Shapes missing from the samples (custom field values, section
memberships, dependencies) are derived from a sample inside the test, saying how.
The documented error bodies go through the real client's error sorting as the SDK
raises them (`ApiException` over a urllib3 response); nothing is sent.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import urllib3
from asana.rest import ApiException, RESTResponse

from connectors.asana.client import AsanaClient
from connectors.asana.mapping import MapContext, map_identity, map_project, map_task
from connectors.errors import ConnectorError, RecordInvalid, Retriable, SourceStopped
from connectors.policy import CallPolicy, Scrubber
from model import RecordState

SAMPLES = Path(__file__).parents[1] / "fixtures" / "api-samples" / "asana"
CTX = MapContext("asana-test", project="1214299875377461",
                 synced_projects=frozenset({"1214299875377461", "1211440849237745"}))


def sample(name: str) -> Any:
    return json.loads((SAMPLES / name).read_text())["data"]


def test_every_task_of_the_project_listing_sample_maps() -> None:
    raws = sample("tasks_by_project_opt_fields.json")
    mapped = [map_task(raw, CTX) for raw in raws]
    first = mapped[0].task
    assert [m.task.external_id for m in mapped] == [r["gid"] for r in raws]
    assert first.title == "Nango test with other project"
    assert first.state is RecordState.active
    assert first.remote_updated_at == datetime(2026, 4, 27, 14, 32, 53, 495000, tzinfo=UTC)
    assert first.due_on is None and first.due_at is None and first.url is None
    assert first.project_external_id == CTX.project  # no `projects` asked: the listing's
    assert first.raw is raws[0]
    assert mapped[0].assignees == []  # "assignee": null -> clear the assignee set
    assert mapped[0].dependencies is None  # not asked for: leave stored ones alone


def test_every_subtask_sample_maps_with_its_parent() -> None:
    raws = sample("task_subtasks.json")
    mapped = [map_task(raw, CTX) for raw in raws]
    assert [m.task.title for m in mapped] == ["Subtask 2", "Subtask 1"]
    for m in mapped:
        assert m.task.parent_external_id == "1214301141292050"
        assert m.task.project_external_id == CTX.project  # "projects": [] -> parent's listing
        assert m.task.project_external_ids == []  # a subtask lives where its parent does
        assert m.task.url is not None and m.task.url.endswith(m.task.external_id)
        assert m.task.description == ""


def test_full_task_sample_keeps_dates_as_dates() -> None:
    raw = sample("task_get_default_fields.json")
    mapped = map_task(raw, CTX)
    task = mapped.task
    assert task.due_on == date(2025, 9, 25) and task.due_at is None
    assert task.start_on == date(2025, 9, 23)
    assert task.project_external_id == "1211440849237745"  # its own synced project
    assert task.project_external_ids == ["1211440849237745"]
    assert task.section is None  # "memberships": [{}] names no section
    assert task.parent_external_id is None
    assert mapped.assignees == ["1211440844472372"]
    assert task.url == raw["permalink_url"]


@pytest.mark.parametrize("name", ["task_create.json", "task_update.json"])
def test_written_task_samples_map(name: str) -> None:
    raw = sample(name)
    assert map_task(raw, CTX).task.external_id == raw["gid"]


def test_limit5_listing_sample_maps() -> None:
    tasks = [map_task(raw, CTX).task for raw in sample("project_tasks_limit5.json")]
    assert all(t.remote_updated_at is not None and t.remote_updated_at.tzinfo for t in tasks)


def test_completed_task_with_due_at_estimate_section_and_dependencies() -> None:
    """Derived from task_get_default_fields.json: completed, given a `due_at`, the
    `custom_fields`/`memberships`/`dependencies` shapes the OpenAPI documents."""
    raw = copy.deepcopy(sample("task_get_default_fields.json"))
    raw |= {"completed": True, "completed_at": "2025-09-26T08:00:00.000Z",
            "due_at": "2025-09-25T16:30:00.000Z",
            "custom_fields": [{"gid": "1", "name": "Budget", "number_value": 900},
                              {"gid": "2", "name": "Estimated hours", "number_value": 2.5}],
            "memberships": [{"project": {"gid": "999"}, "section": {"gid": "3", "name": "X"}},
                            {"project": {"gid": "1211440849237745"},
                             "section": {"gid": "4", "name": "Doing"}}],
            "dependencies": [{"gid": "77", "resource_type": "task"}]}
    mapped = map_task(raw, CTX)
    assert mapped.task.state is RecordState.completed
    assert mapped.task.completed_at == datetime(2025, 9, 26, 8, tzinfo=UTC)
    assert mapped.task.due_at == datetime(2025, 9, 25, 16, 30, tzinfo=UTC)
    assert mapped.task.due_on == date(2025, 9, 25)
    assert mapped.task.estimate_hours == 2.5
    assert mapped.task.section == "Doing"
    assert mapped.dependencies == ["77"]
    # multi-homed: `projects` first, then memberships not already named, each once
    assert mapped.task.project_external_ids == ["1211440849237745", "999"]


def test_task_without_gid_or_with_bad_date_is_invalid() -> None:
    raw = sample("task_subtasks.json")[0]
    with pytest.raises(RecordInvalid, match="no gid"):
        map_task({k: v for k, v in raw.items() if k != "gid"}, CTX)
    with pytest.raises(RecordInvalid, match="due_on"):
        map_task(raw | {"due_on": "next week"}, CTX)


def test_project_samples_map_with_owner_and_state() -> None:
    projects = [map_project(raw, CTX) for raw in sample("workspace_projects_with_archived.json")]
    assert projects[0].name == "API Testing Sandbox"
    assert projects[0].owner_external_id == "1211440844472372"
    assert all(p.state is RecordState.active for p in projects)  # none archived in the sample
    one = sample("project_get.json")
    assert map_project(one, CTX).url == one["permalink_url"]
    archived = map_project(one | {"archived": True, "completed": True}, CTX)
    assert archived.state is RecordState.archived  # derived: archived wins over completed


@pytest.mark.parametrize("name", ["workspace_users_with_email.json",
                                  "workspace_users_name_email_photo.json"])
def test_user_samples_map_to_identities(name: str) -> None:
    raws = sample(name)
    identities = [map_identity(raw, CTX) for raw in raws]
    assert [i.external_id for i in identities] == [r["gid"] for r in raws]
    assert all(i.email and i.active and i.source == "asana-test" for i in identities)
    me = map_identity(sample("users_me.json"), CTX, active=False)
    assert me.email == "api@nango.dev" and me.active is False


# -- samples of issue 5: documented error bodies through the client's error sorting ------

TOKEN = "asana-sample-token-0123456789"


def asana_error(name: str, status: int, reason: str,
                headers: dict[str, str] | None = None) -> ApiException:
    """The SDK's exception for a documented error body, built as `asana.rest` builds it:
    `ApiException(http_resp=RESTResponse(<urllib3 response>))`."""
    body = (SAMPLES / name).read_bytes()
    raw = urllib3.HTTPResponse(body=body, status=status, reason=reason,
                               headers={"Content-Type": "application/json", **(headers or {})})
    return ApiException(http_resp=RESTResponse(raw))


def asana_client(waits: list[float]) -> AsanaClient:
    """The real client (the SDK builds its configuration only; nothing is sent)."""
    return AsanaClient(source="asana-test", base_url="https://app.asana.com/api/1.0",
                       token=TOKEN, timeout_seconds=5.0,
                       policy=CallPolicy(sleep=waits.append), scrubber=Scrubber.of([TOKEN]))


def call_failing_with(client: AsanaClient, error: ApiException) -> ConnectorError:
    """One `_call` whose SDK request answers `error` every time; returns what escapes."""

    def fetch() -> Any:
        raise error

    with pytest.raises(ConnectorError) as raised:
        client._call("GET /users/me", fetch)
    return raised.value


def test_401_not_authorized_stops_the_source_without_retrying() -> None:
    waits: list[float] = []
    client = asana_client(waits)
    error = call_failing_with(client, asana_error(
        "error_401_not_authorized.documented.json", 401, "Not Authorized"))
    assert type(error) is SourceStopped
    assert str(error).startswith("asana GET /users/me: HTTP 401 Not Authorized; ")
    assert error.action == "renew the Asana token of source 'asana-test'"
    assert client.policy.calls == 1 and waits == []


def test_429_rate_limited_is_retriable_after_its_retry_after() -> None:
    """The documented 429 comes with `Retry-After: 30` (MANIFEST), in seconds."""
    waits: list[float] = []
    client = asana_client(waits)
    exc = asana_error("error_429_rate_limited.documented.json", 429, "Too Many Requests",
                      {"Retry-After": "30"})
    sorted_error = client._sorted("GET /users/me", exc)
    assert type(sorted_error) is Retriable
    assert (sorted_error.status, sorted_error.rejected) == (429, True)
    assert sorted_error.retry_after_seconds == 30.0
    assert "rate limit" not in str(sorted_error)  # status and reason, never the body
    error = call_failing_with(client, exc)
    assert isinstance(error, Retriable) and error.status == 429
    assert client.policy.calls == client.policy.max_attempts
    assert waits == [30.0] * (client.policy.max_attempts - 1)


def test_500_server_error_is_retriable_with_backoff() -> None:
    waits: list[float] = []
    client = asana_client(waits)
    exc = asana_error("error_500_server_error.documented.json", 500, "Internal Server Error")
    sorted_error = client._sorted("GET /users/me", exc)
    assert type(sorted_error) is Retriable
    assert (sorted_error.status, sorted_error.rejected) == (500, False)
    assert sorted_error.retry_after_seconds is None
    assert "sad squid" not in str(sorted_error)  # the `phrase` stays out of messages
    assert isinstance(call_failing_with(client, exc), Retriable)
    assert client.policy.calls == client.policy.max_attempts and len(waits) == 4


def test_400_missing_input_is_not_retried() -> None:
    """A 400 is baton's own request refused: retrying sends the same mistake again."""
    waits: list[float] = []
    client = asana_client(waits)
    error = call_failing_with(client, asana_error(
        "error_400_missing_input.documented.json", 400, "Bad Request"))
    assert type(error) is SourceStopped and not isinstance(error, Retriable)
    assert str(error).startswith("asana GET /users/me: HTTP 400 Bad Request; ")
    assert "Missing input" not in str(error)
    assert client.policy.calls == 1 and waits == []


def test_no_error_message_carries_the_token() -> None:
    client = asana_client([])
    for name, status in [("error_401_not_authorized.documented.json", 401),
                         ("error_429_rate_limited.documented.json", 429),
                         ("error_500_server_error.documented.json", 500),
                         ("error_400_missing_input.documented.json", 400)]:
        exc = asana_error(name, status, f"token {TOKEN}")  # derived: a reason echoing it
        assert TOKEN not in str(client._sorted("GET /users/me", exc))


def test_building_connectors_leaves_no_sdk_thread_pools_behind() -> None:
    """The SDK's per-client ThreadPool (unused: baton makes no async calls) used to print
    a traceback from its __del__ when the process exited."""
    import threading

    from connectors.asana import AsanaConnector

    before = threading.active_count()
    connectors = [AsanaConnector("asana-main", "http://127.0.0.1:9/api/1.0", "token", "1")
                  for _ in range(3)]
    for connector in connectors:
        connector.streams()
    assert threading.active_count() == before
