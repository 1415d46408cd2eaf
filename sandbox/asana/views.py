"""Records -> `Obj` (fields in Asana's key order, plus compact and full views).

Key sets and defaults copy the recorded samples in tests/fixtures/api-samples/asana:
the full task is `task_get_default_fields.json` (no `custom_fields` key when the task
has none; `dependencies`, `dependents`, `num_subtasks` are [Opt In] in TaskBase), the
full project `project_get.json`. Date-times are UTC with milliseconds and `Z`
("2025-09-23T14:42:24.630Z"); `*_on` fields are plain dates.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from html import escape
from typing import Any

from sandbox.asana.custom_fields import display_value
from sandbox.asana.fields import Obj, Ref
from sandbox.asana.records import (
    CustomValue,
    EnumOption,
    Event,
    Membership,
    Project,
    Task,
    User,
    Workspace,
)
from sandbox.asana.state import AsanaState

APP_URL = "https://app.asana.com/1"
NAMED = ("gid", "name", "resource_type")
TASK_COMPACT = ("gid", "name", "resource_type", "resource_subtype")
RICH_TEXT = frozenset({"html_notes"})
"""Opt-in everywhere: a record answers it only when `opt_fields` names it."""
TASK_OPT_IN = frozenset({"dependencies", "dependents", "num_subtasks", "custom_fields",
                         *RICH_TEXT})
BARE = "bare:"


def rich_text(plain: str) -> str:
    """`html_notes` of notes written as plain text: escaped, in a root `<body>`."""
    return f"<body>{escape(plain, quote=False)}</body>"


def fmt_datetime(value: datetime | None) -> str | None:
    if value is None:
        return None
    utc = value.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def fmt_date(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


class Views:
    """Builds `Obj`s from an `AsanaState`; `resolve` follows `Ref`s lazily."""

    def __init__(self, state: AsanaState) -> None:
        self.state = state

    def resolve(self, ref: Ref) -> Obj:
        """`bare:<kind>` answers only `{gid, resource_type}` when compact: how Asana lists
        a task's `dependencies`/`dependents` (AsanaResource items in TaskBase)."""
        kind = ref.kind.removeprefix(BARE)
        builders = {"task": lambda: self.task(self.state.tasks[ref.gid]),
                    "project": lambda: self.project(self.state.projects[ref.gid]),
                    "user": lambda: self.user(self.state.users[ref.gid]),
                    "workspace": lambda: self.workspace(self.state.workspaces[ref.gid]),
                    "team": lambda: self._named("team", ref.gid, self.state.teams[ref.gid].name),
                    "section": self._section_builder(ref.gid)}
        obj = builders[kind]()
        if ref.kind.startswith(BARE):
            obj.compact = ("gid", "resource_type")
        return obj

    def workspace(self, workspace: Workspace) -> Obj:
        values = {"gid": workspace.gid, "resource_type": "workspace", "name": workspace.name,
                  "is_organization": workspace.is_organization,
                  "email_domains": list(workspace.email_domains)}
        return Obj(workspace.gid, values, NAMED, tuple(values))

    def user(self, user: User) -> Obj:
        values = {"gid": user.gid, "email": user.email, "name": user.name, "photo": user.photo,
                  "resource_type": "user",
                  "workspaces": [Ref("workspace", w) for w in user.workspaces]}
        return Obj(user.gid, values, NAMED, tuple(values))

    def project(self, project: Project) -> Obj:
        owner = Ref("user", project.owner) if project.owner else None
        values = {
            "gid": project.gid, "archived": project.archived, "color": project.color,
            "completed": project.completed, "completed_at": fmt_datetime(project.completed_at),
            "created_at": fmt_datetime(project.created_at), "current_status": None,
            "current_status_update": None,
            "custom_fields": [self._custom_field(f, None) for f in project.custom_fields],
            "default_access_level": "editor", "default_view": "list",
            "due_on": fmt_date(project.due_on), "due_date": fmt_date(project.due_on),
            "followers": [Ref("user", u) for u in project.members],
            "html_notes": rich_text(project.notes),
            "members": [Ref("user", u) for u in project.members],
            "minimum_access_level_for_customization": "editor",
            "minimum_access_level_for_sharing": "editor",
            "modified_at": fmt_datetime(project.modified_at), "name": project.name,
            "notes": project.notes, "owner": owner,
            "permalink_url": f"{APP_URL}/{project.workspace}/project/{project.gid}",
            "privacy_setting": "public_to_workspace" if project.public else "private",
            "public": project.public, "resource_type": "project",
            "start_on": fmt_date(project.start_on),
            "team": Ref("team", project.team) if project.team else None,
            "workspace": Ref("workspace", project.workspace),
        }
        return Obj(project.gid, values, NAMED, tuple(k for k in values if k not in RICH_TEXT))

    def task(self, task: Task) -> Obj:
        values = {
            "gid": task.gid, "actual_time_minutes": None,
            "assignee": Ref("user", task.assignee) if task.assignee else None,
            "assignee_status": "inbox" if task.assignee else "upcoming",
            "assignee_section": None, "completed": task.completed,
            "completed_at": fmt_datetime(task.completed_at),
            "created_at": fmt_datetime(task.created_at),
            "custom_fields": [self._custom_field(f, task.custom_values.get(f))
                              for f in self._task_custom_fields(task)],
            "dependencies": [Ref(BARE + "task", d) for d in task.dependencies
                             if not self.state.tasks[d].deleted],
            "dependents": [Ref(BARE + "task", t.gid) for t in self.dependents(task.gid)],
            "due_at": fmt_datetime(task.due_at), "due_on": fmt_date(task.due_on),
            "followers": [Ref("user", u) for u in task.followers], "hearted": False,
            "hearts": [], "html_notes": rich_text(task.notes), "liked": False, "likes": [],
            "memberships": [self._membership(m) for m in task.memberships],
            "modified_at": fmt_datetime(task.modified_at), "name": task.name,
            "notes": task.notes, "num_hearts": 0, "num_likes": 0,
            "num_subtasks": len(self.subtasks(task.gid)),
            "parent": Ref("task", task.parent) if task.parent else None,
            "permalink_url": self._permalink(task), "projects": [Ref("project", p) for p in
                                                                 task.projects],
            "resource_type": "task", "start_at": None, "start_on": fmt_date(task.start_on),
            "tags": [], "resource_subtype": "default_task",
            "workspace": Ref("workspace", task.workspace),
        }
        if task.rich_notes is not None:
            values["html_notes"] = task.rich_notes
        opt_in = TASK_OPT_IN - ({"custom_fields"} if values["custom_fields"] else set())
        return Obj(task.gid, values, TASK_COMPACT, tuple(k for k in values if k not in opt_in))

    def event(self, event: Event) -> Obj:
        """EventResponse: `change` only when `action` is `changed`; `parent` only for
        added/removed (null otherwise)."""
        values = {
            "user": Ref("user", event.user) if event.user else None,
            "created_at": fmt_datetime(event.created_at), "type": event.resource_type,
            "action": event.action,
            "resource": Obj(event.resource_gid, {"gid": event.resource_gid,
                                                 "resource_type": event.resource_type,
                                                 "name": event.resource_name}, NAMED, NAMED),
            "parent": self._event_parent(event.parent),
        }
        if event.change is not None:
            change = {key: Ref(*value) if isinstance(value, tuple) else value
                      for key, value in event.change}
            values["change"] = Obj(None, change, tuple(change), tuple(change))
        return Obj(None, values, tuple(values), tuple(values))

    def subtasks(self, gid: str) -> list[Task]:
        return [t for t in self.state.tasks.values() if t.parent == gid and not t.deleted]

    def dependents(self, gid: str) -> list[Task]:
        return [t for t in self.state.tasks.values() if gid in t.dependencies and not t.deleted]

    def _named(self, kind: str, gid: str, name: str) -> Obj:
        values = {"gid": gid, "name": name, "resource_type": kind}
        return Obj(gid, values, NAMED, NAMED)

    def _section_builder(self, gid: str) -> Callable[[], Obj]:
        def build() -> Obj:
            section = self.state.sections[gid]
            obj = self._named("section", gid, section.name)
            obj.values |= {"created_at": fmt_datetime(section.created_at),
                           "project": Ref("project", section.project)}
            return obj
        return build

    def _membership(self, membership: Membership) -> Obj:
        section = Ref("section", membership.section) if membership.section else None
        return Obj(None, {"project": Ref("project", membership.project), "section": section},
                   (), ())

    def _task_custom_fields(self, task: Task) -> list[str]:
        """A task carries the custom fields of its projects (values it has, else null)."""
        gids = [f for p in task.projects for f in self.state.projects[p].custom_fields]
        gids += [f for f in task.custom_values if f not in gids]
        return list(dict.fromkeys(gids))

    def _custom_field(self, gid: str, value: CustomValue) -> Obj:
        """CustomFieldResponse keys for the field's subtype; `description` is opt-in."""
        field = self.state.custom_fields[gid]
        values: dict[str, Any] = {
            "gid": gid, "resource_type": "custom_field", "name": field.name,
            "type": field.subtype, "resource_subtype": field.subtype, "enabled": True,
            "representation_type": field.subtype, "id_prefix": None,
            "is_formula_field": False, "description": field.description}
        if field.subtype == "number":
            values |= {"precision": field.precision, "format": field.format,
                       "currency_code": None, "custom_label": field.custom_label,
                       "custom_label_position": "suffix" if field.custom_label else None,
                       "number_value": value}
        elif field.subtype == "text":
            values["text_value"] = value
        else:
            options = {o.gid: self._enum_option(o) for o in field.enum_options}
            values |= {"enum_options": list(options.values()),
                       "enum_value": options.get(str(value)) if value is not None else None}
        values["display_value"] = display_value(field, value)
        shown = tuple(key for key in values if key != "description")
        return Obj(gid, values, shown, shown)

    @staticmethod
    def _enum_option(option: EnumOption) -> Obj:
        values = {"gid": option.gid, "resource_type": "enum_option", "name": option.name,
                  "enabled": option.enabled, "color": option.color}
        return Obj(option.gid, values, tuple(values), tuple(values))

    def _permalink(self, task: Task) -> str:
        if task.projects:
            return f"{APP_URL}/{task.workspace}/project/{task.projects[0]}/task/{task.gid}"
        return f"{APP_URL}/{task.workspace}/task/{task.gid}"

    def _event_parent(self, parent: tuple[str, str] | None) -> Obj | None:
        if parent is None:
            return None
        kind, gid = parent
        table = self.state.projects if kind == "project" else self.state.tasks
        return self._named(kind, gid, table[gid].name)
