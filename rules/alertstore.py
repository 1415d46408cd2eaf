"""Alert rows for the lifecycle, read and written in bulk as plain values.

An evaluation touches every alert, and the first one of an organisation opens
tens of thousands: building an ORM object per alert and flushing one at a time
cost more than the rules (issue 15). So `plan` reads `StoredAlert` rows with
only the columns its decisions need, and what only a few decisions need (the
subjects `resolve_reason` words, the sources a stale check compares, the
newest history row a restore or a manual resolve reads) is read on demand for
just those alerts. `Writes` collects what `apply` decides and writes it with
one statement per kind of change: new alerts in one INSERT that returns their
ids (COPY on PostgreSQL), updates grouped by the columns they set, history
rows in one INSERT, in the order the steps were decided (so the newest row of
an alert stays its last transition).

`digest` fingerprints an alert's words (title, summary, subjects, evidence,
sources, severity), so a run that finds the same thing again only moves
`last_seen` instead of rewriting every column of every alert.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from model import Alert, AlertEvent, AlertStatus, Severity
from rules.findings import Firing

ALERT: sa.Table = Alert.__table__  # type: ignore[attr-defined]
EVENT: sa.Table = AlertEvent.__table__  # type: ignore[attr-defined]
ACTOR = "baton"
"""Who history rows written by evaluation name (people name themselves)."""
CHUNK = 1000
"""Ids or fingerprints per `IN (...)` list: well inside both backends' parameter limits."""
PG_BATCH = 5000
"""Rows per JSON document on PostgreSQL (a few MB each)."""


@dataclass(frozen=True)
class LastEvent:
    """The newest history row of an alert: who last moved it, and from where."""

    action: str
    actor: str
    from_status: AlertStatus | None


@dataclass(slots=True)
class StoredAlert:
    """An alert as the lifecycle decides on it; the last four fields are read on demand."""

    id: int
    fingerprint: str
    rule: str
    severity: Severity
    title: str
    status: AlertStatus
    snoozed_until: datetime | None
    resolved_at: datetime | None
    reopen_count: int
    is_stale: bool
    digest: str | None
    sources: list[str] = field(default_factory=list)
    subjects: list[dict[str, Any]] = field(default_factory=list)
    latest: LastEvent | None = None
    detailed: bool = False


COLUMNS = tuple(ALERT.c[name] for name in (
    "id", "fingerprint", "rule", "severity", "title", "status", "snoozed_until",
    "resolved_at", "reopen_count", "is_stale", "digest"))


