"""Behaviour of the Asana replica over HTTP: filters, paging rules, events, errors, knobs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from sandbox.asana import AsanaState, create_app
from sandbox.asana.errors import HELP
from sandbox.knobs import Clock, Knobs
from sandbox.server import running

TOKEN = "api-token"
START = datetime(2026, 5, 4, 8, 30, 15, 250000, tzinfo=UTC)


@dataclass
class Org:
    state: AsanaState
    http: httpx.Client
    workspace: str
    project: str
    me: str

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.http.get(path, params=params)


@pytest.fixture
def org() -> Iterator[Org]:
    state = AsanaState(Knobs(clock=Clock(START)))
    ws = state.add_workspace("agency.example")
    me = state.add_user("Mia", "mia@agency.example", workspaces=[ws.gid], token=TOKEN)
    project = state.add_project(ws.gid, "Launch")
    with running(create_app(state)) as server, httpx.Client(
        base_url=server.base_url, headers={"Authorization": f"Bearer {TOKEN}"}
    ) as http:
        http.base_url = httpx.URL(server.base_url + "/api/1.0/")
        yield Org(state, http, ws.gid, project.gid, me.gid)


def error_of(response: httpx.Response, status: int, also: frozenset[str] = frozenset()) -> str:
    """The message of Asana's one-error envelope; `also` names top-level keys beside
    `errors` (the 412's `sync`)."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"errors"} | also
    (error,) = body["errors"]
    assert error["help"] == HELP
    return error["message"]


def add_tasks(org: Org, count: int) -> list[str]:
    return [org.state.add_task(f"T{n}", projects=[org.project]).gid for n in range(count)]


# -- tasks, opt_fields and filters ----------------------------------------------------

def test_task_dates_are_answered_in_asanas_forms(org: Org) -> None:
    gid = org.state.add_task("Rehearsal", projects=[org.project], start_on=date(2026, 5, 5),
                             due_at=datetime(2026, 5, 6, 23, 30, tzinfo=UTC)).gid
    task = org.get(f"tasks/{gid}").json()["data"]
    assert (task["start_on"], task["due_on"], task["due_at"]) == (
        "2026-05-05", "2026-05-06", "2026-05-06T23:30:00.000Z")
    assert task["created_at"] == task["modified_at"] == "2026-05-04T08:30:15.250Z"
    assert task["permalink_url"].endswith(f"/{org.workspace}/project/{org.project}/task/{gid}")


def test_opt_fields_answer_gid_and_exactly_the_named_fields(org: Org) -> None:
    hours = org.state.add_custom_field(org.workspace, "Estimated hours", precision=1)
    project = org.state.add_project(org.workspace, "Fitted", custom_fields=[hours.gid])
    section = org.state.add_section(project.gid, "Build")
    gid = org.state.add_task("Stage", projects=[project.gid], assignee=org.me,
                             custom_values={hours.gid: 2.5}).gid
    fields = ("name,assignee,assignee.email,memberships.section.name,"
              "custom_fields.number_value,custom_fields.display_value,this.resource_type")
    (task,) = org.get(f"projects/{project.gid}/tasks", opt_fields=fields).json()["data"]
    assert task == {
        "gid": gid, "name": "Stage", "resource_type": "task",
        "assignee": {"gid": org.me, "email": "mia@agency.example"},
        "memberships": [{"section": {"gid": section.gid, "name": "Build"}}],
        "custom_fields": [{"gid": hours.gid, "number_value": 2.5, "display_value": "2.5"}],
    }


def test_modified_and_completed_since_filter_both_task_listings(org: Org) -> None:
    old, changed, done_long_ago, done_now = add_tasks(org, 4)
    org.state.update_task(done_long_ago, completed=True)
    org.state.knobs.clock.advance(timedelta(days=1))
    since = org.state.now()
    org.state.update_task(changed, name="renamed")
    org.state.update_task(done_now, completed=True)
    org.state.knobs.clock.advance(timedelta(seconds=1))
    for path, extra in ((f"projects/{org.project}/tasks", {}), ("tasks", {"project": org.project})):
        modified = org.get(path, modified_since=since.isoformat(), **extra).json()["data"]
        assert [t["gid"] for t in modified] == [changed, done_now]
        open_or_recent = org.get(path, completed_since=since.isoformat(), **extra).json()["data"]
        assert [t["gid"] for t in open_or_recent] == [old, changed, done_now]
        still_open = org.get(path, completed_since="now", **extra).json()["data"]
        assert [t["gid"] for t in still_open] == [old, changed]


def test_get_tasks_needs_exactly_one_filter(org: Org) -> None:
    assert error_of(org.get("tasks"), 400) == "workspace: Missing input"
    assert error_of(org.get("tasks", workspace=org.workspace), 400).startswith(
        "Must specify exactly one of project")
    mine = org.state.add_task("Mine", projects=[org.project], assignee=org.me).gid
    listed = org.get("tasks", assignee="me", workspace=org.workspace).json()["data"]
    assert [t["gid"] for t in listed] == [mine]


def test_bad_date_time_parameter_is_a_400(org: Org) -> None:
    message = error_of(org.get("tasks", project=org.project, modified_since="yesterday"), 400)
    assert message.startswith("modified_since:")


# -- paging ---------------------------------------------------------------------------

def test_next_page_carries_offset_path_and_uri(org: Org) -> None:
    gids = add_tasks(org, 3)
    first = org.get(f"projects/{org.project}/tasks", limit=2, opt_fields="name").json()
    page = first["next_page"]
    assert page["path"].startswith(f"/projects/{org.project}/tasks?")
    assert page["uri"] == f"{org.http.base_url}{page['path'].lstrip('/')}"
    second = org.http.get(page["uri"]).json()
    assert [t["gid"] for t in first["data"] + second["data"]] == gids
    assert second["next_page"] is None
    assert "next_page" not in org.get(f"projects/{org.project}/tasks").json()


def test_a_task_deleted_between_pages_shifts_nothing(org: Org) -> None:
    gids = add_tasks(org, 4)
    first = org.get(f"projects/{org.project}/tasks", limit=2).json()
    org.state.delete_task(gids[0])
    rest = org.get(f"projects/{org.project}/tasks", limit=2,
                   offset=first["next_page"]["offset"]).json()
    assert [t["gid"] for t in rest["data"]] == gids[2:]


@pytest.mark.parametrize("limit", ["0", "101", "ten"])
def test_limit_out_of_bounds_is_a_400(org: Org, limit: str) -> None:
    assert error_of(org.get("workspaces", limit=limit), 400).startswith("limit:")


def test_unissued_offset_is_refused(org: Org) -> None:
    message = error_of(org.get(f"projects/{org.project}/tasks", limit=2, offset="bogus"), 400)
    assert message == "offset: Your pagination token is invalid."
    first = org.get("workspaces", limit=1).json()
    assert first["next_page"] is None
    add_tasks(org, 3)
    token = org.get(f"projects/{org.project}/tasks", limit=1).json()["next_page"]["offset"]
    assert error_of(org.get("workspaces", limit=1, offset=token), 400) == message


def test_unpaginated_list_past_a_thousand_is_too_large(org: Org) -> None:
    add_tasks(org, 1001)
    assert error_of(org.get(f"projects/{org.project}/tasks"), 400).startswith(
        "The result is too large.")
    assert len(org.get(f"projects/{org.project}/tasks", limit=100).json()["data"]) == 100


# -- users, projects ------------------------------------------------------------------

def test_removed_user_leaves_listings_but_stays_assignee(org: Org) -> None:
    gone = org.state.add_user("Gus", "gus@agency.example", workspaces=[org.workspace])
    task = org.state.add_task("Left behind", projects=[org.project], assignee=gone.gid).gid
    org.state.remove_user_from_workspace(gone.gid, org.workspace)
    for path, params in ((f"workspaces/{org.workspace}/users", {}),
                         ("users", {"workspace": org.workspace})):
        assert [u["gid"] for u in org.get(path, **params).json()["data"]] == [org.me]
    assert org.get(f"tasks/{task}").json()["data"]["assignee"]["name"] == "Gus"


def test_archived_filter_on_both_project_listings(org: Org) -> None:
    archived = org.state.add_project(org.workspace, "Done", archived=True).gid
    for path, extra in ((f"workspaces/{org.workspace}/projects", {}),
                        ("projects", {"workspace": org.workspace})):
        assert [p["gid"] for p in org.get(path, archived="true", **extra).json()["data"]] == [
            archived]
        assert [p["gid"] for p in org.get(path, archived="false", **extra).json()["data"]] == [
            org.project]
        assert len(org.get(path, **extra).json()["data"]) == 2


# -- events ---------------------------------------------------------------------------

def sync_token(org: Org, resource: str) -> str:
    response = org.get("events", resource=resource)
    assert error_of(response, 412, frozenset({"sync"})).startswith(
        "Sync token invalid or too old.")
    return response.json()["sync"]


def test_deleting_a_task_is_an_event_and_a_404(org: Org) -> None:
    gid = org.state.add_task("Cancelled", projects=[org.project]).gid
    token = sync_token(org, org.project)
    assert org.http.delete(f"tasks/{gid}").json() == {"data": {}}
    answer = org.get("events", resource=org.project, sync=token).json()
    (event,) = answer["data"]
    assert event == {"user": {"gid": org.me, "name": "Mia", "resource_type": "user"},
                     "created_at": "2026-05-04T08:30:15.250Z", "type": "task",
                     "action": "deleted", "parent": None,
                     "resource": {"gid": gid, "name": "Cancelled", "resource_type": "task"}}
    assert error_of(org.get(f"tasks/{gid}"), 404) == f"task: Unknown object: {gid}"
    assert org.get(f"projects/{org.project}/tasks").json()["data"] == []


def test_added_and_assignee_events_carry_parent_and_new_value(org: Org) -> None:
    token = sync_token(org, org.project)
    gid = org.state.add_task("New", projects=[org.project]).gid
    org.state.update_task(gid, assignee=org.me)
    added, assigned = org.get("events", resource=org.project, sync=token).json()["data"]
    assert (added["action"], added["parent"]) == (
        "added", {"gid": org.project, "name": "Launch", "resource_type": "project"})
    assert "change" not in added
    assert assigned["change"] == {"field": "assignee", "action": "changed", "new_value": {
        "gid": org.me, "name": "Mia", "resource_type": "user"}}


def test_expired_token_is_a_412_with_a_fresh_token(org: Org) -> None:
    token = sync_token(org, org.project)
    org.state.expire_sync_tokens(org.project)
    response = org.get("events", resource=org.project, sync=token)
    assert response.status_code == 412
    fresh = response.json()["sync"]
    assert fresh != token
    assert org.get("events", resource=org.project, sync=fresh).json()["data"] == []


def test_more_than_a_hundred_events_come_with_has_more(org: Org) -> None:
    token = sync_token(org, org.project)
    add_tasks(org, 120)
    first = org.get("events", resource=org.project, sync=token).json()
    assert (len(first["data"]), first["has_more"]) == (100, True)
    second = org.get("events", resource=org.project, sync=first["sync"]).json()
    assert (len(second["data"]), second["has_more"]) == (20, False)
    assert second["data"][-1]["resource"]["name"] == "T119"


def test_project_moves_undeletes_and_archiving_are_events(org: Org) -> None:
    other = org.state.add_project(org.workspace, "Tour").gid
    gid = org.state.add_task("Shared", projects=[org.project]).gid
    token = sync_token(org, other)
    org.state.add_task_to_project(gid, other)
    org.state.delete_task(gid)
    org.state.undelete_task(gid)
    org.state.update_project(other, archived=True)
    events = org.get("events", resource=other, sync=token).json()["data"]
    assert [(e["resource"]["gid"], e["action"]) for e in events] == [
        (gid, "added"), (gid, "deleted"), (gid, "undeleted"), (other, "changed")]
    assert events[-1]["change"] == {"field": "archived", "action": "changed"}
    assert [t["gid"] for t in org.get(f"projects/{other}/tasks").json()["data"]] == [gid]


def test_events_need_a_resource(org: Org) -> None:
    assert error_of(org.get("events"), 400) == "resource: Missing input"


# -- errors ---------------------------------------------------------------------------

def test_unknown_routes_and_methods_are_404_no_matching_route(org: Org) -> None:
    assert error_of(org.get("portfolios"), 404) == "No matching route for request"
    assert error_of(org.http.post("workspaces"), 404) == "No matching route for request"


def test_missing_and_wrong_tokens_are_401(org: Org) -> None:
    assert error_of(org.http.get("users/me", headers={"Authorization": ""}), 401) == (
        "Not Authorized")
    assert error_of(org.http.get("users/me", headers={"Authorization": "Bearer nope"}),
                    401) == "Not Authorized"


def test_gids_that_never_existed_are_not_recognized(org: Org) -> None:
    assert error_of(org.get("tasks/9999999999999999"), 404) == (
        "task: Not a recognized ID: 9999999999999999")
    assert error_of(org.get("projects/abc"), 400) == "project: Not a recognized ID: abc"


# -- fault knobs ----------------------------------------------------------------------

def test_status_fault_renders_asanas_body_with_retry_after(org: Org) -> None:
    org.state.knobs.fail_next(2, status=503, retry_after_seconds=3, path_contains="/tasks")
    add_tasks(org, 1)
    for _ in range(2):
        response = org.get(f"projects/{org.project}/tasks")
        assert error_of(response, 503) == "Service Unavailable"
        assert response.headers["retry-after"] == "3"
        assert response.json()["errors"][0]["phrase"]
    assert org.get(f"projects/{org.project}/tasks").status_code == 200


def test_malformed_fault_strips_the_gid_of_one_record(org: Org) -> None:
    add_tasks(org, 2)
    org.state.knobs.malform_next(1, path_contains="/tasks")
    broken = org.get(f"projects/{org.project}/tasks").json()["data"]
    assert "gid" not in broken[0] and "gid" in broken[1]
    assert all("gid" in t for t in org.get(f"projects/{org.project}/tasks").json()["data"])


def test_truncated_fault_cuts_the_body_mid_json(org: Org) -> None:
    add_tasks(org, 3)
    org.state.knobs.truncate_next(1, path_contains="/events")
    token = sync_token(org, org.project)
    response = org.get("events", resource=org.project, sync=token)
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        response.json()


# -- out-of-process admin ------------------------------------------------------------

def test_state_route_runs_builder_calls(org: Org) -> None:
    admin = org.http.base_url.join("/_sandbox/state")
    created = org.http.post(admin, json={"op": "add_task", "args": {
        "name": "Remote", "projects": [org.project], "due_on": "2026-06-01"}})
    gid = created.json()["gid"]
    assert org.get(f"tasks/{gid}").json()["data"]["due_on"] == "2026-06-01"
    assert org.http.post(admin, json={"op": "delete_task", "args": {"gid": gid}}).json() == {
        "gid": None}
    assert org.http.post(admin, json={"op": "tasks", "args": {}}).status_code == 422
    assert org.http.post(admin, json={"op": "delete_task", "args": {"gid": "1"}}).status_code == (
        422)
