"""Task routes: project listings, `/tasks` filters, single tasks and their relations.

`modified_since` is honoured on `/projects/{gid}/tasks` too, although the OpenAPI
lists it only for `/tasks` (reported working: Asana/java-asana#164). Both filters
keep boundary rows (`>=`). `/tasks` needs exactly one of project / section /
assignee+workspace; with none at all it is the documented 400 "workspace: Missing
input".
"""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from sandbox.asana.errors import AsanaError, AsanaJSONResponse
from sandbox.asana.records import Task
from sandbox.asana.responses import Api, parse_time

TASKS_FILTER_MESSAGE = (
    "Must specify exactly one of project, tag, section, user task list, or assignee + workspace"
)


def task_routes(api: Api, router: APIRouter) -> None:
    @router.get("/projects/{project_gid}/tasks")
    def get_project_tasks(request: Request, project_gid: str) -> Response:
        api.caller(request)
        api.lookup(api.state.projects, project_gid, "project")
        return _task_list(api, request, _in_project(api, project_gid))

    @router.get("/tasks")
    def get_tasks(request: Request) -> Response:
        api.caller(request)
        return _task_list(api, request, _filtered(api, request))

    @router.get("/tasks/{task_gid}")
    def get_task(request: Request, task_gid: str) -> Response:
        api.caller(request)
        return api.one(request, api.views.task(api.lookup(api.state.tasks, task_gid, "task")))

    @router.delete("/tasks/{task_gid}")
    def delete_task(request: Request, task_gid: str) -> Response:
        """Answers `{"data": {}}` (recorded) and leaves a `deleted` event."""
        api.caller(request)
        api.lookup(api.state.tasks, task_gid, "task")
        api.state.delete_task(task_gid)
        return AsanaJSONResponse({"data": {}})

    @router.get("/tasks/{task_gid}/subtasks")
    def get_subtasks(request: Request, task_gid: str) -> Response:
        api.caller(request)
        api.lookup(api.state.tasks, task_gid, "task")
        return _plain_list(api, request, api.views.subtasks(task_gid))

    @router.get("/tasks/{task_gid}/dependencies")
    def get_dependencies(request: Request, task_gid: str) -> Response:
        api.caller(request)
        task = api.lookup(api.state.tasks, task_gid, "task")
        deps = (api.state.tasks[d] for d in task.dependencies)
        return _plain_list(api, request, [t for t in deps if not t.deleted])

    @router.get("/tasks/{task_gid}/dependents")
    def get_dependents(request: Request, task_gid: str) -> Response:
        api.caller(request)
        api.lookup(api.state.tasks, task_gid, "task")
        return _plain_list(api, request, api.views.dependents(task_gid))


def _in_project(api: Api, project: str) -> list[Task]:
    return [t for t in api.state.tasks.values() if project in t.projects and not t.deleted]


def _filtered(api: Api, request: Request) -> list[Task]:
    query = request.query_params
    chosen = [name for name in ("project", "section", "tag", "user_task_list") if name in query]
    pair = "assignee" in query and "workspace" in query
    if not chosen and not pair:
        if "workspace" in query:
            raise AsanaError(400, TASKS_FILTER_MESSAGE)
        raise AsanaError(400, "workspace: Missing input")
    if len(chosen) + pair != 1 or chosen in (["tag"], ["user_task_list"]):
        raise AsanaError(400, TASKS_FILTER_MESSAGE)
    if chosen == ["project"]:
        api.lookup(api.state.projects, query["project"], "project")
        return _in_project(api, query["project"])
    if chosen == ["section"]:
        section = api.lookup(api.state.sections, query["section"], "section")
        return [t for t in _in_project(api, section.project)
                if any(m.section == section.gid for m in t.memberships)]
    api.lookup(api.state.workspaces, query["workspace"], "workspace")
    assignee = api.caller(request).gid if query["assignee"] == "me" else query["assignee"]
    return [t for t in api.state.tasks.values() if not t.deleted and t.assignee == assignee
            and t.workspace == query["workspace"]]


def _task_list(api: Api, request: Request, tasks: Iterable[Task]) -> Response:
    query = request.query_params
    now = api.state.now()
    modified_since = parse_time("modified_since", query.get("modified_since"))
    completed_since = parse_time("completed_since", query.get("completed_since"),
                                 allow_now=True, now=now)
    kept = [t for t in tasks
            if (modified_since is None or t.modified_at >= modified_since)
            and (completed_since is None or not t.completed
                 or (t.completed_at is not None and t.completed_at >= completed_since))]
    return api.many(request, [api.views.task(t) for t in kept])


def _plain_list(api: Api, request: Request, tasks: Iterable[Task]) -> Response:
    return api.many(request, [api.views.task(t) for t in tasks])
