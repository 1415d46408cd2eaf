"""Columns every synced record shares, so sync and rules treat all kinds alike.

A record's identity is (source, kind, external_id); the table is the kind, so
each table is unique on (source, external_id). `raw` keeps the payload exactly
as received so a mapping bug can be fixed and replayed without re-fetching.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from model.enums import RecordState
from model.types import UTCDateTime, enum_type, utc_now


def utc_field(*, nullable: bool = True, index: bool = False, **kwargs: Any) -> Any:
    """A tz-aware UTC timestamp field (see `UTCDateTime`)."""
    default = kwargs.pop("default_factory", None)
    if default is not None:
        return Field(default_factory=default, sa_type=UTCDateTime, nullable=nullable,
                     index=index, **kwargs)
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable, index=index, **kwargs)


def json_field(default_factory: Any = dict) -> Any:
    return Field(default_factory=default_factory, sa_type=sa.JSON, nullable=False)


class SyncedRecord(SQLModel):
    """Fields of every row that a connector produces."""

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=64)
    external_id: str = Field(max_length=255)
    url: str | None = Field(default=None, max_length=1024)
    raw: dict[str, Any] = json_field()
    synced_at: datetime = utc_field(nullable=False, default_factory=utc_now)
    remote_updated_at: datetime | None = utc_field()
    state: RecordState = Field(default=RecordState.active, sa_type=enum_type(RecordState),
                               nullable=False)
    deleted_at: datetime | None = utc_field()


def record_keys(table: str) -> tuple[sa.UniqueConstraint, sa.Index]:
    """The unique key and the (source, state) index every synced table carries."""
    return (
        sa.UniqueConstraint("source", "external_id", name=f"uq_{table}_source_external_id"),
        sa.Index(f"ix_{table}_source_state", "source", "state"),
    )
