"""Time: Google Calendar events and Salesforce Events, with their attendees.

Timed events carry UTC `start_at`/`end_at`; all-day events carry dates with
an exclusive end (`end_date`), exactly as Google sends them, and only become
instants in the person's timezone when a rule needs them. The same Google
event seen on two people's calendars is two rows (one per calendar, see
`calendar_id`) sharing an `ical_uid`, because each calendar has its own copy,
its own response status and its own transparency.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from model.base import SyncedRecord, record_keys, utc_field
from model.enums import EventKind, ResponseStatus
from model.types import enum_type


class Event(SyncedRecord, table=True):
    __tablename__ = "event"
    __table_args__ = (
        *record_keys("event"),
        sa.Index("ix_event_owner_start_end", "owner_person_id", "start_at", "end_at"),
        sa.Index("ix_event_owner_dates", "owner_person_id", "start_date", "end_date"),
        sa.Index("ix_event_ical_uid", "ical_uid"),
    )

    calendar_id: str | None = Field(default=None, max_length=255)
    title: str = Field(default="", max_length=1024)
    description: str | None = Field(default=None, sa_type=sa.Text)
    start_at: datetime | None = utc_field()
    end_at: datetime | None = utc_field()
    start_date: date | None = None
    end_date: date | None = None
    timezone: str | None = Field(default=None, max_length=64)
    kind: EventKind = Field(default=EventKind.meeting, sa_type=enum_type(EventKind),
                            nullable=False)
    busy: bool = True
    status: str = Field(default="confirmed", max_length=24)
    recurring_event_id: str | None = Field(default=None, max_length=255)
    original_start_at: datetime | None = utc_field()
    ical_uid: str | None = Field(default=None, max_length=1024)
    organizer_email: str | None = Field(default=None, max_length=320)
    owner_external_id: str | None = Field(default=None, max_length=255)
    owner_person_id: int | None = Field(default=None, foreign_key="person.id",
                                        ondelete="SET NULL")
    contact_external_id: str | None = Field(default=None, max_length=255)
    account_external_id: str | None = Field(default=None, max_length=255)
    deal_external_id: str | None = Field(default=None, max_length=255)


class EventAttendee(SQLModel, table=True):
    __tablename__ = "event_attendee"
    __table_args__ = (
        sa.UniqueConstraint("event_id", "email", name="uq_event_attendee"),
        sa.Index("ix_event_attendee_person_event", "person_id", "event_id"),
        sa.Index("ix_event_attendee_email", "email"),
    )

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", ondelete="CASCADE")
    email: str = Field(max_length=320)
    display_name: str | None = Field(default=None, max_length=255)
    response: ResponseStatus = Field(default=ResponseStatus.needs_action,
                                     sa_type=enum_type(ResponseStatus), nullable=False)
    is_organizer: bool = False
    is_self: bool = False
    is_optional: bool = False
    person_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
