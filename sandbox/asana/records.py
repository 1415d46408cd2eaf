"""The Asana records the replica keeps, as plain dataclasses.

Only what the served endpoints can show is stored; constant fields of the real
payloads (hearts, likes, access levels...) are filled in at render time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass
class Workspace:
    gid: str
    name: str
    is_organization: bool
    email_domains: list[str]


@dataclass
class Team:
    gid: str
    workspace: str
    name: str


@dataclass
class User:
    """`workspaces` shrinks when a user is removed from one: Asana's deactivation."""

    gid: str
    name: str
    email: str
    workspaces: list[str]
    photo: dict[str, str] | None = None


@dataclass
class EnumOption:
    gid: str
    name: str
    color: str = "none"
    enabled: bool = True


@dataclass
class CustomField:
    """A custom field definition. `subtype` number (`precision` drives `display_value`,
    `format` one of the spec's: none, custom with a `custom_label`, duration, ...), text,
    or enum (with `enum_options`). Asana's time-tracking "Estimated time" is a number
    field with `format: duration`, its value in minutes."""

    gid: str
    workspace: str
    name: str
    subtype: str = "number"
    precision: int = 0
    description: str = ""
    format: str = "none"
    custom_label: str | None = None
    enum_options: list[EnumOption] = field(default_factory=list)


CustomValue = float | str | None
"""A task's value of one field: a number, a text, or an enum option's gid."""


@dataclass
class Project:
    gid: str
    workspace: str
    name: str
    owner: str | None
    team: str | None
    created_at: datetime
    modified_at: datetime
    archived: bool = False
    color: str = "none"
    notes: str = ""
    public: bool = False
    due_on: date | None = None
    start_on: date | None = None
    completed: bool = False
    completed_at: datetime | None = None
    custom_fields: list[str] = field(default_factory=list)
    members: list[str] = field(default_factory=list)


@dataclass
class Section:
    gid: str
    project: str
    name: str
    created_at: datetime


@dataclass
class Membership:
    project: str
    section: str | None


@dataclass
class Task:
    gid: str
    workspace: str
    name: str
    created_at: datetime
    modified_at: datetime
    notes: str = ""
    assignee: str | None = None
    due_on: date | None = None
    due_at: datetime | None = None
    start_on: date | None = None
    completed: bool = False
    completed_at: datetime | None = None
    parent: str | None = None
    memberships: list[Membership] = field(default_factory=list)
    dependencies: list[str] = field(default_factory=list)
    custom_values: dict[str, CustomValue] = field(default_factory=dict)
    followers: list[str] = field(default_factory=list)
    deleted: bool = False
    rich_notes: str | None = None  # `html_notes` written in the rich editor (links with labels)

    @property
    def projects(self) -> list[str]:
        return [m.project for m in self.memberships]


@dataclass(frozen=True)
class Event:
    """One entry of the events stream; `observers` are the gids whose stream shows it.

    A project's stream shows its tasks' events, a task's stream its own and its
    subtasks' (https://developers.asana.com/docs/events: "a subscription to a
    project will contain events for tasks contained within the project").
    """

    seq: int
    observers: frozenset[str]
    resource_type: str
    resource_gid: str
    resource_name: str
    action: str
    created_at: datetime
    user: str | None
    parent: tuple[str, str] | None = None
    change: tuple[tuple[str, object], ...] | None = None


@dataclass
class SyncToken:
    resource: str
    position: int
    expired: bool = False
