"""Users, workspaces, projects and tasks routes (all under /api/1.0).

Orderings reproduced: workspace users alphabetically by name, case-insensitive
(recorded sample), capped at 2,000 and never paged (the endpoint takes no `limit`;
the sample sent limit=100 and got no `next_page`); `/users` by user id;
projects and workspaces by gid (recorded sample); a project's tasks in project order.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from sandbox.asana.records import User
from sandbox.asana.responses import Api

WORKSPACE_USERS_MAX = 2000


def _bool_param(request: Request, name: str) -> bool | None:
    raw = request.query_params.get(name)
    return None if raw is None else raw.lower() == "true"


def user_routes(api: Api, router: APIRouter) -> None:
    @router.get("/users/{user_gid}")
    def get_user(request: Request, user_gid: str) -> Response:
        me = api.caller(request)
        by_email = {u.email: u for u in api.state.users.values()}
        user = me if user_gid == "me" else by_email.get(user_gid)
        user = user or api.lookup(api.state.users, user_gid, "user")
        return api.one(request, api.views.user(user))

    @router.get("/users")
    def get_users(request: Request) -> Response:
        me = api.caller(request)
        workspace = request.query_params.get("workspace")
        scope = [workspace] if workspace else me.workspaces
        if workspace:
            api.lookup(api.state.workspaces, workspace, "workspace")
        users = [u for u in api.state.users.values() if set(scope) & set(u.workspaces)]
        users.sort(key=lambda u: int(u.gid))
        return api.many(request, [api.views.user(u) for u in users])

    @router.get("/workspaces/{workspace_gid}/users")
    def get_workspace_users(request: Request, workspace_gid: str) -> Response:
        api.caller(request)
        api.lookup(api.state.workspaces, workspace_gid, "workspace")
        users = sorted((u for u in api.state.users.values() if workspace_gid in u.workspaces),
                       key=_name_key)[:WORKSPACE_USERS_MAX]
        return api.page_response(request, [api.views.user(u) for u in users],
                                 lambda data: {"data": data})


def _name_key(user: User) -> tuple[str, str]:
    return user.name.casefold(), user.gid


def workspace_routes(api: Api, router: APIRouter) -> None:
    @router.get("/workspaces")
    def get_workspaces(request: Request) -> Response:
        me = api.caller(request)
        workspaces = sorted(me.workspaces, key=int)
        return api.many(request, [api.views.workspace(api.state.workspaces[w])
                                  for w in workspaces])

    @router.get("/workspaces/{workspace_gid}")
    def get_workspace(request: Request, workspace_gid: str) -> Response:
        api.caller(request)
        workspace = api.lookup(api.state.workspaces, workspace_gid, "workspace")
        return api.one(request, api.views.workspace(workspace))


def project_routes(api: Api, router: APIRouter) -> None:
    def listing(request: Request, workspace: str | None) -> Response:
        me = api.caller(request)
        if workspace is not None:
            api.lookup(api.state.workspaces, workspace, "workspace")
        scope = {workspace} if workspace else set(me.workspaces)
        archived = _bool_param(request, "archived")
        projects = [p for p in api.state.projects.values() if p.workspace in scope
                    and (archived is None or p.archived == archived)]
        projects.sort(key=lambda p: int(p.gid))
        return api.many(request, [api.views.project(p) for p in projects])

    @router.get("/workspaces/{workspace_gid}/projects")
    def get_workspace_projects(request: Request, workspace_gid: str) -> Response:
        return listing(request, workspace_gid)

    @router.get("/projects")
    def get_projects(request: Request) -> Response:
        return listing(request, request.query_params.get("workspace"))

    @router.get("/projects/{project_gid}")
    def get_project(request: Request, project_gid: str) -> Response:
        api.caller(request)
        project = api.lookup(api.state.projects, project_gid, "project")
        return api.one(request, api.views.project(project))
