"""The official client (google-api-python-client, static discovery document) against the
Tasks replica over real HTTP, with one root URL as baton's connector will use it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from google.oauth2.credentials import Credentials
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from sandbox.google_tasks import TasksState, create_app
from sandbox.knobs import Clock, Knobs
from sandbox.server import running

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def state() -> TasksState:
    tasks = TasksState(knobs=Knobs(clock=Clock(START)))
    for i in range(4):
        tasks.add_task_list(f"List {i}")
    return tasks


@pytest.fixture
def service(state: TasksState) -> Iterator[Any]:
    with running(create_app(state)) as server:
        yield build("tasks", "v1", credentials=Credentials(token="sandbox-token"),
                    client_options={"api_endpoint": server.base_url}, static_discovery=True)


def every_page(collection: Any, **params: Any) -> list[dict[str, Any]]:
    request = collection.list(**params)
    pages = []
    while request is not None:
        pages.append(request.execute())
        request = collection.list_next(request, pages[-1])
    return pages


def items(pages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [item for page in pages for item in page.get("items", [])]


def test_pages_through_task_lists(service, state):
    pages = every_page(service.tasklists(), maxResults=2)
    assert len(pages) == 3
    assert [i["id"] for i in items(pages)] == list(state.tasklists)


def test_pages_through_tasks(service, state):
    work = list(state.tasklists)[1]
    created = []
    for i in range(10):
        state.knobs.clock.advance(timedelta(seconds=1))
        created.append(state.add_task(work, f"Task {i}", due_on=date(2026, 3, 10 + i)))
    pages = every_page(service.tasks(), tasklist=work, maxResults=3)
    assert len(pages) == 4
    assert [t["id"] for t in items(pages)] == created[::-1]
    assert items(pages)[0]["due"] == "2026-03-19T00:00:00.000Z"


def test_incremental_read_sees_deleted_and_hidden_tasks(service, state):
    work = list(state.tasklists)[1]
    keep, remove, finish, app_done = (state.add_task(work, name) for name in
                                      ("Keep", "Remove", "Finish", "Done in app"))
    full = items(every_page(service.tasks(), tasklist=work, showDeleted=True, showHidden=True))
    cursor = max(task["updated"] for task in full)
    state.knobs.clock.advance(timedelta(minutes=10))
    state.delete_task(remove)
    state.complete_task(finish)
    state.clear_completed(work)
    state.complete_task(app_done, in_google_app=True)
    changed = items(every_page(service.tasks(), tasklist=work, updatedMin=cursor,
                               showDeleted=True, showHidden=True, maxResults=2))
    by_id = {task["id"]: task for task in changed}
    assert by_id[remove]["deleted"] is True
    assert by_id[finish]["hidden"] is True and by_id[finish]["status"] == "completed"
    assert by_id[app_done]["hidden"] is True
    assert by_id[keep]["updated"] == cursor  # updatedMin is inclusive: boundary rows repeat
    plain = items(every_page(service.tasks(), tasklist=work, updatedMin=cursor))
    assert [task["id"] for task in plain] == [keep]


def test_disabled_api_surfaces_as_http_error_403(service, state):
    state.api_enabled = False
    with pytest.raises(HttpError) as raised:
        service.tasklists().list().execute()
    assert raised.value.resp.status == 403
    error = json.loads(raised.value.content)["error"]
    assert error["errors"][0]["reason"] == "accessNotConfigured"
