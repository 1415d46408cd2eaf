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
class CustomField:
    """A number custom field (e.g. "Estimated hours"); `precision` drives `display_value`.
    `format` is Asana's display format: `none`, or `duration` for Asana's own
    "Estimated time", whose `number_value` counts minutes."""

    gid: str
    workspace: str
    name: str
    precision: int = 0
    format: str = "none"


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
    custom_values: dict[str, float | None] = field(default_factory=dict)
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
