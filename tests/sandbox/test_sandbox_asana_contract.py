"""Contract: the Asana replica answers in the shape of the recorded samples and the OpenAPI.

Each case requests what the sample's MANIFEST row requested (same path kind, same
query) from an organisation shaped like the recording, then compares structure:
same keys, same value types, same nesting, date formats. Field names are also
checked against the vendor spec's schemas (tests/fixtures/api-specs/asana).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pytest
from ruamel.yaml import YAML

from sandbox.asana import AsanaState, create_app
from sandbox.knobs import Clock, Knobs
from sandbox.server import running

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SAMPLES = FIXTURES / "api-samples" / "asana"
SPEC = FIXTURES / "api-specs" / "asana" / "asana_oas.yaml"
TOKEN = "contract-token"
DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
DATE = re.compile(r"^\d{4}-\d\d-\d\d$")


@dataclass
class Org:
    state: AsanaState
    client: httpx.Client
    ids: dict[str, str]


def build_org() -> tuple[AsanaState, dict[str, str]]:
    """Mirrors the recorded nango.dev workspace closely enough for every sample."""
    state = AsanaState(Knobs(clock=Clock(datetime(2026, 4, 27, 14, 42, 22, 670000, tzinfo=UTC))))
    ws = state.add_workspace("nango.dev", email_domains=["nango.dev"])
    me = state.add_user("Nango API", "api@nango.dev", workspaces=[ws.gid], token=TOKEN)
    for name in ("Bastien Beurier", "Kelvin Wari", "khaliq@nango.dev", "Robin Guldener"):
        state.add_user(name, f"{name.split()[0].lower()}@nango.dev", workspaces=[ws.gid])
    team = state.add_team(ws.gid, "Nango's first team")
    project = state.add_project(ws.gid, "API Testing Sandbox", team=team.gid, color="aqua")
    state.add_project(ws.gid, "Old launch", archived=True)
    state.add_section(project.gid, "To do")
    first = state.add_task("Draft project brief", projects=[project.gid], assignee=me.gid,
                           due_on=date(2025, 9, 25), start_on=date(2025, 9, 23))
    state.add_task("Schedule kickoff meeting", projects=[project.gid], assignee=me.gid,
                   due_on=date(2025, 9, 26))
    parent = state.add_task("Test Task", workspace=ws.gid)
    for name in ("Subtask 1", "Subtask 2"):
        state.add_task(name, parent=parent.gid)
    doomed = state.add_task("Delete me", projects=[project.gid], due_on=date(2025, 9, 29))
    return state, {"workspace": ws.gid, "project": project.gid, "task": first.gid,
                   "parent": parent.gid, "doomed": doomed.gid}


@pytest.fixture(scope="module")
def org() -> Iterator[Org]:
    state, ids = build_org()
    with running(create_app(state)) as server, httpx.Client(
        base_url=server.base_url + "/api/1.0", headers={"Authorization": f"Bearer {TOKEN}"}
    ) as client:
        yield Org(state, client, ids)


def sample(name: str) -> Any:
    return json.loads((SAMPLES / name).read_text())


def assert_same_shape(expected: Any, actual: Any, where: str = "$",
                      may_be_null: frozenset[str] = frozenset()) -> None:
    """Same keys, types and nesting; a value the sample has must not come back null
    (unless its key is in `may_be_null`); `*_at` / `*_on` strings keep their format."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{where}: expected an object, got {actual!r}"
        assert set(actual) == set(expected), (
            f"{where}: extra {set(actual) - set(expected)}, missing {set(expected) - set(actual)}"
        )
        for key, value in expected.items():
            got = actual[key]
            if value is None or (got is None and key in may_be_null):
                continue
            assert got is not None, f"{where}.{key} is null, the sample has {value!r}"
            _check_format(key, got, f"{where}.{key}")
            assert_same_shape(value, got, f"{where}.{key}", may_be_null)
    elif isinstance(expected, list):
        assert isinstance(actual, list), f"{where}: expected a list, got {actual!r}"
        assert actual or not expected, f"{where}: empty, the sample has items"
        template, nullable = _merge_items(expected)
        for index, item in enumerate(actual):
            assert_same_shape(template, item, f"{where}[{index}]", may_be_null | nullable)
    elif isinstance(expected, bool) or isinstance(actual, bool):
        assert type(actual) is type(expected), f"{where}: {actual!r} vs {expected!r}"
    elif isinstance(expected, int | float):
        assert isinstance(actual, int | float), f"{where}: {actual!r} is not a number"
    else:
        assert type(actual) is type(expected), f"{where}: {actual!r} vs {expected!r}"


