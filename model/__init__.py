"""The unified model: SQLModel tables and enums. Pure; imports nothing of baton's.

Importing this package registers every table on `SQLModel.metadata`, which is
what Alembic compares against and what tests create schemas from.
"""

from sqlmodel import SQLModel

from model.alerts import Alert, AlertEvent, RuleConfigVersion
from model.base import SyncedRecord
from model.calendar import Event, EventAttendee
from model.crm import Account, Contact, Deal
from model.enums import (
    AlertStatus,
    EventKind,
    IdentityMethod,
    LinkMethod,
    LinkStatus,
    PersonOrigin,
    RecordState,
    ResponseStatus,
    RunStatus,
    Severity,
)
from model.feed import FeedSession, FeedToken, FeedUser
from model.links import Link
from model.people import Identity, Person
from model.syncing import Quarantine, SourceState, SyncRun, SyncState
from model.work import Project, Task, TaskAssignee, TaskDependency

metadata = SQLModel.metadata

RECORD_KINDS: dict[str, type[SyncedRecord]] = {
    "project": Project,
    "task": Task,
    "event": Event,
    "account": Account,
    "contact": Contact,
    "deal": Deal,
}
"""Synced kinds by name; a (kind, source, external_id) triple addresses any record."""

__all__ = [
    "RECORD_KINDS",
    "Account",
    "Alert",
    "AlertEvent",
    "AlertStatus",
    "Contact",
    "Deal",
    "Event",
    "EventAttendee",
    "EventKind",
    "FeedSession",
    "FeedToken",
    "FeedUser",
    "Identity",
    "IdentityMethod",
    "Link",
    "LinkMethod",
    "LinkStatus",
    "Person",
    "PersonOrigin",
    "Project",
    "Quarantine",
    "RecordState",
    "ResponseStatus",
    "RuleConfigVersion",
    "RunStatus",
    "Severity",
    "SourceState",
    "SyncRun",
    "SyncState",
    "SyncedRecord",
    "Task",
    "TaskAssignee",
    "TaskDependency",
    "metadata",
]
