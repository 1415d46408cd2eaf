"""Offline replica of the Google Tasks API v1 subset baton reads: tasklists.list and tasks.list.

Tasks has no sync token, so an incremental read is `updatedMin` + `showDeleted` +
`showHidden`, and the replica must get those flags exactly right:
- deleted tasks come back (with `deleted: true`) only with `showDeleted=true`;
- hidden tasks (completed, then cleared; and, as the discovery doc warns, tasks completed in
  Google's own apps) come back only with `showHidden=true`;
- completed ones are shown by default (`showCompleted` defaults to true);
- `due` is a date: it is always rendered as midnight UTC (`2020-12-20T00:00:00.000Z`).
Other facts from recorded bodies: tasks are listed newest `updated` first, ids are unpadded
URL-safe base64 of the internal id that `webViewLink` carries, task `updated`/`completed`
have whole seconds (`.000Z`) while task lists keep milliseconds, a list's `updated` moves
whenever one of its tasks changes, and the page's etag is the list's etag. `maxResults`
above the documented maximum is capped, not refused, as older Google APIs do.
"""

from __future__ import annotations

import base64
import random
import zlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from starlette.responses import Response

from sandbox import google_common
from sandbox.google_frontend import (
    Authorize,
    amend_error,
    auth_failure,
    bearer_present,
    decode_token,
    encode_token,
    install_not_found_page,
    json_or_truncated,
)
from sandbox.knobs import Knobs, KnobsMiddleware, admin_router

SELF_LINK_ROOT = "https://www.googleapis.com/tasks/v1"
WEB_VIEW_ROOT = "https://tasks.google.com/task"
DEFAULT_LIST_TITLE = "My Tasks"
LISTS_PAGE_DEFAULT = LISTS_PAGE_MAX = 1000
TASKS_PAGE_DEFAULT, TASKS_PAGE_MAX = 20, 100
ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
ACCESS_NOT_CONFIGURED = (
    "Google Tasks API has not been used in project {project} before or it is disabled. Enable "
    "it by visiting https://console.developers.google.com/apis/api/tasks.googleapis.com/"
    "overview?project={project} then retry. If you enabled this API recently, wait a few "
    "minutes for the action to propagate to our systems and retry.")