def _merge_items(items: list[Any]) -> tuple[Any, frozenset[str]]:
    """One template for a sample list: each key's first non-null value; keys null in some
    recorded item may be null in the replica's items too."""
    if not items or not all(isinstance(item, dict) for item in items):
        return (items[0] if items else None), frozenset()
    template: dict[str, Any] = {}
    for item in items:
        for key, value in item.items():
            if template.get(key) is None:
                template[key] = value
    nullable = {key for item in items for key, value in item.items() if value is None}
    return template, frozenset(nullable)


def _check_format(key: str, value: Any, where: str) -> None:
    if key.endswith("_at") and isinstance(value, str):
        assert DATETIME.match(value), f"{where}: {value!r} is not Asana's date-time form"
    if key.endswith("_on") and isinstance(value, str):
        assert DATE.match(value), f"{where}: {value!r} is not a date"


CASES = [
    ("users_me.json", "/users/me", {"opt_fields": "gid,resource_type,name,email,photo"}),
    ("workspaces.json", "/workspaces",
     {"limit": "100", "opt_fields": "gid,resource_type,name,email_domains,is_organization"}),
    ("workspace_users_with_email.json", "/workspaces/{workspace}/users",
     {"limit": "100", "opt_fields": "gid,name,email,resource_type"}),
    ("workspace_users_name_email_photo.json", "/workspaces/{workspace}/users",
     {"limit": "100", "opt_fields": "name,email,photo"}),
    ("workspace_projects_with_archived.json", "/workspaces/{workspace}/projects",
     {"limit": "100", "opt_fields": "gid,name,archived,color,created_at,modified_at,notes,public,"
      "permalink_url,completed,completed_at,due_on,start_on,workspace,team,owner"}),
    ("project_get.json", "/projects/{project}", {}),
    ("project_tasks_limit5.json", "/projects/{project}/tasks",
     {"limit": "5", "opt_fields": "gid,name,resource_type,assignee,completed,due_on,created_at,"
      "modified_at,notes,permalink_url"}),
    ("tasks_by_project_opt_fields.json", "/tasks",
     {"limit": "100", "project": "{project}", "opt_fields": "gid,name,resource_type,"
      "resource_subtype,modified_at,created_at,completed,assignee,due_on,due_at,workspace"}),
    ("task_get_default_fields.json", "/tasks/{task}", {}),
    ("task_subtasks.json", "/tasks/{parent}/subtasks",
     {"opt_fields": "gid,name,resource_type,assignee,assignee.name,completed,due_on,notes,parent,"
      "parent.gid,parent.name,permalink_url,created_at,modified_at,workspace,workspace.gid,"
      "workspace.name,projects,projects.gid,projects.name,tags,tags.gid,tags.name"}),
]
# The recording's task sits in its assignee's "Recently assigned" My Tasks section;
# the replica keeps no My Tasks lists, so `assignee_section` is always null.
MAY_BE_NULL = frozenset({"assignee_section", "team"})


@pytest.mark.parametrize(("name", "path", "params"), CASES, ids=[c[0] for c in CASES])
def test_response_has_the_samples_shape(org: Org, name: str, path: str,
                                        params: dict[str, str]) -> None:
    query = {k: v.format(**org.ids) for k, v in params.items()}
    response = org.client.get(path.format(**org.ids), params=query)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json; charset=UTF-8"
    assert_same_shape(sample(name), response.json(), may_be_null=MAY_BE_NULL)


def test_delete_answers_an_empty_data_object(org: Org) -> None:
    response = org.client.delete(f"/tasks/{org.ids['doomed']}")
    assert response.status_code == 200
    assert response.json() == sample("task_delete.json")


ERROR_CASES = [
    ("error_400_missing_input.documented.json", 400, "/tasks", {}),
    ("error_401_not_authorized.documented.json", 401, "/users/me", {"authorization": ""}),
]


