"""Column types that keep the model's time promises on every database.

SQLite has no timezone-aware timestamp, so a plain `DateTime` would hand back
naive datetimes there and aware ones on PostgreSQL, and rules comparing them
would crash on one backend only. `UTCDateTime` refuses naive input, stores UTC
and always returns aware UTC. Enums are stored as their string values in
VARCHAR columns (no native PostgreSQL enum types), so adding a state later is a
model change, not a type migration.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is timezone-aware UTC in Python on every backend."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()} given; baton stores UTC only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def enum_type(enum: type[Enum]) -> sa.Enum:
    """Store an enum by value in a VARCHAR, identical on SQLite and PostgreSQL."""
    return sa.Enum(
        enum,
        native_enum=False,
        create_constraint=False,
        length=24,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


def utc_now() -> datetime:
    return datetime.now(UTC)

