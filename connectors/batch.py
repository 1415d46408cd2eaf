"""The batch contract: all that sync sees of a connector.

A connector's `pull(stream, cursors, full)` yields batches. Sync commits each
batch — records, identities, children, tombstones and the new cursor — in ONE
transaction, so a crash loses at most the batch in flight and a rerun resumes
from the last committed cursor. Boundary rows may repeat across batches or
runs (`>=` cursors, Salesforce lookback); upserts on (source, kind,
external_id) make that harmless.

Children (assignees, attendees, dependencies) are given per parent as a FULL
replacement set, keyed by the parent's external id, because the parent has no
database id until sync upserts it.

Only a batch carrying `complete` may lead to tombstoning rows that were not
seen: it says "the listing of this scope in this run was complete", and sync
then marks as deleted the rows of that scope the run did not see. A partial,
failed or interrupted listing never carries it, so it never deletes anything,
and neither does a listing with a record that could not be mapped
(`connectors.listing` keeps that rule for every connector).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from model import Identity, ResponseStatus, SyncedRecord


@dataclass(frozen=True)
class Attendance:
    """An event attendee before the event has a database id."""

    email: str
    response: ResponseStatus = ResponseStatus.needs_action
    display_name: str | None = None
    is_organizer: bool = False
    is_self: bool = False
    is_optional: bool = False


@dataclass(frozen=True)
class Quarantined:
    """A payload that failed mapping; `record_key` is its id or a payload hash."""

    record_key: str
    payload: dict[str, Any]
    error: str


@dataclass(frozen=True)
class Window:
    """A span of time [start, end) that a listing covered (Google's timeMin / timeMax)."""

    start: datetime
    end: datetime


@dataclass(frozen=True)
class Scope:
    """Rows of `kind` in this source with `where` column values: what a listing covered.
    With a `window` (events only), just the rows the window surely covers: an event
    that ended before the window or starts after it was not listed, so it is not gone."""

    kind: str
    where: tuple[tuple[str, str], ...] = ()
    window: Window | None = None


@dataclass
class Batch:
    stream: str
    records: list[SyncedRecord] = field(default_factory=list)
    identities: list[Identity] = field(default_factory=list)
    assignees: dict[str, list[str]] = field(default_factory=dict)
    attendees: dict[str, list[Attendance]] = field(default_factory=dict)
    dependencies: dict[str, list[str]] = field(default_factory=dict)
    tombstones: list[tuple[str, str]] = field(default_factory=list)
    stubs: list[SyncedRecord] = field(default_factory=list)
    """Records the source sent without their details (a deleted calendar event is id +
    status): a stored row keeps its details and takes only the stub's state."""
    quarantined: list[Quarantined] = field(default_factory=list)
    cursor: str | None = None
    complete: Scope | None = None
    api_calls: int = 0


class Connector(Protocol):
    """What every connector module provides (built from its source config)."""

    source: str

    def streams(self) -> list[str]:
        """Top-level streams in the order they must run (users before tasks)."""
        ...

    def pull(self, stream: str, cursors: Mapping[str, str | None], full: bool
             ) -> Iterator[Batch]:
        """Batches of `stream`; `cursors` holds the stored cursor of every
        partition key (`tasks:1204`) the stream has committed before."""
        ...