def _b64(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _etag(seed: str) -> str:
    """Quoted base64 of a signed 32-bit number, the shape recorded etags have."""
    number = str(zlib.crc32(seed.encode()) - 2**31).encode()
    return '"' + base64.b64encode(number).decode().rstrip("=") + '"'


def _seconds(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _millis(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


@dataclass
class TaskList:
    id: str
    title: str
    updated_at: datetime
    version: int = 1


@dataclass
class Task:
    raw_id: str
    seq: int
    tasklist_id: str
    title: str
    position: int
    updated_at: datetime
    notes: str | None = None
    due_on: date | None = None
    parent: str | None = None
    completed_at: datetime | None = None
    hidden: bool = False
    deleted: bool = False
    version: int = 1

    @property
    def id(self) -> str:
        return _b64(self.raw_id)


@dataclass
class TasksState:
    """The signed-in user's task lists and tasks. A fresh account has its default list
    "My Tasks" (id form `base64("<digits>:0:0")`), which `@default` also names."""

    knobs: Knobs = field(default_factory=Knobs)
    api_enabled: bool = True
    project_number: str = "977052058199"
    seed: int = 7
    tasklists: dict[str, TaskList] = field(default_factory=dict)
    tasks: dict[str, Task] = field(default_factory=dict)
    default_list_id: str = ""
    _rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        digits = "".join(self._rng.choice("0123456789") for _ in range(20))
        self.default_list_id = _b64(f"{digits}:0:0")
        self.tasklists[self.default_list_id] = TaskList(self.default_list_id, DEFAULT_LIST_TITLE,
                                                        self.knobs.clock.now())

    def add_task_list(self, title: str) -> str:
        list_id = _b64(self._raw_id())
        self.tasklists[list_id] = TaskList(list_id, title, self.knobs.clock.now())
        return list_id

    def delete_task_list(self, list_id: str) -> None:
        """tasklists.delete: the list and its tasks are gone from every listing at once
        (no `deleted` flag survives, unlike a deleted task); the default list cannot go."""
        if list_id == self.default_list_id:
            raise ValueError("the default task list cannot be deleted")
        del self.tasklists[list_id]
        self.tasks = {k: t for k, t in self.tasks.items() if t.tasklist_id != list_id}

    def add_task(self, tasklist_id: str, title: str, *, notes: str | None = None,
                 due_on: date | None = None, parent: str | None = None) -> str:
        """Create a task (under `parent`, a task id, for a subtask) and return its id."""
        task_list = self.tasklists[tasklist_id]
        if parent is not None and self._live(parent).tasklist_id != tasklist_id:
            raise KeyError(f"task {parent} is in another list")
        siblings = [t for t in self.tasks.values()
                    if t.tasklist_id == tasklist_id and t.parent == parent]
        task = Task(self._raw_id(), len(self.tasks) + 1, tasklist_id, title, len(siblings),
                    self.knobs.clock.now(), notes, due_on, parent)
        self.tasks[task.id] = task
        self._touch_list(task_list)
        return task.id

    def update_task(self, task_id: str, *, title: str | None = None, notes: str | None = None,
                    due_on: date | None = None, clear_due: bool = False) -> None:
        task = self._live(task_id)
        task.title = title if title is not None else task.title
        task.notes = notes if notes is not None else task.notes
        task.due_on = None if clear_due else (due_on or task.due_on)
        self._touch(task)

    def complete_task(self, task_id: str, *, in_google_app: bool = False) -> None:
        """Mark completed now. Completing in Google's web or mobile app hides the task at
        once (discovery doc: such tasks need showHidden), unlike completing through the API."""
        task = self._live(task_id)
        task.completed_at = self.knobs.clock.now()
        task.hidden = in_google_app
        self._touch(task)

    def reopen_task(self, task_id: str) -> None:
        task = self._live(task_id)
        task.completed_at, task.hidden = None, False
        self._touch(task)

    def clear_completed(self, tasklist_id: str) -> None:
        """tasks.clear: every completed task of the list becomes hidden."""
        for task in list(self.tasks.values()):
            if task.tasklist_id == tasklist_id and task.completed_at and not task.hidden:
                task.hidden = True
                self._touch(task)

    def hide_task(self, task_id: str) -> None:
        """Hide one completed task, as clearing its list would."""
        task = self._live(task_id)
        if task.completed_at is None:
            raise ValueError(f"task {task_id} is not completed; only completed tasks hide")
        task.hidden = True
        self._touch(task)

    def delete_task(self, task_id: str) -> None:
        """Deleting a task deletes its subtasks too; all stay visible with showDeleted."""
        task = self._live(task_id)
        for child in [t for t in self.tasks.values() if t.parent == task_id and not t.deleted]:
            self.delete_task(child.id)
        task.deleted = True
        self._touch(task)

    def _raw_id(self) -> str:
        return "".join(self._rng.choice(ID_ALPHABET) for _ in range(16))

    def _live(self, task_id: str) -> Task:
        task = self.tasks[task_id]
        if task.deleted:
            raise KeyError(f"task {task_id} is deleted")
        return task

    def _touch(self, task: Task) -> None:
        task.updated_at = self.knobs.clock.now()
        task.version += 1
        self._touch_list(self.tasklists[task.tasklist_id])

    def _touch_list(self, task_list: TaskList) -> None:
        task_list.updated_at = self.knobs.clock.now()
        task_list.version += 1


def render_task_list(task_list: TaskList) -> dict[str, Any]:
    return {"kind": "tasks#taskList", "id": task_list.id,
            "etag": _etag(f"{task_list.id}:{task_list.version}"), "title": task_list.title,
            "updated": _millis(task_list.updated_at),
            "selfLink": f"{SELF_LINK_ROOT}/users/@me/lists/{task_list.id}"}


def render_task(task: Task) -> dict[str, Any]:
    """Optional fields (parent, notes, due, completed, deleted, hidden) are omitted when
    unset or false, as in recorded bodies; `links` is always there, possibly empty."""
    body: dict[str, Any] = {
        "kind": "tasks#task", "id": task.id, "etag": _etag(f"{task.id}:{task.version}"),
        "title": task.title, "updated": _seconds(task.updated_at),
        "selfLink": f"{SELF_LINK_ROOT}/lists/{task.tasklist_id}/tasks/{task.id}"}
    if task.parent:
        body["parent"] = task.parent
    body["position"] = f"{task.position:020d}"
    if task.notes:
        body["notes"] = task.notes
    body["status"] = "completed" if task.completed_at else "needsAction"
    if task.due_on:
        body["due"] = task.due_on.strftime("%Y-%m-%dT00:00:00.000Z")
    if task.completed_at:
        body["completed"] = _seconds(task.completed_at)
    if task.deleted:
        body["deleted"] = True
    if task.hidden:
        body["hidden"] = True
    body["links"] = []
    body["webViewLink"] = f"{WEB_VIEW_ROOT}/{task.raw_id}"
    return body


# ---------------------------------------------------------------- request handling


class InvalidValue(Exception):
    """Old-style 400 (`errors[0].reason` "invalid"), e.g. a bad timestamp or page token."""

    def __init__(self, message: str = "Invalid Value") -> None:
        super().__init__(message)
        self.message = message


def _int_param(request: Request, name: str, default: int, cap: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidValue() from None
    if value < 0:
        raise InvalidValue()
    return min(value, cap) or default


def _bool_param(request: Request, name: str, default: bool) -> bool:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if raw.lower() not in ("true", "false"):
        raise InvalidValue()
    return raw.lower() == "true"


def _time_param(request: Request, name: str) -> datetime | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidValue() from None
    if value.tzinfo is None:
        raise InvalidValue()
    return value


def _offset(request: Request) -> int:
    token = request.query_params.get("pageToken")
    if not token:
        return 0
    payload = decode_token(token)
    if payload is None or not isinstance(payload.get("offset"), int):
        raise InvalidValue()
    return payload["offset"]


def _moment(task: Task, name: str) -> datetime | None:
    """The task's value that a `<name>Min`/`<name>Max` bound compares, as rendered (whole
    seconds; a due date at midnight UTC)."""
    if name == "updated":
        return task.updated_at.replace(microsecond=0)
    if name == "completed":
        return task.completed_at.replace(microsecond=0) if task.completed_at else None
    return datetime.combine(task.due_on, time(), tzinfo=UTC) if task.due_on else None


@dataclass(frozen=True)
class TaskFilter:
    show_completed: bool
    show_deleted: bool
    show_hidden: bool
    bounds: tuple[tuple[str, bool, datetime], ...]  # (field, is_lower_bound, value)

    def admits(self, task: Task) -> bool:
        if (task.deleted and not self.show_deleted) or (task.hidden and not self.show_hidden):
            return False
        if task.completed_at and not self.show_completed:
            return False
        for name, is_lower, bound in self.bounds:
            value = _moment(task, name)
            if value is None or (value < bound if is_lower else value > bound):
                return False
        return True


def parse_task_filter(request: Request) -> TaskFilter:
    names = ("updatedMin", "completedMin", "completedMax", "dueMin", "dueMax")
    bounds = tuple((name[:-3], name.endswith("Min"), value) for name in names
                   if (value := _time_param(request, name)) is not None)
    return TaskFilter(_bool_param(request, "showCompleted", True),
                      _bool_param(request, "showDeleted", False),
                      _bool_param(request, "showHidden", False), bounds)


def _page(items: list[dict[str, Any]], offset: int, size: int,
          body: dict[str, Any]) -> dict[str, Any]:
    """Fill `nextPageToken`/`items` (both omitted when empty) of a collection body."""
    page = items[offset:offset + size]
    if offset + size < len(items):
        body["nextPageToken"] = encode_token({"offset": offset + size})
    if page:
        body["items"] = page
    return body


def router(state: TasksState, authorize: Authorize) -> APIRouter:
    api = APIRouter()

    def refused(request: Request) -> Response | None:
        if (denied := auth_failure(request, authorize, old_style=True)) is not None:
            return denied
        if state.api_enabled:
            return None
        message = ACCESS_NOT_CONFIGURED.format(project=state.project_number)
        response = google_common.google_error(403, message, "accessNotConfigured",
                                              domain="usageLimits")
        help_link = {"extendedHelp": "https://console.developers.google.com"}
        return amend_error(response, first_error_extra=help_link)

    @api.get("/tasks/v1/users/@me/lists")
    def list_task_lists(request: Request) -> Response:
        if (failure := refused(request)) is not None:
            return failure
        try:
            size = _int_param(request, "maxResults", LISTS_PAGE_DEFAULT, LISTS_PAGE_MAX)
            offset = _offset(request)
        except InvalidValue as bad:
            return google_common.google_error(400, bad.message, "invalid")
        items = [render_task_list(t) for t in state.tasklists.values()]
        collection_etag = _etag("|".join(i["etag"] for i in items))
        body = _page(items, offset, size, {"kind": "tasks#taskLists", "etag": collection_etag})
        _malform(state.knobs, body, request.url.path)
        return json_or_truncated(state.knobs, body, request.url.path)

    @api.get("/tasks/v1/lists/{tasklist}/tasks")
    def list_tasks(tasklist: str, request: Request) -> Response:
        if (failure := refused(request)) is not None:
            return failure
        list_id = state.default_list_id if tasklist == "@default" else tasklist
        task_list = state.tasklists.get(list_id)
        if task_list is None:
            return google_common.google_error(400, "Invalid task list ID", "invalid")
        try:
            size = _int_param(request, "maxResults", TASKS_PAGE_DEFAULT, TASKS_PAGE_MAX)
            offset, task_filter = _offset(request), parse_task_filter(request)
        except InvalidValue as bad:
            return google_common.google_error(400, bad.message, "invalid")
        chosen = sorted((t for t in state.tasks.values()
                         if t.tasklist_id == list_id and task_filter.admits(t)),
                        key=lambda t: (t.updated_at, t.seq), reverse=True)
        body = _page([render_task(t) for t in chosen], offset, size,
                     {"kind": "tasks#tasks", "etag": render_task_list(task_list)["etag"]})
        _malform(state.knobs, body, request.url.path)
        return json_or_truncated(state.knobs, body, request.url.path)

    return api


def _malform(knobs: Knobs, body: dict[str, Any], path: str) -> None:
    """Malformed fault: the first record of the page loses its id (or has it in the
    fault's form)."""
    fault = knobs.take("malformed", path) if body.get("items") else None
    if fault is not None:
        body["items"][0] = fault.broken(body["items"][0], "id")


def create_app(state: TasksState, authorize: Authorize | None = None) -> KnobsMiddleware:
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    app.include_router(router(state, authorize or bearer_present))
    app.include_router(admin_router(state.knobs))
    install_not_found_page(app)
    return KnobsMiddleware(app, state.knobs, google_common.render_fault)

