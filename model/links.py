"""Links: two records that are the same piece of work in two tools.

A record is addressed as (kind, source, external_id) where kind is its table
name, so a link can point at a row that has not been synced yet. The pair is
stored in a canonical order (a < b) so the same link found from both sides is
one row. Admins can refute a link; a refuted link stays, so detection does
not bring it back on the next sync.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from model.base import utc_field
from model.enums import LinkMethod, LinkStatus
from model.types import enum_type, utc_now


class Link(SQLModel, table=True):
    __tablename__ = "link"
    __table_args__ = (
        sa.UniqueConstraint("a_kind", "a_source", "a_external_id",
                            "b_kind", "b_source", "b_external_id", name="uq_link_pair"),
        sa.Index("ix_link_a", "a_source", "a_external_id"),
        sa.Index("ix_link_b", "b_source", "b_external_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    a_kind: str = Field(max_length=32)
    a_source: str = Field(max_length=64)
    a_external_id: str = Field(max_length=255)
    b_kind: str = Field(max_length=32)
    b_source: str = Field(max_length=64)
    b_external_id: str = Field(max_length=255)
    method: LinkMethod = Field(sa_type=enum_type(LinkMethod), nullable=False)
    confidence: float = 1.0
    status: LinkStatus = Field(default=LinkStatus.active, sa_type=enum_type(LinkStatus),
                               nullable=False)
    evidence: str | None = Field(default=None, max_length=2048)
    created_by: str | None = Field(default=None, max_length=255)
    created_at: datetime = utc_field(nullable=False, default_factory=utc_now)
    updated_at: datetime = utc_field(nullable=False, default_factory=utc_now)