def _chunks(values: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


class AlertReader:
    """Reads stored alerts as `StoredAlert` rows inside the caller's transaction."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def unresolved(self) -> dict[str, StoredAlert]:
        """Every alert that is not resolved, by fingerprint: what a run may change. (Named
        statuses rather than "not resolved", so the status index skips the resolved ones,
        which pile up over the months.)"""
        statuses = [status for status in AlertStatus if status is not AlertStatus.resolved]
        query = sa.select(*COLUMNS).where(ALERT.c.status.in_(statuses))
        return {row[1]: StoredAlert(*row) for row in self.connection.execute(query)}

    def resolved(self, fingerprints: Sequence[str]) -> dict[str, StoredAlert]:
        """The resolved alerts among `fingerprints` (a finding back after a resolve)."""
        found: dict[str, StoredAlert] = {}
        for chunk in _chunks(fingerprints):
            query = sa.select(*COLUMNS).where(ALERT.c.fingerprint.in_(chunk),
                                              ALERT.c.status == AlertStatus.resolved)
            found.update((row[1], StoredAlert(*row)) for row in self.connection.execute(query))
        return found

    def detail(self, alerts: Collection[StoredAlert]) -> None:
        """Fill sources, subjects and the newest history row of `alerts`, in place."""
        todo = {a.id: a for a in alerts if not a.detailed}
        ids = sorted(todo)
        for chunk in _chunks(ids):
            query = sa.select(ALERT.c.id, ALERT.c.sources, ALERT.c.subjects).where(
                ALERT.c.id.in_(chunk))
            for alert_id, sources, subjects in self.connection.execute(query):
                todo[alert_id].sources, todo[alert_id].subjects = sources, subjects
            newest = sa.select(sa.func.max(EVENT.c.id)).where(
                EVENT.c.alert_id.in_(chunk)).group_by(EVENT.c.alert_id)
            query = sa.select(EVENT.c.alert_id, EVENT.c.action, EVENT.c.actor,
                              EVENT.c.from_status).where(EVENT.c.id.in_(newest))
            for alert_id, action, actor, from_status in self.connection.execute(query):
                todo[alert_id].latest = LastEvent(action, actor, from_status)
        for alert in todo.values():
            alert.detailed = True


def words(firing: Firing, now: datetime) -> dict[str, Any]:
    """The columns a firing annotates its alert with (and marks it seen and fresh), with
    `digest`: a hash of the words, which `Writes.annotate` compares with the stored one."""
    finding = firing.finding
    said = {"severity": firing.severity, "title": finding.title, "summary": finding.summary,
            "subjects": [s.to_dict() for s in finding.subjects],
            "evidence": [e.to_dict() for e in finding.evidence],
            "sources": sorted(finding.sources)}
    text = json.dumps(list(said.values()))
    said["digest"] = hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()
    return {**said, "last_seen": now, "sources_fresh_at": now, "is_stale": False}


@dataclass
class Writes:
    """Everything one `apply` writes, collected first and written by `flush`."""

    now: datetime
    new: dict[str, dict[str, Any]] = field(default_factory=dict)
    changes: dict[int, dict[str, Any]] = field(default_factory=lambda: defaultdict(dict))
    events: list[tuple[int | str, dict[str, Any]]] = field(default_factory=list)
    deleted: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.now.tzinfo is None:
            raise ValueError(f"naive datetime {self.now.isoformat()} given; "
                             "baton stores UTC only")

    def status_of(self, alert: StoredAlert) -> AlertStatus:
        """The alert's status after what this run already decided for it (a restore)."""
        return self.changes.get(alert.id, {}).get("status", alert.status)

    def create(self, firing: Firing, status: AlertStatus,
               snoozed_until: datetime | None = None) -> None:
        self.new[firing.fingerprint] = {
            "rule": firing.rule, "kind": firing.kind, "fingerprint": firing.fingerprint,
            "status": status, "snoozed_until": snoozed_until, "first_seen": self.now,
            "resolved_at": None, "reopen_count": 0, **words(firing, self.now)}

    def annotate(self, alert: StoredAlert, firing: Firing) -> None:
        """Mark seen; rewrite the words only when they changed (or a stale mark goes)."""
        said = words(firing, self.now)
        if alert.is_stale or alert.digest != said["digest"]:
            self.changes[alert.id].update(said)
        else:
            self.changes[alert.id].update(last_seen=self.now, sources_fresh_at=self.now)

    def set(self, alert: StoredAlert, **values: Any) -> None:
        self.changes[alert.id].update(values)

    def event(self, alert: StoredAlert | str, action: str, from_status: AlertStatus | None,
              to_status: AlertStatus | None, note: str | None) -> None:
        """A history row; `alert` is a fingerprint for an alert created in this run."""
        ref = alert if isinstance(alert, str) else alert.id
        self.events.append((ref, {"at": self.now, "actor": ACTOR, "action": action,
                                  "from_status": from_status, "to_status": to_status,
                                  "note": note or None}))

    def delete(self, alert: StoredAlert) -> None:
        self.deleted.append(alert.id)

    def flush(self, connection: Connection) -> None:
        ids = self._insert_alerts(connection)
        self._update_alerts(connection)
        gone = set(self.deleted)
        for chunk in _chunks(self.deleted):
            connection.execute(sa.delete(ALERT).where(ALERT.c.id.in_(chunk)))
        rows = [{**row, "alert_id": ids[ref] if isinstance(ref, str) else ref}
                for ref, row in self.events if ref not in gone]
        if rows:
            insert_rows(connection, EVENT, rows)

    def _insert_alerts(self, connection: Connection) -> dict[str, int]:
        if not self.new:
            return {}
        return insert_rows(connection, ALERT, list(self.new.values()), key="fingerprint")

    def _update_alerts(self, connection: Connection) -> None:
        """One bulk UPDATE per set of changed columns; alerts only seen again (the bulk
        of a quiet run) in one `UPDATE … WHERE id IN` per chunk."""
        seen = {"last_seen": self.now, "sources_fresh_at": self.now}
        only_seen: list[int] = []
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
        gone = set(self.deleted)
        for alert_id, values in self.changes.items():
            if alert_id in gone or not values:
                continue
            if values == seen:
                only_seen.append(alert_id)
                continue
            groups[tuple(sorted(values))].append({"id": alert_id, **values})
        for chunk in _chunks(only_seen):
            connection.execute(sa.update(ALERT).where(ALERT.c.id.in_(chunk)).values(seen))
        for rows in groups.values():
            update_rows(connection, ALERT, rows)


def insert_rows(connection: Connection, table: sa.Table, rows: list[dict[str, Any]],
                key: str | None = None) -> dict[Any, int]:
    """INSERT many rows (all with the same keys); returns {row[key]: id} if `key` is given
    (a unique column).

    SQLite takes them as one executemany and the ids are read back as those above the
    largest before (RETURNING made SQLAlchemy build multi-row VALUES batches, 60% slower;
    a row another writer slipped in has a key not ours). PostgreSQL takes them through
    COPY, with ids drawn from the table's sequence first: psycopg re-parses the text of
    every multi-row VALUES batch and pipelines an executemany row by row, which was most
    of the time of opening 10k alerts. COPY bypasses the column types, so JSON columns
    are encoded here, and timestamps are aware (`Writes` refuses a naive `now`)."""
    if connection.dialect.name != "postgresql":
        before = connection.scalar(sa.select(sa.func.max(table.c.id))) or 0 if key else 0
        connection.execute(sa.insert(table), rows)
        if key is None:
            return {}
        wanted = {row[key] for row in rows}
        query = sa.select(table.c[key], table.c.id).where(table.c.id > before)
        return {value: row_id for value, row_id in connection.execute(query) if value in wanted}
    names = list(rows[0])
    ids: list[int] = []
    if key is not None:
        ids = list(connection.execute(sa.select(sa.func.nextval(sa.func.pg_get_serial_sequence(
            table.name, "id"))).select_from(sa.func.generate_series(1, len(rows)))).scalars())
        names.insert(0, "id")
    encode = [isinstance(table.c[name].type, sa.JSON) for name in names]
    quoted = ", ".join(f'"{name}"' for name in names)
    driver = connection.connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor, cursor.copy(
            f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
        for index, row in enumerate(rows):
            values = [ids[index], *row.values()] if ids else row.values()
            copy.write_row([json.dumps(v) if json_column else v
                            for v, json_column in zip(values, encode, strict=True)])
    return {row[key]: row_id for row, row_id in zip(rows, ids, strict=True)} if key else {}


def update_rows(connection: Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """UPDATE many rows by `id`, all setting the same columns: an executemany on SQLite;
    on PostgreSQL one `UPDATE … FROM json_to_recordset(…)` per 5,000 rows (the JSON
    module encodes a batch in C; psycopg would pipeline an executemany row by row)."""
    names = [name for name in rows[0] if name != "id"]
    if connection.dialect.name != "postgresql":
        statement = sa.update(table).where(table.c.id == sa.bindparam("b_id")).values(
            {name: sa.bindparam(f"v_{name}", type_=table.c[name].type) for name in names})
        connection.execute(statement, [{f"v_{k}" if k != "id" else "b_id": v
                                        for k, v in row.items()} for row in rows])
        return
    for batch in _chunks(rows, PG_BATCH):
        source = _recordset(table, batch)
        connection.execute(sa.update(table).where(table.c.id == source.c.id).values(
            {name: source.c[name] for name in names}))


def _recordset(table: sa.Table, rows: Sequence[dict[str, Any]]) -> Any:
    """`rows` as a PostgreSQL table expression typed like `table`'s columns."""
    document = json.dumps(rows, default=_utc_text)
    record = sa.func.json_to_recordset(sa.cast(sa.literal(document, sa.Text), sa.JSON))
    return record.table_valued(*(sa.column(n, table.c[n].type) for n in rows[0])
                               ).render_derived("r", with_types=True)


def _utc_text(value: Any) -> str:
    """Timestamps in a JSON batch: refused naive, sent as UTC (as `UTCDateTime` does)."""
    if not isinstance(value, datetime):
        raise TypeError(f"cannot write {type(value).__name__} in a batch")
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value.isoformat()} given; baton stores UTC only")
    return value.astimezone(UTC).isoformat()
