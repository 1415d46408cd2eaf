"""What sync remembers between runs: source health, cursors, runs, quarantine.

`SourceState` is the one row per configured source that freshness checks read
(`last_success_at`), so `stale_source` never has to scan run history.
`SyncRun` rows are history: one per source per run (`stream` is NULL) plus one
per stream. Errors stored here are scrubbed of secrets before they arrive.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from model.base import json_field, utc_field
from model.enums import RunStatus
from model.types import enum_type, utc_now


class SourceState(SQLModel, table=True):
    __tablename__ = "source_state"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64, unique=True)
    type: str = Field(max_length=32)
    last_attempt_at: datetime | None = utc_field()
    last_success_at: datetime | None = utc_field()
    last_status: RunStatus | None = Field(default=None, sa_type=enum_type(RunStatus))
    last_error: str | None = Field(default=None, sa_type=sa.Text)


class SyncState(SQLModel, table=True):
    """The cursor of one stream (a stream name may carry its partition: `tasks:1234`)."""

    __tablename__ = "sync_state"
    __table_args__ = (sa.UniqueConstraint("source", "stream", name="uq_sync_state"),)

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=64)
    stream: str = Field(max_length=255)
    cursor: str | None = Field(default=None, sa_type=sa.Text)
    updated_at: datetime = utc_field(nullable=False, default_factory=utc_now)


class SyncRun(SQLModel, table=True):
    __tablename__ = "sync_run"
    __table_args__ = (
        sa.Index("ix_sync_run_source_stream_started", "source", "stream", "started_at"),
        sa.Index("ix_sync_run_run_id", "run_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    run_id: str = Field(max_length=36)
    source: str = Field(max_length=64)
    stream: str | None = Field(default=None, max_length=255)
    started_at: datetime = utc_field(nullable=False, default_factory=utc_now)
    finished_at: datetime | None = utc_field()
    status: RunStatus = Field(default=RunStatus.running, sa_type=enum_type(RunStatus),
                              nullable=False)
    full: bool = False
    fetched: int = 0
    upserted: int = 0
    deleted: int = 0
    quarantined: int = 0
    api_calls: int = 0
    error: str | None = Field(default=None, sa_type=sa.Text)
    host: str | None = Field(default=None, max_length=255)
    pid: int | None = None


class Quarantine(SQLModel, table=True):
    """A payload that could not be mapped; `record_key` is its id or a payload hash."""

    __tablename__ = "quarantine"
    __table_args__ = (
        sa.UniqueConstraint("source", "stream", "record_key", name="uq_quarantine"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=64)
    stream: str = Field(max_length=255)
    record_key: str = Field(max_length=255)
    payload: dict[str, Any] = json_field()
    error: str = Field(sa_type=sa.Text)
    first_seen_at: datetime = utc_field(nullable=False, default_factory=utc_now)
    last_seen_at: datetime = utc_field(nullable=False, default_factory=utc_now)
    times_seen: int = 1
    resolved_at: datetime | None = utc_field()
