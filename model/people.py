"""People and the identities that point at them.

One human has one Person row and many identities (an Asana user, a Trello
member, a Google calendar, a Salesforce User). An identity with no person is
*unmatched* and stays visible; a low-confidence name match is stored only as a
suggestion (`suggested_person_id`), never applied, because merging two humans
silently corrupts every workload number afterwards.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from model.base import json_field, utc_field
from model.enums import IdentityMethod, PersonOrigin
from model.types import enum_type, utc_now

MONDAY_TO_FRIDAY = [1, 2, 3, 4, 5]


class Person(SQLModel, table=True):
    """A human; `working_days` are ISO weekday numbers (1 = Monday)."""

    __tablename__ = "person"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, unique=True)
    name: str = Field(default="", max_length=255)
    weekly_capacity_hours: float = 40.0
    working_days: list[int] = json_field(lambda: list(MONDAY_TO_FRIDAY))
    timezone: str | None = Field(default=None, max_length=64)
    active: bool = True
    origin: PersonOrigin = Field(default=PersonOrigin.discovered,
                                 sa_type=enum_type(PersonOrigin), nullable=False)
    created_at: datetime = utc_field(nullable=False, default_factory=utc_now)
    updated_at: datetime = utc_field(nullable=False, default_factory=utc_now)


class Identity(SQLModel, table=True):
    """An account in one source, and who (if anyone yet) it belongs to."""

    __tablename__ = "identity"
    __table_args__ = (
        sa.UniqueConstraint("source", "external_id", name="uq_identity_source_external_id"),
        sa.Index("ix_identity_person", "person_id"),
        sa.Index("ix_identity_email", "email"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=64)
    external_id: str = Field(max_length=255)
    email: str | None = Field(default=None, max_length=320)
    username: str | None = Field(default=None, max_length=255)
    display_name: str | None = Field(default=None, max_length=255)
    active: bool = True
    person_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    method: IdentityMethod | None = Field(default=None, sa_type=enum_type(IdentityMethod))
    confidence: float = 0.0
    suggested_person_id: int | None = Field(default=None, foreign_key="person.id",
                                            ondelete="SET NULL")
    raw: dict[str, Any] = json_field()
    first_seen_at: datetime = utc_field(nullable=False, default_factory=utc_now)
    last_seen_at: datetime = utc_field(nullable=False, default_factory=utc_now)
