"""Commit one connector batch in one transaction.

Records, identities, children, tombstones, quarantine entries and the new
cursor go in together or not at all, so a crash loses at most the batch in
flight and the next run resumes from the last committed cursor. Children are
replaced per parent (the connector sends full sets). Tombstones keep the row
and its data and set `deleted_at`; a record that reappears is revived by the
upsert. A stub (a record sent without its details) changes only the state of a
stored row, so a deleted event keeps the title and times it had. Nothing here
decides *whether* something is gone — that is the connector's (explicit
tombstones) or the runner's (complete listings).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from connectors.batch import Batch, Quarantined
from model import (
    RECORD_KINDS,
    Event,
    EventAttendee,
    Identity,
    Quarantine,
    RecordState,
    SyncedRecord,
    SyncState,
    Task,
    TaskAssignee,
    TaskDependency,
)
from sync.upsert import ids_for, record_row, upsert_rows

KIND_OF = {table: kind for kind, table in RECORD_KINDS.items()}


@dataclass
class Applied:
    upserted: int = 0
    deleted: int = 0
    quarantined: int = 0
    seen: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))


def apply_batch(connection: Connection, source: str, batch: Batch, now: datetime) -> Applied:
    applied = Applied()
    by_table: dict[type, list[dict[str, Any]]] = defaultdict(list)
    for record in batch.records:
        record.source, record.synced_at = source, now
        by_table[type(record)].append(record_row(record))
        applied.seen[KIND_OF[type(record)]].add(record.external_id)
    task_ids: dict[tuple[Any, ...], int] = {}
    event_ids: dict[tuple[Any, ...], int] = {}
    for table, rows in by_table.items():
        ids = upsert_rows(connection, table, _last_wins(rows), ("source", "external_id"))
        applied.upserted += len(rows)
        if table is Task:
            task_ids = ids
        elif table is Event:
            event_ids = ids
    applied.upserted += _apply_stubs(connection, source, batch.stubs, now, applied)
    _upsert_identities(connection, source, batch.identities, now)
    applied.upserted += len(batch.identities)
    _replace_assignees(connection, source, batch.assignees, task_ids)
    _replace_attendees(connection, source, batch.attendees, event_ids)
    _replace_dependencies(connection, source, batch.dependencies)
    applied.deleted += tombstone(connection, source, batch.tombstones, now)
    applied.quarantined += _quarantine(connection, source, batch.stream, batch.quarantined, now)
    if batch.cursor is not None:
        save_cursor(connection, source, batch.stream, batch.cursor, now)
    return applied


STUB_COLUMNS = ("state", "status", "deleted_at", "synced_at")
"""What a stub may change on a stored row; everything else is the stored details."""


def _apply_stubs(connection: Connection, source: str, stubs: Iterable[SyncedRecord],
                 now: datetime, applied: Applied) -> int:
    """Stored rows take the stub's state (revived if tombstoned); unknown ones are stored
    as the stub, so the cancellation is not lost."""
    by_table: dict[type, list[dict[str, Any]]] = defaultdict(list)
    for stub in stubs:
        stub.source, stub.synced_at = source, now
        by_table[type(stub)].append(record_row(stub))
        applied.seen[KIND_OF[type(stub)]].add(stub.external_id)
    for table, rows in by_table.items():
        keep = tuple(c for c in rows[0] if c not in STUB_COLUMNS)
        upsert_rows(connection, table, _last_wins(rows), ("source", "external_id"),
                    insert_only=keep)
    return sum(len(rows) for rows in by_table.values())


def _last_wins(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per key: a page may repeat a record (boundary rows), the last copy wins."""
    return list({(row["source"], row["external_id"]): row for row in rows}.values())


def _upsert_identities(connection: Connection, source: str, identities: Iterable[Identity],
                       now: datetime) -> None:
    """Identities keep who they were matched to: only what the source says is updated."""
    rows = {}
    for identity in identities:
        rows[identity.external_id] = {
            "source": source, "external_id": identity.external_id,
            "email": identity.email.lower() if identity.email else None,
            "username": identity.username, "display_name": identity.display_name,
            "active": identity.active, "raw": identity.raw, "confidence": 0.0,
            "first_seen_at": now, "last_seen_at": now}
    if rows:
        upsert_rows(connection, Identity, list(rows.values()), ("source", "external_id"),
                    change_columns=("email", "username", "display_name", "active", "raw"),
                    insert_only=("confidence", "first_seen_at"))


def _replace_assignees(connection: Connection, source: str, assignees: dict[str, list[str]],
                       task_ids: dict[tuple[Any, ...], int]) -> None:
    ids = _parent_ids(connection, Task, source, assignees, task_ids)
    rows = [{"task_id": ids[task], "user_external_id": user}
            for task, users in assignees.items() if task in ids for user in dict.fromkeys(users)]
    _sync_children(connection, TaskAssignee.__table__, "task_id", list(ids.values()), rows)


