"""The Asana connector with the real `asana` SDK over HTTP against the sandbox replica.

Each test builds a small agency workspace in `AsanaState`, runs streams through
`AsanaConnector`, mutates the state through its builder API, and checks batches.
`Recorder` wraps the replica's ASGI app to keep every request's query string, so
tests can assert on the cursor parameters actually sent. `Store` is the test's
oracle for what sync does with batches (upsert, tombstones, complete scopes).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

import pytest
from sqlalchemy.engine import Engine
from starlette.types import ASGIApp, Receive, Send
from starlette.types import Scope as ASGIScope

from connectors.asana import AsanaConnector, TaskCursor
from connectors.batch import Batch, Scope
from connectors.errors import ConnectorError, Retriable, SourceStopped
from connectors.policy import CallPolicy
from model import LinkMethod, RecordState, Task
from sandbox.asana import AsanaState, create_app
from sandbox.knobs import Clock, Knobs
from sandbox.server import running
from tests.link_helpers import stored_urls

TOKEN = "0/asana-secret-pat-5f2c9e"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TASKS = "GET /api/1.0/tasks"


class Recorder:
    """ASGI wrapper keeping (path, query) of every request the replica receives."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.requests: list[tuple[str, dict[str, str]]] = []

    async def __call__(self, scope: ASGIScope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            query = dict(parse_qsl(scope["query_string"].decode()))
            self.requests.append((scope["path"], query))
        await self.app(scope, receive, send)

    def queries(self, path: str) -> list[dict[str, str]]:
        return [q for p, q in self.requests if p == path]


@dataclass
class Store:
    """What sync keeps: tasks by gid, tombstones, cursors; complete scopes delete the rest."""

    tasks: dict[str, Task] = field(default_factory=dict)
    cursors: dict[str, str | None] = field(default_factory=dict)

    def apply(self, batches: list[Batch]) -> list[Batch]:
        seen: set[str] = set()
        for batch in batches:
            for record in batch.records:
                if isinstance(record, Task):
                    self.tasks[record.external_id] = record
                    seen.add(record.external_id)
            for kind, gid in batch.tombstones:
                if kind == "task" and gid in self.tasks:
                    self.tasks[gid].state = RecordState.deleted
            if batch.complete is not None and batch.complete.kind == "task":
                for gid, task in self.tasks.items():
                    if gid not in seen and all(getattr(task, c) == v
                                               for c, v in batch.complete.where):
                        task.state = RecordState.deleted
            if batch.cursor is not None:
                self.cursors[batch.stream] = batch.cursor
        return batches

    def live(self) -> set[str]:
        return {t.title for t in self.tasks.values() if t.state is not RecordState.deleted}


@dataclass
class World:
    state: AsanaState
    recorder: Recorder
    base_url: str
    ids: dict[str, str]
    waits: list[float] = field(default_factory=list)

    def connector(self, *, token: str = TOKEN, projects: tuple[str, ...] = (),
                  timeout_seconds: float = 5.0) -> AsanaConnector:
        return AsanaConnector("asana-test", self.base_url, token, self.ids["ws"],
                              projects=list(projects), timeout_seconds=timeout_seconds,
                              policy=CallPolicy(sleep=self.waits.append), clock=self.state.now)

    def pull(self, stream: str, store: Store | None = None, *, full: bool = False,
             connector: AsanaConnector | None = None) -> list[Batch]:
        store = store if store is not None else Store()
        return store.apply(list((connector or self.connector()).pull(
            stream, dict(store.cursors), full)))

    def later(self) -> None:
        self.state.knobs.clock.advance(timedelta(hours=1))


@pytest.fixture
def world() -> Iterator[World]:
    state = AsanaState(Knobs(clock=Clock(START)))
    ws = state.add_workspace("agency.example").gid
    ana = state.add_user("Ana Ruiz", "ana@agency.example", workspaces=[ws], token=TOKEN).gid
    ben = state.add_user("Ben Okafor", "Ben@agency.example", workspaces=[ws]).gid
    hours = state.add_custom_field(ws, "Estimated hours", precision=1).gid
    gala = state.add_project(ws, "Spring gala", custom_fields=[hours]).gid
    fair = state.add_project(ws, "Winter fair", archived=True).gid
    venue = state.add_section(gala, "Venue").gid
    catering = state.add_section(gala, "Catering").gid
    book = state.add_task("Book venue", projects=[gala], section=venue, assignee=ana,
                          due_on=date(2026, 3, 20), custom_values={hours: 6.5}).gid
    menu = state.add_task("Menu tasting", projects=[gala], section=catering, assignee=ben,
                          due_at=datetime(2026, 3, 12, 15, 30, tzinfo=UTC)).gid
    sign = state.add_task("Sign contract", projects=[gala], dependencies=[book],
                          completed=True).gid
    visit = state.add_task("Visit site", parent=book, assignee=ben).gid
    photos = state.add_task("Take photos", parent=visit).gid
    stall = state.add_task("Old stall", projects=[fair]).gid
    state.knobs.clock.advance(timedelta(hours=1))
    recorder = Recorder(create_app(state))
    ids = {"ws": ws, "ana": ana, "ben": ben, "gala": gala, "fair": fair, "book": book,
           "menu": menu, "sign": sign, "visit": visit, "photos": photos, "stall": stall}
    with running(recorder) as server:
        yield World(state, recorder, server.base_url + "/api/1.0", ids)


def records(batches: list[Batch]) -> dict[str, Any]:
    return {r.external_id: r for b in batches for r in b.records}


# -- full and incremental ---------------------------------------------------------------


def test_first_sync_lists_users_projects_and_every_task_with_subtasks(world: World) -> None:
    identities = [i for b in world.pull("users") for i in b.identities]
    assert {(i.email, i.active) for i in identities} == {
        ("ana@agency.example", True), ("ben@agency.example", True)}
    projects = records(world.pull("projects"))
    assert projects[world.ids["fair"]].state is RecordState.archived
    assert projects[world.ids["gala"]].state is RecordState.active

    store = Store()
    batches = world.pull("tasks", store)
    tasks = records(batches)
    ids = world.ids
    assert {t.title for t in tasks.values()} == {
        "Book venue", "Menu tasting", "Sign contract", "Visit site", "Take photos", "Old stall"}
    book, menu = tasks[ids["book"]], tasks[ids["menu"]]
    assert (book.due_on, book.due_at, book.estimate_hours, book.section) == (
        date(2026, 3, 20), None, 6.5, "Venue")
    assert menu.due_at == datetime(2026, 3, 12, 15, 30, tzinfo=UTC)
    assert menu.due_on == date(2026, 3, 12) and menu.section == "Catering"
    assert tasks[ids["sign"]].state is RecordState.completed
    assert tasks[ids["photos"]].parent_external_id == ids["visit"]
    assert tasks[ids["photos"]].project_external_id == ids["gala"]
    assert book.url and book.url.endswith(f"/project/{ids['gala']}/task/{ids['book']}")
    children = {k: v for b in batches for k, v in b.assignees.items()}
    assert children[ids["visit"]] == [ids["ben"]] and children[ids["sign"]] == []
    assert {k: v for b in batches for k, v in b.dependencies.items()}[ids["sign"]] == [
        ids["book"]]

    ends = [b for b in batches if b.complete is not None]
    assert [(b.stream, b.complete.where) for b in ends] == [  # type: ignore[union-attr]
        (f"tasks:{ids['gala']}", (("project_external_id", ids["gala"]),)),
        (f"tasks:{ids['fair']}", (("project_external_id", ids["fair"]),))]
    cursor = TaskCursor.loads(store.cursors[f"tasks:{ids['gala']}"])
    assert cursor is not None and cursor.modified_since == "2026-03-02T09:59:00.000Z"
    assert all(q["limit"] == "100" for q in world.recorder.queries("/api/1.0/tasks"))
    assert sum(b.api_calls for b in batches) == world.state.knobs.total_requests() - 2


def test_notes_of_tasks_and_projects_reach_link_detection_plain_and_rich(
        world: World, engine: Engine) -> None:
    """Tasks and projects are asked for `notes` and `html_notes` (a labelled link keeps its
    URL only in the href), and what is stored is what link detection reads."""
    card, deal = "https://trello.com/c/AbCd1234", "https://acme.my.salesforce.com/006dM00000Mw7Vt"
    world.state.update_task(world.ids["book"], notes=f"Design: {card}")
    world.state.update_project(world.ids["gala"], notes=f"Deal {deal} & co")
    world.later()
    task = records(world.pull("tasks"))[world.ids["book"]]
    project = records(world.pull("projects"))[world.ids["gala"]]
    assert task.raw["html_notes"] == f"<body>Design: {card}</body>"
    assert project.raw["html_notes"] == f"<body>Deal {deal} &amp; co</body>"
    found = stored_urls(engine, task, project)
    assert found[("task", "asana-test", world.ids["book"])] == {
        card: LinkMethod.url_in_description}
    assert found[("project", "asana-test", world.ids["gala"])] == {
        deal: LinkMethod.url_in_description}


def test_incremental_sync_sends_modified_since_and_returns_only_the_change(
        world: World) -> None:
    store = Store()
    world.pull("tasks", store)
    sent_cursor = TaskCursor.loads(store.cursors[f"tasks:{world.ids['gala']}"])
    world.later()
    world.state.update_task(world.ids["menu"], name="Menu tasting (vegan)")
    world.recorder.requests.clear()

    batches = world.pull("tasks", store)
    assert {r.title for r in records(batches).values()} == {"Menu tasting (vegan)"}
    assert all(b.complete is None for b in batches)
    gala_query = next(q for q in world.recorder.queries("/api/1.0/tasks")
                      if q["project"] == world.ids["gala"])
    assert sent_cursor is not None
    assert gala_query["modified_since"] == sent_cursor.modified_since
    assert TaskCursor.loads(store.cursors[f"tasks:{world.ids['gala']}"]).modified_since == (
        "2026-03-02T10:59:00.000Z")  # type: ignore[union-attr]


def test_deleted_task_is_tombstoned_with_its_subtasks(world: World) -> None:
    store = Store()
    world.pull("tasks", store)
    world.later()
    world.state.delete_task(world.ids["book"])

    batches = world.pull("tasks", store)
    assert ("task", world.ids["book"]) in [t for b in batches for t in b.tombstones]
    assert store.tasks[world.ids["visit"]].state is RecordState.deleted  # parent scope
    assert store.live() == {"Menu tasting", "Sign contract", "Old stall", "Take photos"}


def test_expired_sync_token_relists_the_project_and_tombstones_only_what_is_missing(
        world: World) -> None:
    store = Store()
    world.pull("tasks", store)
    world.later()
    world.state.expire_sync_tokens(world.ids["gala"])
    world.state.delete_task(world.ids["sign"])
    world.state.update_task(world.ids["stall"], name="Old stall (moved)")
    world.recorder.requests.clear()

    batches = world.pull("tasks", store)
    gala, fair = (next(q for q in world.recorder.queries("/api/1.0/tasks")
                       if q["project"] == world.ids[p]) for p in ("gala", "fair"))
    assert "modified_since" not in gala and "modified_since" in fair
    assert {r.title for r in records(batches).values()} >= {"Book venue", "Take photos"}
    assert store.live() == {"Book venue", "Menu tasting", "Visit site", "Take photos",
                            "Old stall (moved)"}
    assert [(b.stream, b.complete) for b in batches if b.complete] == [  # only gala's re-list
        (f"tasks:{world.ids['gala']}",
         Scope("task", (("project_external_id", world.ids["gala"]),)))]

    world.later()
    world.recorder.requests.clear()
    world.pull("tasks", store)  # the fresh token from the 412 works
    assert all("modified_since" in q for q in world.recorder.queries("/api/1.0/tasks"))


def test_full_flag_ignores_stored_cursors(world: World) -> None:
    store = Store()
    world.pull("tasks", store)
    world.recorder.requests.clear()
    batches = world.pull("tasks", store, full=True)
    assert len(records(batches)) == 6
    assert not any("modified_since" in q for q in world.recorder.queries("/api/1.0/tasks"))
    assert len([b for b in batches if b.complete]) == 2


def test_user_who_leaves_the_workspace_becomes_inactive(world: World) -> None:
    store = Store()
    world.pull("users", store)
    assert json.loads(store.cursors["users"]) == sorted([world.ids["ana"], world.ids["ben"]])
    world.state.remove_user_from_workspace(world.ids["ben"], world.ids["ws"])
    batches = world.pull("users", store)
    assert [(i.external_id, i.email, i.active) for b in batches for i in b.identities] == [
        (world.ids["ana"], "ana@agency.example", True),
        (world.ids["ben"], "ben@agency.example", False)]
    assert json.loads(store.cursors["users"]) == [world.ids["ana"]]
    assert [i for b in world.pull("users", store) for i in b.identities if not i.active] == []


def test_assignee_outside_the_workspace_is_an_inactive_identity(world: World) -> None:
    world.state.remove_user_from_workspace(world.ids["ben"], world.ids["ws"])
    users = [i.external_id for b in world.pull("users") for i in b.identities]
    assert users == [world.ids["ana"]]
    batches = world.pull("tasks")
    outsiders = [i for b in batches for i in b.identities]
    assert [(i.external_id, i.email, i.active) for i in outsiders] == [
        (world.ids["ben"], "ben@agency.example", False)]
    assignees = {k: v for b in batches for k, v in b.assignees.items()}
    assert assignees[world.ids["menu"]] == [world.ids["ben"]]


def test_pages_of_100_are_all_followed(world: World) -> None:
    for n in range(150):
        world.state.add_task(f"Chair {n}", projects=[world.ids["fair"]])
    batches = world.pull("tasks", connector=world.connector(projects=(world.ids["fair"],)))
    assert len(records(batches)) == 151
    queries = world.recorder.queries("/api/1.0/tasks")
    assert [("offset" in q, q["limit"]) for q in queries] == [(False, "100"), (True, "100")]


def test_configured_project_that_is_gone_is_tombstoned(world: World) -> None:
    connector = world.connector(projects=(world.ids["gala"], "1299999999999999"))
    projects = world.pull("projects", connector=connector)
    assert [t for b in projects for t in b.tombstones] == [("project", "1299999999999999")]
    batches = world.pull("tasks", connector=connector)
    gone = [b for b in batches if b.stream == "tasks:1299999999999999"]
    assert gone[0].complete is not None and gone[0].records == []


# -- faults -------------------------------------------------------------------------------


def test_429_retry_after_is_honoured_once_by_the_policy(world: World) -> None:
    world.state.knobs.fail_next(1, status=429, retry_after_seconds=7, path_contains="/tasks")
    batches = world.pull("tasks")
    assert len(records(batches)) == 6
    assert world.waits == [7.0]  # the SDK's own urllib3 retry is off: no second sleep
    assert world.state.knobs.counters[TASKS] == 3  # 429 + gala + fair


def test_server_errors_are_retried_then_succeed(world: World) -> None:
    world.state.knobs.fail_next(2, status=500, path_contains="/tasks")
    world.state.knobs.fail_next(1, status=503, path_contains="/events")
    assert len(records(world.pull("tasks"))) == 6
    assert len(world.waits) == 3


def test_truncated_page_and_slow_answer_are_retried(world: World) -> None:
    world.state.knobs.truncate_next(1, path_contains="/tasks")
    world.state.knobs.delay_next(1, seconds=1.0, path_contains="/subtasks")
    batches = world.pull("tasks", connector=world.connector(timeout_seconds=0.3))
    assert len(records(batches)) == 6 and len(world.waits) == 2


def test_server_errors_that_persist_raise_retriable_after_bounded_tries(
        world: World) -> None:
    world.state.knobs.fail_next(10, status=502, path_contains="/users")
    with pytest.raises(Retriable, match="HTTP 502"):
        world.pull("users")
    assert world.state.knobs.counters["GET /api/1.0/users"] == 5


def test_revoked_token_stops_the_source_without_retries(world: World) -> None:
    del world.state.tokens[TOKEN]
    with pytest.raises(SourceStopped) as stopped:
        world.pull("users")
    message = str(stopped.value)
    assert "HTTP 401" in message and "renew the Asana token" in message
    assert TOKEN not in message and world.waits == []
    assert world.state.knobs.total_requests() == 1


def test_malformed_record_is_quarantined_and_the_rest_maps(world: World) -> None:
    world.state.knobs.malform_next(1, path_contains="/tasks")
    store = Store()
    batches = world.pull("tasks", store)
    quarantined = [q for b in batches for q in b.quarantined]
    assert len(quarantined) == 1 and "no gid" in quarantined[0].error
    assert quarantined[0].payload["name"] == "Book venue"
    assert len(records(batches)) == 3  # Book venue and its two subtasks are set aside
    gala_end = [b for b in batches if b.stream == f"tasks:{world.ids['gala']}"][-1]
    assert gala_end.complete is None and gala_end.cursor is not None


def test_no_secret_in_logs_or_exceptions(world: World, caplog: pytest.LogCaptureFixture
                                         ) -> None:
    caplog.set_level(logging.DEBUG)
    errors: list[ConnectorError] = []
    world.state.knobs.fail_next(1, status=429, retry_after_seconds=1)
    world.pull("users")
    world.pull("tasks")
    for status in (401, 403, 404, 400):
        world.state.knobs.fail_next(1, status=status, path_contains="/users")
        with pytest.raises(SourceStopped) as stopped:
            world.pull("users")
        errors.append(stopped.value)
    texts = [str(e) for e in errors] + [caplog.text, json.dumps([r.getMessage()
                                                                 for r in caplog.records])]
    assert all(TOKEN not in text for text in texts)
    assert all(e.__cause__ is None and e.__suppress_context__ for e in errors)  # no SDK text
