"""Alerts, their history, and the rule configurations that produced them.

An alert's `fingerprint` (rule id + sorted subject keys) is its identity
across runs, so rewording a title never opens a duplicate. `subjects` and
`evidence` are JSON because they mix kinds (people, tasks, events, deals) and
are read whole by the feed. Every status change is an `AlertEvent` with who,
when and why; nothing about an alert is ever overwritten without a trace.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from model.base import json_field, utc_field
from model.enums import AlertStatus, Severity
from model.types import enum_type, utc_now


class Alert(SQLModel, table=True):
    __tablename__ = "alert"
    __table_args__ = (
        sa.Index("ix_alert_status_severity", "status", "severity"),
        sa.Index("ix_alert_rule", "rule"),
    )

    id: int | None = Field(default=None, primary_key=True)
    rule: str = Field(max_length=128)
    kind: str = Field(max_length=64)
    fingerprint: str = Field(max_length=128, unique=True)
    severity: Severity = Field(sa_type=enum_type(Severity), nullable=False)
    title: str = Field(max_length=1024)
    summary: str = Field(default="", sa_type=sa.Text)
    subjects: list[dict[str, Any]] = json_field(list)
    evidence: list[dict[str, Any]] = json_field(list)
    sources: list[str] = json_field(list)
    status: AlertStatus = Field(default=AlertStatus.open, sa_type=enum_type(AlertStatus),
                                nullable=False)
    snoozed_until: datetime | None = utc_field()
    is_stale: bool = False
    first_seen: datetime = utc_field(nullable=False, default_factory=utc_now)
    last_seen: datetime = utc_field(nullable=False, default_factory=utc_now)
    resolved_at: datetime | None = utc_field()
    reopen_count: int = 0
    sources_fresh_at: datetime | None = utc_field()
    digest: str | None = Field(default=None, max_length=32)
    """A hash of the alert's words, so evaluation rewrites them only when they change."""


class AlertEvent(SQLModel, table=True):
    __tablename__ = "alert_event"
    __table_args__ = (sa.Index("ix_alert_event_alert_at", "alert_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    alert_id: int = Field(foreign_key="alert.id", ondelete="CASCADE")
    at: datetime = utc_field(nullable=False, default_factory=utc_now)
    actor: str = Field(max_length=255)
    action: str = Field(max_length=32)
    from_status: AlertStatus | None = Field(default=None, sa_type=enum_type(AlertStatus))
    to_status: AlertStatus | None = Field(default=None, sa_type=enum_type(AlertStatus))
    note: str | None = Field(default=None, sa_type=sa.Text)


class RuleConfigVersion(SQLModel, table=True):
    """Every accepted rules file; the newest row is the live configuration."""

    __tablename__ = "rule_config_version"

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = utc_field(nullable=False, default_factory=utc_now)
    author: str = Field(max_length=255)
    text: str = Field(sa_type=sa.Text)
    sha256: str = Field(max_length=64, index=True)
    note: str | None = Field(default=None, max_length=1024)