def _replace_attendees(connection: Connection, source: str, attendees: dict[str, list[Any]],
                       event_ids: dict[tuple[Any, ...], int]) -> None:
    ids = _parent_ids(connection, Event, source, attendees, event_ids)
    rows = []
    for event, people in attendees.items():
        unique = {a.email.lower(): a for a in people if event in ids}
        rows += [{"event_id": ids[event], "email": email, "display_name": a.display_name,
                  "response": a.response, "is_organizer": a.is_organizer, "is_self": a.is_self,
                  "is_optional": a.is_optional} for email, a in unique.items()]
    _sync_children(connection, EventAttendee.__table__, "event_id", list(ids.values()), rows)


def _replace_dependencies(connection: Connection, source: str,
                          dependencies: dict[str, list[str]]) -> None:
    table = TaskDependency.__table__
    rows = [{"source": source, "task_external_id": task, "blocked_by_external_id": blocker}
            for task, blockers in dependencies.items() for blocker in dict.fromkeys(blockers)]
    existing = connection.execute(sa.select(table).where(
        table.c.source == source, table.c.task_external_id.in_(list(dependencies)))).mappings()
    _apply_diff(connection, table, list(existing), rows)


def _parent_ids(connection: Connection, table: type, source: str, children: dict[str, Any],
                known: dict[tuple[Any, ...], int]) -> dict[str, int]:
    missing = [(source, ext) for ext in children if (source, ext) not in known]
    if missing:
        known = {**known, **ids_for(connection, table.__table__, ("source", "external_id"),
                                    missing)}
    return {ext: known[(source, ext)] for ext in children if (source, ext) in known}


def _sync_children(connection: Connection, table: sa.Table, parent_column: str,
                   parent_ids: list[int], rows: list[dict[str, Any]]) -> None:
    """Make the children of `parent_ids` exactly `rows`, touching only what differs, so an
    unchanged sync keeps row ids and resolved `person_id`s."""
    if not parent_ids:
        return
    existing = connection.execute(
        sa.select(table).where(table.c[parent_column].in_(parent_ids))).mappings()
    _apply_diff(connection, table, list(existing), rows)


def _apply_diff(connection: Connection, table: sa.Table, existing: list[Any],
                desired: list[dict[str, Any]]) -> None:
    columns = list(desired[0]) if desired else []
    wanted = {tuple(_plain(row[c]) for c in columns) for row in desired}
    stale = [row["id"] for row in existing
             if not columns or tuple(_plain(row[c]) for c in columns) not in wanted]
    have = {tuple(_plain(row[c]) for c in columns) for row in existing} if columns else set()
    if stale:
        connection.execute(sa.delete(table).where(table.c.id.in_(stale)))
    fresh = [row for row in desired if tuple(_plain(row[c]) for c in columns) not in have]
    if fresh:
        connection.execute(sa.insert(table), fresh)


def _plain(value: Any) -> Any:
    """Enum members and their stored strings compare equal."""
    return getattr(value, "value", value)


def tombstone(connection: Connection, source: str, gone: Iterable[tuple[str, str]],
              now: datetime) -> int:
    """Mark records deleted (kept, with `deleted_at`); already-deleted rows stay as they are."""
    by_kind: dict[str, list[str]] = defaultdict(list)
    for kind, external_id in gone:
        by_kind[kind].append(external_id)
    count = 0
    for kind, external_ids in by_kind.items():
        table = RECORD_KINDS[kind]
        result = connection.execute(sa.update(table).where(
            table.source == source, table.external_id.in_(external_ids),
            table.state != RecordState.deleted,
        ).values(state=RecordState.deleted, deleted_at=now))
        count += result.rowcount or 0
    return count


def _quarantine(connection: Connection, source: str, stream: str,
                entries: Iterable[Quarantined], now: datetime) -> int:
    rows = {}
    for entry in entries:
        key = entry.record_key
        rows[key] = {"source": source, "stream": stream, "record_key": key,
                     "payload": entry.payload, "error": entry.error, "first_seen_at": now,
                     "last_seen_at": now, "times_seen": 1, "resolved_at": None}
    for row in rows.values():
        updated = connection.execute(sa.update(Quarantine).where(
            Quarantine.source == source, Quarantine.stream == stream,
            Quarantine.record_key == row["record_key"],
        ).values(payload=row["payload"], error=row["error"], last_seen_at=now,
                 times_seen=Quarantine.times_seen + 1, resolved_at=None))
        if not updated.rowcount:
            connection.execute(sa.insert(Quarantine), [row])
    return len(rows)


def save_cursor(connection: Connection, source: str, stream: str, cursor: str,
                now: datetime) -> None:
    upsert_rows(connection, SyncState, [{"source": source, "stream": stream, "cursor": cursor,
                                         "updated_at": now}], ("source", "stream"),
                change_columns=("cursor", "updated_at"))
