"""Asana payloads -> unified-model records: pure functions, no I/O.

Every mapper takes the payload exactly as the API answered it (kept in `raw`)
and a `MapContext` holding what the payload itself does not say: which source
this is, which project listing (partition) it came from, which projects are
synced, and the configured estimate field (None: found by `connectors.effort`). A
payload that cannot be mapped raises `RecordInvalid` and goes to quarantine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from connectors.effort import Estimate, FieldFacts, Kind, estimate
from connectors.errors import RecordInvalid
from model import Identity, Project, RecordState, Task


@dataclass(frozen=True)
class MapContext:
    """`project` is the listing's project; `parent` the task whose subtasks are listed."""

    source: str
    estimate_field: str | None = None
    project: str | None = None
    synced_projects: frozenset[str] = field(default_factory=frozenset)
    parent: str | None = None


@dataclass
class MappedTask:
    """A task plus its children, which only make sense keyed by the task's gid."""

    task: Task
    assignees: list[str] | None
    dependencies: list[str] | None


def gid_of(raw: Any, what: str = "record") -> str:
    """The gid of a payload or compact reference; Asana gids are numeric strings."""
    gid = raw.get("gid") if isinstance(raw, dict) else None
    if not isinstance(gid, str) or not gid:
        raise RecordInvalid(f"{what} has no gid")
    return gid


def _ref(raw: dict[str, Any], key: str) -> str | None:
    value = raw.get(key)
    return gid_of(value, key) if value is not None else None


def parse_datetime(value: Any, name: str) -> datetime | None:
    """Asana sends UTC with `Z` ("2025-09-23T14:42:24.630Z"); a naive value is taken as UTC."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise RecordInvalid(f"{name} is not a date-time")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise RecordInvalid(f"{name} is not a date-time: {value!r}") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def parse_date(value: Any, name: str) -> date | None:
    """`*_on` fields are plain dates ("2025-09-25") and stay dates, never midnight UTC."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise RecordInvalid(f"{name} is not a date")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise RecordInvalid(f"{name} is not a date: {value!r}") from None


def map_identity(raw: dict[str, Any], ctx: MapContext, *, active: bool = True) -> Identity:
    """A workspace user. Asana has no deactivated flag: a removed user just leaves the
    workspace listing, so `active` is decided by the caller from membership."""
    email = raw.get("email")
    return Identity(source=ctx.source, external_id=gid_of(raw, "user"),
                    email=email.strip().lower() if isinstance(email, str) and email else None,
                    display_name=raw.get("name") or None, active=active, raw=raw)


def project_state(raw: dict[str, Any]) -> RecordState:
    """Archived wins over completed: an archived project is hidden work, kept by Asana."""
    if raw.get("archived"):
        return RecordState.archived
    return RecordState.completed if raw.get("completed") else RecordState.active


def map_project(raw: dict[str, Any], ctx: MapContext) -> Project:
    return Project(
        source=ctx.source, external_id=gid_of(raw, "project"), name=raw.get("name") or "",
        url=raw.get("permalink_url"), raw=raw, state=project_state(raw),
        remote_updated_at=parse_datetime(raw.get("modified_at"), "modified_at"),
        owner_external_id=_ref(raw, "owner"),
        due_on=parse_date(raw.get("due_on") or raw.get("due_date"), "due_on"),
    )


def _home_project(raw: dict[str, Any], ctx: MapContext) -> str | None:
    """The first synced project the task lives in, so a task in two synced projects gets
    the same `project_external_id` from either listing; subtasks (`projects: []`) belong
    to the project their parent was listed from."""
    for project in raw.get("projects") or []:
        gid = gid_of(project, "projects[]")
        if gid in ctx.synced_projects:
            return gid
    return ctx.project


def _section(raw: dict[str, Any], project: str | None) -> str | None:
    """The section name in `project`; else the first membership that names one."""
    named = [m for m in raw.get("memberships") or []
             if isinstance(m, dict) and isinstance(m.get("section"), dict)]
    for membership in named:
        home = membership.get("project")
        if isinstance(home, dict) and home.get("gid") == project:
            return membership["section"].get("name")
    return named[0]["section"].get("name") if named else None


ASANA_KINDS = {"number": Kind.number, "text": Kind.text, "enum": Kind.text}
"""Custom field subtypes that can hold effort (an enum option may read "2h")."""


def _field_facts(field: dict[str, Any]) -> tuple[FieldFacts, Any] | None:
    """A task's custom field as (facts, value); None for kinds that cannot hold effort.
    `type` is the deprecated twin of `resource_subtype`, and a field asked only for
    its value says its kind by that value's key; `format: duration` is Asana's
    time-tracking estimate, a number of minutes."""
    subtype = str(field.get("resource_subtype") or field.get("type") or next(
        (kind for kind in ("number", "text") if f"{kind}_value" in field), None))
    kind, name = ASANA_KINDS.get(subtype), field.get("name")
    if kind is None or not isinstance(name, str):
        return None
    if subtype == "enum":
        option = field.get("enum_value")
        value = option.get("name") if isinstance(option, dict) else None
    elif kind is Kind.text:
        value = field.get("text_value")
    else:
        value = field.get("number_value")
        kind = Kind.duration if field.get("format") == "duration" else kind
    return FieldFacts(name, kind, str(field.get("description") or ""),
                      str(field.get("custom_label") or "")), value


def task_estimate(raw: dict[str, Any], configured: str | None) -> Estimate:
    """Effort from the task's custom fields (see connectors/effort.py)."""
    fields = [facts for field in raw.get("custom_fields") or [] if isinstance(field, dict)
              and (facts := _field_facts(field)) is not None]
    return estimate(fields, configured)


def map_task(raw: dict[str, Any], ctx: MapContext) -> MappedTask:
    """A task or subtask. `due_at` (an instant) and `due_on` (a date) are both kept as
    Asana sends them; Asana fills `due_on` too when `due_at` is set."""
    gid = gid_of(raw, "task")
    project = _home_project(raw, ctx)
    effort = task_estimate(raw, ctx.estimate_field)
    task = Task(
        source=ctx.source, external_id=gid, title=raw.get("name") or "",
        description=raw.get("notes"), url=raw.get("permalink_url"), raw=raw,
        state=RecordState.completed if raw.get("completed") else RecordState.active,
        remote_updated_at=parse_datetime(raw.get("modified_at"), "modified_at"),
        project_external_id=project, section=_section(raw, project),
        parent_external_id=_ref(raw, "parent") or ctx.parent,
        start_on=parse_date(raw.get("start_on"), "start_on"),
        due_on=parse_date(raw.get("due_on"), "due_on"),
        due_at=parse_datetime(raw.get("due_at"), "due_at"),
        completed_at=parse_datetime(raw.get("completed_at"), "completed_at"),
        estimate_hours=effort.hours, estimate_from=effort.source,
    )
    assignee = _ref(raw, "assignee")
    assignees = ([assignee] if assignee else []) if "assignee" in raw else None
    dependencies = ([gid_of(d, "dependencies[]") for d in raw["dependencies"] or []]
                    if "dependencies" in raw else None)
    return MappedTask(task, assignees, dependencies)
