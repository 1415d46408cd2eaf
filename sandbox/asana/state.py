"""`AsanaState`: the in-memory organisation behind the replica and its builder API.

Tests and the sample-organisation builder call these methods; the HTTP side only
reads. Every mutation stamps times from `knobs.clock` and, like Asana, records
events (added / changed / deleted / undeleted) that `GET /events` replays.
"""

from __future__ import annotations

import hashlib
import itertools
import threading
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any, Final

from sandbox.asana.custom_fields import checked_values, new_custom_field
from sandbox.asana.records import (
    CustomField,
    Event,
    Membership,
    Project,
    Section,
    SyncToken,
    Task,
    Team,
    User,
    Workspace,
)
from sandbox.knobs import Knobs

FIRST_GID: Final = 1_200_000_000_000_001


class _Unset:
    """Marks an `update_*` argument the caller did not pass (None is a real value)."""


UNSET: Final = _Unset()


class AsanaState:
    """Records by gid, an access-token table, the event log and issued sync tokens.

    `actor` is the user recorded on events caused by builder calls (Asana's
    `event.user`); None records system events (`user: null`).
    """

    def __init__(self, knobs: Knobs | None = None) -> None:
        self.knobs = knobs or Knobs()
        self.workspaces: dict[str, Workspace] = {}
        self.teams: dict[str, Team] = {}
        self.users: dict[str, User] = {}
        self.custom_fields: dict[str, CustomField] = {}
        self.projects: dict[str, Project] = {}
        self.sections: dict[str, Section] = {}
        self.tasks: dict[str, Task] = {}
        self.tokens: dict[str, str] = {}
        self.events: list[Event] = []
        self.sync_tokens: dict[str, SyncToken] = {}
        self.actor: str | None = None
        self._next_gid = FIRST_GID
        self._syncs = itertools.count(1)
        self._lock = threading.RLock()

    # -- ids and time ---------------------------------------------------------------

    def new_gid(self) -> str:
        """16-digit numeric strings from a counter, shaped like Asana's gids."""
        with self._lock:
            gid, self._next_gid = self._next_gid, self._next_gid + 1
        return str(gid)

    def issued(self, gid: str) -> bool:
        """True for any gid this state handed out, deleted records included."""
        return gid.isdigit() and FIRST_GID <= int(gid) < self._next_gid

    def now(self) -> datetime:
        return self.knobs.clock.now()

    # -- people and places ----------------------------------------------------------

    def add_workspace(self, name: str, *, is_organization: bool = True,
                      email_domains: Iterable[str] = ()) -> Workspace:
        workspace = Workspace(self.new_gid(), name, is_organization, list(email_domains))
        self.workspaces[workspace.gid] = workspace
        return workspace

    def add_team(self, workspace: str, name: str) -> Team:
        self._need(self.workspaces, workspace)
        team = Team(self.new_gid(), workspace, name)
        self.teams[team.gid] = team
        return team

    def add_user(self, name: str, email: str, *, workspaces: Iterable[str],
                 token: str | None = None, photo: dict[str, str] | None = None) -> User:
        """A user in `workspaces`; `token` (optional) authenticates as them. The first
        user added becomes `actor` unless one is set."""
        member_of = list(workspaces)
        for gid in member_of:
            self._need(self.workspaces, gid)
        user = User(self.new_gid(), name, email, member_of, photo)
        self.users[user.gid] = user
        if token is not None:
            self.add_token(token, user.gid)
        if self.actor is None:
            self.actor = user.gid
        return user

    def add_token(self, token: str, user: str) -> None:
        self._need(self.users, user)
        self.tokens[token] = user

    def remove_user_from_workspace(self, user: str, workspace: str) -> None:
        """Asana's deactivation: the user leaves workspace listings but keeps their gid,
        so tasks still show them as assignee."""
        self._need(self.users, user).workspaces.remove(workspace)

    def add_custom_field(self, workspace: str, name: str, **definition: Any) -> CustomField:
        """A number (default), text or enum field; see `custom_fields.new_custom_field`."""
        self._need(self.workspaces, workspace)
        custom_field = new_custom_field(self.new_gid, workspace, name, **definition)
        self.custom_fields[custom_field.gid] = custom_field
        return custom_field

    # -- projects -------------------------------------------------------------------

    def add_project(self, workspace: str, name: str, *, owner: str | None = None,
                    team: str | None = None, archived: bool = False, color: str = "none",
                    notes: str = "", public: bool = False, due_on: date | None = None,
                    start_on: date | None = None, custom_fields: Iterable[str] = (),
                    created_at: datetime | None = None) -> Project:
        self._need(self.workspaces, workspace)
        owner = owner if owner is not None else self.actor
        when = created_at or self.now()
        project = Project(
            self.new_gid(), workspace, name, owner, team, when, when, archived=archived,
            color=color, notes=notes, public=public, due_on=due_on, start_on=start_on,
            custom_fields=[self._need(self.custom_fields, f).gid for f in custom_fields],
            members=[owner] if owner else [],
        )
        self.projects[project.gid] = project
        return project

    def update_project(self, gid: str, *, name: str | _Unset = UNSET,
                       archived: bool | _Unset = UNSET, notes: str | _Unset = UNSET) -> Project:
        project = self._need(self.projects, gid)
        changed = _assign(project, {"name": name, "archived": archived, "notes": notes})
        if changed:
            project.modified_at = self.now()
        for field_name in changed:
            self._record("project", gid, project.name, "changed", {gid},
                         change=(("field", field_name), ("action", "changed")))
        return project

    def add_section(self, project: str, name: str) -> Section:
        self._need(self.projects, project)
        section = Section(self.new_gid(), project, name, self.now())
        self.sections[section.gid] = section
        return section

    # -- tasks ----------------------------------------------------------------------

    def add_task(self, name: str, *, projects: Iterable[str] = (), section: str | None = None,
                 parent: str | None = None, workspace: str | None = None,
                 assignee: str | None = None, notes: str = "", due_on: date | None = None,
                 due_at: datetime | None = None, start_on: date | None = None,
                 completed: bool = False, completed_at: datetime | None = None,
                 dependencies: Iterable[str] = (),
                 custom_values: Mapping[str, Any] | None = None,
                 created_at: datetime | None = None, html_notes: str | None = None) -> Task:
        """A task in `projects` (placed in `section` where it belongs to one of them, else
        in the project's first section), or a subtask of `parent`. `due_at` implies
        `due_on` (its UTC date), as Asana answers both. `html_notes` is rich text as the
        editor stores it (`<body>… <a href="…">label</a></body>`); `notes` is then its
        plain text, where a link shows only its label."""
        project_gids = [self._need(self.projects, p).gid for p in projects]
        home = workspace or self._home_workspace(project_gids, parent)
        self._need_user(assignee)
        when = created_at or self.now()
        task = Task(self.new_gid(), home, name, when, when, notes=notes, parent=parent,
                    rich_notes=html_notes)
        task.memberships = [Membership(p, self._section_for(p, section)) for p in project_gids]
        task.followers = list(dict.fromkeys(u for u in (self.actor, assignee) if u is not None))
        _assign(task, {"assignee": assignee, "due_on": due_on, "start_on": start_on,
                       "dependencies": [self._need(self.tasks, d).gid for d in dependencies],
                       "custom_values": checked_values(self.custom_fields,
                                                       custom_values or {})})
        self._set_due_at(task, due_at)
        self._set_completed(task, completed, completed_at)
        self.tasks[task.gid] = task
        for project in project_gids:
            self._record_task(task, "added", parent=("project", project))
        if parent is not None:
            self._record_task(task, "added", parent=("task", parent))
        return task

    def update_task(self, gid: str, *, name: str | _Unset = UNSET, notes: str | _Unset = UNSET,
                    assignee: str | _Unset | None = UNSET, due_on: date | _Unset | None = UNSET,
                    due_at: datetime | _Unset | None = UNSET,
                    start_on: date | _Unset | None = UNSET, completed: bool | _Unset = UNSET,
                    dependencies: Iterable[str] | _Unset = UNSET,
                    custom_values: Mapping[str, Any] | _Unset = UNSET) -> Task:
        """Change the given fields, bump `modified_at` and record one `changed` event per
        field, as Asana does; completing stamps `completed_at`."""
        task = self._live_task(gid)
        if not isinstance(assignee, _Unset):
            self._need_user(assignee)
        changed = _assign(task, {"name": name, "notes": notes, "assignee": assignee,
                                 "due_on": due_on, "start_on": start_on})
        if not isinstance(due_at, _Unset):
            self._set_due_at(task, due_at)
            changed.append("due_at")
        if not isinstance(completed, _Unset):
            self._set_completed(task, completed, None)
            changed.append("completed")
        if not isinstance(dependencies, _Unset):
            task.dependencies = [self._need(self.tasks, d).gid for d in dependencies]
            changed.append("dependencies")
        if not isinstance(custom_values, _Unset):
            task.custom_values.update(checked_values(self.custom_fields, custom_values))
            changed.append("custom_fields")
        if changed:
            task.modified_at = self.now()
        for field_name in changed:
            self._record_task(task, "changed", change=self._change(task, field_name))
        return task

    def add_task_to_project(self, gid: str, project: str, section: str | None = None) -> Task:
        task = self._live_task(gid)
        self._need(self.projects, project)
        task.memberships.append(Membership(project, self._section_for(project, section)))
        task.modified_at = self.now()
        self._record_task(task, "added", parent=("project", project))
        return task

    def delete_task(self, gid: str) -> None:
        """Asana deletes the subtasks with their parent; each leaves a `deleted` event in
        the streams of its projects (and parent), and all vanish from every listing."""
        task = self._live_task(gid)
        for sub in [t for t in self.tasks.values() if t.parent == gid and not t.deleted]:
            self.delete_task(sub.gid)
        task.deleted = True
        self._record_task(task, "deleted")

    def undelete_task(self, gid: str) -> Task:
        task = self._need(self.tasks, gid)
        task.deleted = False
        task.modified_at = self.now()
        self._record_task(task, "undeleted")
        return task

    # -- events and sync tokens -------------------------------------------------------

    def issue_sync_token(self, resource: str, position: int) -> str:
        """Opaque 32-hex tokens like Asana's ("de4774f6915eae04714ca93bb2f5ee81")."""
        with self._lock:
            token = hashlib.md5(f"sync:{next(self._syncs)}".encode()).hexdigest()
            self.sync_tokens[token] = SyncToken(resource, position)
        return token

    def expire_sync_tokens(self, resource: str | None = None) -> None:
        """Make every token (or those of `resource`) answer 412, as Asana does for old ones."""
        for token in self.sync_tokens.values():
            if resource is None or token.resource == resource:
                token.expired = True

    # -- helpers ----------------------------------------------------------------------

    def _need(self, table: Mapping[str, Any], gid: str) -> Any:
        if gid not in table:
            raise KeyError(f"unknown gid {gid!r}")
        return table[gid]

    def _need_user(self, gid: str | None) -> None:
        if gid is not None:
            self._need(self.users, gid)

    def _live_task(self, gid: str) -> Task:
        task = self._need(self.tasks, gid)
        if task.deleted:
            raise KeyError(f"task {gid!r} is deleted")
        return task

    def _home_workspace(self, projects: list[str], parent: str | None) -> str:
        if projects:
            return self.projects[projects[0]].workspace
        if parent is not None:
            return self._need(self.tasks, parent).workspace
        raise ValueError("a task needs a project, a parent or a workspace")

    def _section_for(self, project: str, section: str | None) -> str | None:
        if section is not None and self._need(self.sections, section).project == project:
            return section
        return next((s.gid for s in self.sections.values() if s.project == project), None)

    def _set_due_at(self, task: Task, due_at: datetime | None) -> None:
        task.due_at = due_at
        if due_at is not None:
            task.due_on = due_at.astimezone(UTC).date()

    def _set_completed(self, task: Task, completed: bool, at: datetime | None) -> None:
        task.completed = completed
        task.completed_at = (at or self.now()) if completed else None

    def _change(self, task: Task, field_name: str) -> tuple[tuple[str, object], ...]:
        """`new_value` only for a resource-valued field (the assignee), per EventResponse."""
        change: tuple[tuple[str, object], ...] = (("field", field_name), ("action", "changed"))
        if field_name == "assignee" and task.assignee is not None:
            change += (("new_value", ("user", task.assignee)),)
        return change

    def _record_task(self, task: Task, action: str, *, parent: tuple[str, str] | None = None,
                     change: tuple[tuple[str, object], ...] | None = None) -> None:
        observers = {task.gid, *task.projects}
        if task.parent is not None:
            observers.add(task.parent)
        self._record("task", task.gid, task.name, action, observers, parent, change)

    def _record(self, resource_type: str, gid: str, name: str, action: str,
                observers: set[str], parent: tuple[str, str] | None = None,
                change: tuple[tuple[str, object], ...] | None = None) -> None:
        with self._lock:
            self.events.append(Event(len(self.events), frozenset(observers), resource_type,
                                     gid, name, action, self.now(), self.actor, parent, change))


def _assign(record: object, values: Mapping[str, object]) -> list[str]:
    """Set the passed (non-UNSET) values; return the names that were passed."""
    passed = [name for name, value in values.items() if not isinstance(value, _Unset)]
    for name in passed:
        setattr(record, name, values[name])
    return passed
