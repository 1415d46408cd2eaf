"""Work items: projects and tasks from Asana, Trello, Google Tasks and Salesforce.

A due date is either a date (`due_on`: "sometime that day", in the assignee's
timezone) or an instant (`due_at`, UTC); they are never confused, because a
date-only deadline turned into midnight UTC moves to the previous day west of
Greenwich. Assignees and dependencies refer to external ids so that a task can
be stored before the user or blocker it points at has been synced.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from model.base import SyncedRecord, record_keys, utc_field


class Project(SyncedRecord, table=True):
    """An Asana project, a Trello board, or a Salesforce account's delivery."""

    __tablename__ = "project"
    __table_args__ = record_keys("project")

    name: str = Field(max_length=512)
    owner_external_id: str | None = Field(default=None, max_length=255)
    account_external_id: str | None = Field(default=None, max_length=255)
    due_on: date | None = None


class Task(SyncedRecord, table=True):
    """An Asana task or subtask, a Trello card, a Google Task or a Salesforce Task."""

    __tablename__ = "task"
    __table_args__ = (
        *record_keys("task"),
        sa.Index("ix_task_due_on", "due_on"),
        sa.Index("ix_task_due_at", "due_at"),
        sa.Index("ix_task_source_project", "source", "project_external_id"),
    )

    title: str = Field(max_length=1024)
    description: str | None = Field(default=None, sa_type=sa.Text)
    project_external_id: str | None = Field(default=None, max_length=255)
    section: str | None = Field(default=None, max_length=512)
    parent_external_id: str | None = Field(default=None, max_length=255)
    start_on: date | None = None
    due_on: date | None = None
    due_at: datetime | None = utc_field()
    completed_at: datetime | None = utc_field()
    estimate_hours: float | None = None
    estimate_from: str | None = Field(default=None, max_length=512)
    """The effort field the task carries (`"Estimate (h)" (hours)`), even when it is
    empty; None when the task has none. `baton status` counts tasks per field."""
    contact_external_id: str | None = Field(default=None, max_length=255)
    account_external_id: str | None = Field(default=None, max_length=255)
    deal_external_id: str | None = Field(default=None, max_length=255)


class TaskAssignee(SQLModel, table=True):
    """One assignee of a task (Trello cards can have several).

    `person_id` is filled by identity resolution, so rules can ask "what is
    this person committed to" through the (person, task) index.
    """

    __tablename__ = "task_assignee"
    __table_args__ = (
        sa.UniqueConstraint("task_id", "user_external_id", name="uq_task_assignee"),
        sa.Index("ix_task_assignee_person_task", "person_id", "task_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id", ondelete="CASCADE")
    user_external_id: str = Field(max_length=255)
    person_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")


class TaskDependency(SQLModel, table=True):
    """`task` cannot start before `blocked_by` is done (both in one source)."""

    __tablename__ = "task_dependency"
    __table_args__ = (
        sa.UniqueConstraint("source", "task_external_id", "blocked_by_external_id",
                            name="uq_task_dependency"),
        sa.Index("ix_task_dependency_blocker", "source", "blocked_by_external_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=64)
    task_external_id: str = Field(max_length=255)
    blocked_by_external_id: str = Field(max_length=255)
