"""Smoke tests: the official `asana` 5.x SDK against the running replica over HTTP.

The SDK's list methods return generators that follow `next_page` themselves (the
`limit` sent is the page size); they must come back with every record, in Asana's
order, in as many requests as the page size implies.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asana
import pytest
from asana.rest import ApiException
from urllib3.util.retry import Retry

from sandbox.asana import AsanaState, create_app
from sandbox.knobs import Clock, Knobs
from sandbox.server import running

TOKEN = "sdk-token"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TASKS_ROUTE = "GET /api/1.0/projects/{project_gid}/tasks"


@dataclass
class World:
    state: AsanaState
    client: asana.ApiClient
    ids: dict[str, str]
    tasks: list[str]


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    state = AsanaState(Knobs(clock=Clock(START)))
    agency = state.add_workspace("agency.example")
    other = state.add_workspace("clients.example")
    users = [state.add_user(name, f"{name.lower()}@agency.example",
                            workspaces=[agency.gid, other.gid])
             for name in ("Zoe", "amir", "Bea", "Carl", "Dana")]
    state.add_token(TOKEN, users[0].gid)
    state.remove_user_from_workspace(users[3].gid, agency.gid)
    hours = state.add_custom_field(agency.gid, "Estimated hours")
    project = state.add_project(agency.gid, "Spring gala", custom_fields=[hours.gid])
    section = state.add_section(project.gid, "Venue")
    for n in range(6):
        state.add_project(agency.gid, f"Project {n}", archived=n % 2 == 0)
    tasks = [state.add_task(f"Task {n}", projects=[project.gid], section=section.gid,
                            assignee=users[n % 3].gid, custom_values={hours.gid: n})
             for n in range(7)]
    for n in range(3):
        state.add_task(f"Step {n}", parent=tasks[0].gid)
    state.update_task(tasks[6].gid, dependencies=[t.gid for t in tasks[1:4]])
    with running(create_app(state)) as server:
        configuration = asana.Configuration()
        configuration.host = server.base_url + "/api/1.0"
        configuration.access_token = TOKEN
        yield World(state, asana.ApiClient(configuration),
                    {"workspace": agency.gid, "other": other.gid, "project": project.gid,
                     "hours": hours.gid, "section": section.gid},
                    [t.gid for t in tasks])


def test_tasks_for_project_follow_next_page_through_every_page(world: World) -> None:
    before = world.state.knobs.counters[TASKS_ROUTE]
    tasks = list(asana.TasksApi(world.client).get_tasks_for_project(
        world.ids["project"],
        {"limit": 2, "opt_fields": "name,assignee.email,custom_fields.number_value,"
                                   "memberships.section.name"},
    ))
    assert [t["gid"] for t in tasks] == world.tasks
    assert world.state.knobs.counters[TASKS_ROUTE] - before == 4
    assert set(tasks[4]["assignee"]) == {"gid", "email"}
    assert tasks[4]["assignee"]["email"] == "amir@agency.example"
    assert tasks[4]["custom_fields"] == [{"gid": world.ids["hours"], "number_value": 4}]
    assert tasks[4]["memberships"] == [{"section": {"gid": world.ids["section"], "name": "Venue"}}]


def test_item_limit_stops_early(world: World) -> None:
    tasks = list(asana.TasksApi(world.client).get_tasks_for_project(
        world.ids["project"], {"limit": 2}, item_limit=3))
    assert [t["gid"] for t in tasks] == world.tasks[:3]
    assert set(tasks[0]) == {"gid", "name", "resource_type", "resource_subtype"}


def test_get_tasks_with_modified_since_pages_only_recent_changes(world: World) -> None:
    world.state.knobs.clock.advance(timedelta(hours=1))
    since = world.state.now()
    for gid in world.tasks[2:5]:
        world.state.update_task(gid, notes="See https://venue.example/contract")
    tasks = list(asana.TasksApi(world.client).get_tasks(
        {"project": world.ids["project"], "limit": 2, "modified_since": since.isoformat(),
         "opt_fields": "notes,modified_at"}))
    assert [t["gid"] for t in tasks] == world.tasks[2:5]
    assert tasks[0]["notes"] == "See https://venue.example/contract"


def test_projects_for_workspace_honour_archived(world: World) -> None:
    projects = asana.ProjectsApi(world.client)
    live = list(projects.get_projects_for_workspace(
        world.ids["workspace"], {"limit": 2, "archived": False, "opt_fields": "name,archived"}))
    assert [p["name"] for p in live] == ["Spring gala", "Project 1", "Project 3", "Project 5"]
    everything = list(projects.get_projects({"workspace": world.ids["workspace"], "limit": 3}))
    assert len(everything) == 7
    one = projects.get_project(world.ids["project"], {})
    assert one["name"] == "Spring gala" and one["custom_fields"][0]["name"] == "Estimated hours"


def test_users_list_without_the_deactivated_one(world: World) -> None:
    users = asana.UsersApi(world.client)
    paged = list(users.get_users({"workspace": world.ids["workspace"], "limit": 2,
                                  "opt_fields": "name,email"}))
    assert [u["name"] for u in paged] == ["Zoe", "amir", "Bea", "Dana"]
    by_name = list(users.get_users_for_workspace(world.ids["workspace"], {}))
    assert [u["name"] for u in by_name] == ["amir", "Bea", "Dana", "Zoe"]
    assert users.get_user("me", {"opt_fields": "email"})["email"] == "zoe@agency.example"


def test_workspaces_page_one_at_a_time(world: World) -> None:
    workspaces = list(asana.WorkspacesApi(world.client).get_workspaces({"limit": 1}))
    assert [w["gid"] for w in workspaces] == [world.ids["workspace"], world.ids["other"]]


def test_subtasks_dependencies_and_dependents(world: World) -> None:
    tasks = asana.TasksApi(world.client)
    subtasks = list(tasks.get_subtasks_for_task(world.tasks[0], {"limit": 1}))
    assert [s["name"] for s in subtasks] == ["Step 0", "Step 1", "Step 2"]
    deps = list(tasks.get_dependencies_for_task(world.tasks[6], {"limit": 2}))
    assert [d["gid"] for d in deps] == world.tasks[1:4]
    dependents = list(tasks.get_dependents_for_task(world.tasks[2], {"limit": 1}))
    assert [d["gid"] for d in dependents] == [world.tasks[6]]


def test_events_iterator_recovers_from_412_and_full_payload_raises_it(world: World) -> None:
    events = asana.EventsApi(world.client)
    assert list(events.get_events(world.ids["project"], {})) == []
    with pytest.raises(ApiException) as raised:
        events.get_events(world.ids["project"], {}, full_payload=True)
    assert raised.value.status == 412
    token = json.loads(raised.value.body)["sync"]
    world.state.update_task(world.tasks[1], completed=True)
    answer = events.get_events(world.ids["project"], {"sync": token}, full_payload=True)
    assert [(e["resource"]["gid"], e["action"]) for e in answer["data"]] == [
        (world.tasks[1], "changed")]
    assert answer["has_more"] is False and answer["sync"] != token


def _client(world: World, token: str) -> asana.ApiClient:
    """A client whose urllib3 retry strategy does not retry, so statuses reach the caller."""
    configuration = asana.Configuration()
    configuration.host = world.client.configuration.host
    configuration.access_token = token
    configuration.retry_strategy = Retry(total=0)
    return asana.ApiClient(configuration)


def test_bad_token_and_rate_limit_surface_as_api_exceptions(world: World) -> None:
    with pytest.raises(ApiException) as unauthorized:
        asana.UsersApi(_client(world, "wrong")).get_user("me", {})
    assert unauthorized.value.status == 401
    world.state.knobs.fail_next(1, status=429, retry_after_seconds=7, path_contains="/users/me")
    with pytest.raises(ApiException) as limited:
        asana.UsersApi(_client(world, TOKEN)).get_user("me", {})
    assert limited.value.status == 429
    assert limited.value.headers["Retry-After"] == "7"
    assert json.loads(limited.value.body)["errors"][0]["message"].startswith("You've made")


def test_sdk_default_retry_waits_out_retry_after(world: World) -> None:
    """The SDK's urllib3 Retry honours Retry-After on 429 and then succeeds."""
    world.state.knobs.fail_next(1, status=429, retry_after_seconds=1, path_contains="/workspaces")
    before = world.state.knobs.total_requests()
    workspaces = list(asana.WorkspacesApi(world.client).get_workspaces({}))
    assert len(workspaces) == 2
    assert world.state.knobs.total_requests() - before == 2