@pytest.mark.parametrize(("name", "status", "path", "headers"), ERROR_CASES,
                         ids=[c[0] for c in ERROR_CASES])
def test_errors_match_the_documented_examples(org: Org, name: str, status: int, path: str,
                                              headers: dict[str, str]) -> None:
    response = org.client.get(path, headers=headers)
    assert response.status_code == status
    assert_documented_error(sample(name), response.json())


def assert_documented_error(documented: dict[str, Any], body: dict[str, Any]) -> None:
    """Same message; the only key added to the documented example is `help`, which live
    answers carry and the OpenAPI `Error` schema lists."""
    (expected,) = documented["errors"]
    (error,) = body["errors"]
    assert set(body) == {"errors"}
    assert set(error) - set(expected) <= {"help"}
    assert error["message"] == expected["message"]
    assert set(error) <= schema_properties("Error")


@pytest.mark.parametrize(("name", "status"), [("error_429_rate_limited.documented.json", 429),
                                              ("error_500_server_error.documented.json", 500)])
def test_injected_faults_match_the_documented_examples(org: Org, name: str, status: int) -> None:
    org.state.knobs.fail_next(1, status=status, path_contains="/users/me")
    response = org.client.get("/users/me")
    assert response.status_code == status
    assert_documented_error(sample(name), response.json())
    if status == 429:
        assert response.headers["retry-after"] == "30"
    else:
        assert re.match(r"^\d \w+ \w+ \w+ \w+$", response.json()["errors"][0]["phrase"])


# -- field names against the OpenAPI document ----------------------------------------

SPEC_CASES = [
    ("/users/me", {}, "UserResponse"),
    ("/workspaces/{workspace}", {}, "WorkspaceResponse"),
    ("/projects/{project}", {}, "ProjectResponse"),
    ("/projects/{project}", {"opt_fields": "notes,html_notes"}, "ProjectResponse"),
    ("/tasks/{task}", {"opt_fields": "dependencies,dependents,num_subtasks,custom_fields,name,"
                       "memberships.section.name,memberships.project.name,html_notes"},
     "TaskResponse"),
    ("/tasks/{task}", {}, "TaskResponse"),
]


@pytest.mark.parametrize(("path", "params", "schema"), SPEC_CASES)
def test_fields_are_named_as_in_the_spec(org: Org, path: str, params: dict[str, str],
                                         schema: str) -> None:
    data = org.client.get(path.format(**org.ids), params=params).json()["data"]
    assert set(data) <= schema_properties(schema)


def test_event_bodies_use_the_specs_keys(org: Org) -> None:
    project = org.ids["project"]
    first = org.client.get("/events", params={"resource": project})
    assert first.status_code == 412
    assert set(first.json()) == {"errors", "sync"}
    org.state.update_task(org.ids["task"], completed=True)
    answer = org.client.get("/events", params={"resource": project,
                                                "sync": first.json()["sync"]}).json()
    assert set(answer) == {"data", "sync", "has_more"}
    (event,) = answer["data"]
    assert set(event) <= schema_properties("EventResponse")
    assert event["action"] in {"changed", "added", "removed", "deleted", "undeleted"}
    assert set(event["change"]) <= {"field", "action", "new_value", "added_value",
                                    "removed_value"}
    assert DATETIME.match(event["created_at"])


@cache
def _spec_text() -> str:
    return SPEC.read_text()


@cache
def schema_properties(name: str) -> frozenset[str]:
    """Property names of a component schema, following `allOf` refs. Only the schema's
    own block is parsed: loading the whole 66k-line document takes seconds."""
    text = _spec_text()
    start = text.index(f"\n    {name}:\n", text.index("\n  schemas:\n"))
    block = re.search(r"\n    \S", text[start + 1:])
    end = start + 1 + block.start() if block else len(text)
    schema = YAML(typ="safe").load(text[start:end])[name]
    names: set[str] = set(schema.get("properties", {}))
    for part in [schema, *schema.get("allOf", [])]:
        if "$ref" in part:
            names |= schema_properties(part["$ref"].rsplit("/", 1)[1])
        names |= set(part.get("properties") or {})
    return frozenset(names)
