"""Run one source: stream by stream, batch by batch, each batch its own transaction.

A failing stream is recorded and the next one runs; `SourceStopped` (revoked
credentials, exhausted quota) skips the rest of the source and keeps every
cursor. Rows are tombstoned for being *unseen* only when a connector reports
that a listing of their scope was complete, and only within that scope, so a
partial, failed or interrupted run never deletes anything. This module never
catches a failure of another source: the caller runs sources independently.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from connectors.batch import Batch, Connector, Scope, Window
from connectors.errors import ConnectorError, SourceStopped
from model import RECORD_KINDS, RecordState, RunStatus, SourceState, SyncRun, SyncState
from sync.apply import apply_batch, tombstone
from sync.upsert import upsert_rows

log = logging.getLogger("baton.sync")
Scrub = Callable[[str], str]
Progress = Callable[[str, str, int], None]
"""progress(source, stream, records so far) — the CLI draws bars or logs lines."""


@dataclass
class StreamResult:
    stream: str
    status: RunStatus = RunStatus.ok
    fetched: int = 0
    upserted: int = 0
    deleted: int = 0
    quarantined: int = 0
    api_calls: int = 0
    error: str | None = None


@dataclass
class SourceResult:
    source: str
    status: RunStatus = RunStatus.ok
    streams: list[StreamResult] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0
    """Wall time of this source's streams (the benchmark's records/second)."""


@dataclass
class RunContext:
    engine: Engine
    now: datetime
    full: bool = False
    scrub: Scrub = lambda text: text
    progress: Progress | None = None
    run_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    started: float = field(default_factory=time.monotonic)

    def clock(self) -> datetime:
        """`now` plus the time this run has taken: finish times stay consistent with an
        injected `now` (reproducible runs) and still show how long a run took."""
        return self.now + timedelta(seconds=time.monotonic() - self.started)


def sync_source(ctx: RunContext, connector: Connector, source_type: str) -> SourceResult:
    started = time.monotonic()
    result = SourceResult(connector.source)
    summary_id = _start_run(ctx, connector.source, None)
    streams = connector.streams()
    for index, stream in enumerate(streams):
        outcome = _sync_stream(ctx, connector, stream)
        result.streams.append(outcome)
        if outcome.status is RunStatus.failed and isinstance(outcome, _Stopped):
            result.error = outcome.error
            for skipped in streams[index + 1:]:
                result.streams.append(StreamResult(skipped, RunStatus.skipped))
                _finish_run(ctx, _start_run(ctx, connector.source, skipped),
                            result.streams[-1])
            break
    failed = [s for s in result.streams if s.status is RunStatus.failed]
    if failed:
        result.status = RunStatus.failed if len(failed) == len(streams) or result.error \
            else RunStatus.partial
        result.error = result.error or "; ".join(f"{s.stream}: {s.error}" for s in failed)
    _finish_run(ctx, summary_id, _totals(result))
    _record_source_state(ctx, result, source_type)
    result.seconds = time.monotonic() - started
    return result


class _Stopped(StreamResult):
    """A stream that ended the whole source (revoked auth, quota)."""


def _sync_stream(ctx: RunContext, connector: Connector, stream: str) -> StreamResult:
    run_id = _start_run(ctx, connector.source, stream)
    outcome = StreamResult(stream)
    seen: dict[str, set[str]] = defaultdict(set)
    try:
        cursors = {} if ctx.full else load_cursors(ctx.engine, connector.source, stream)
        for batch in connector.pull(stream, cursors, ctx.full):
            _commit(ctx, connector.source, batch, seen, outcome)
            if ctx.progress:
                ctx.progress(connector.source, stream, outcome.fetched)
    except SourceStopped as exc:
        outcome = _Stopped(stream, RunStatus.failed, outcome.fetched, outcome.upserted,
                           outcome.deleted, outcome.quarantined, outcome.api_calls,
                           ctx.scrub(str(exc)))
    except ConnectorError as exc:
        outcome.status, outcome.error = RunStatus.failed, ctx.scrub(str(exc))
    except Exception as exc:  # a connector bug: record it, keep the other streams going
        log.debug("stream %s/%s crashed", connector.source, stream, exc_info=True)
        outcome.status = RunStatus.failed
        outcome.error = ctx.scrub(f"internal error ({type(exc).__name__}): {exc}")
    _finish_run(ctx, run_id, outcome)
    return outcome


def record_failure(ctx: RunContext, source: str, source_type: str, error: str) -> SourceResult:
    """A source that failed before any stream ran still leaves history and state."""
    result = SourceResult(source, RunStatus.failed, error=error)
    _finish_run(ctx, _start_run(ctx, source, None), _totals(result))
    _record_source_state(ctx, result, source_type)
    return result


def _commit(ctx: RunContext, source: str, batch: Batch, seen: dict[str, set[str]],
            outcome: StreamResult) -> None:
    with ctx.engine.begin() as connection:
        applied = apply_batch(connection, source, batch, ctx.now)
        for kind, ids in applied.seen.items():
            seen[kind] |= ids
        if batch.complete is not None:
            applied.deleted += tombstone_unseen(connection, source, batch.complete,
                                                seen[batch.complete.kind], ctx.now)
    outcome.fetched += (len(batch.records) + len(batch.stubs) + len(batch.identities)
                        + len(batch.tombstones))
    outcome.upserted += applied.upserted
    outcome.deleted += applied.deleted
    outcome.quarantined += applied.quarantined
    outcome.api_calls += batch.api_calls


def tombstone_unseen(connection: sa.Connection, source: str, scope: Scope, seen: set[str],
                     now: datetime) -> int:
    """After a complete listing: rows of the scope that the listing did not contain are gone."""
    table = RECORD_KINDS[scope.kind]
    query = sa.select(table.external_id).where(table.source == source,
                                               table.state != RecordState.deleted)
    for column, value in scope.where:
        query = query.where(getattr(table, column) == value)
    if scope.window is not None:
        query = query.where(surely_within(table, scope.window))
    unseen = [ext for (ext,) in connection.execute(query) if ext not in seen]
    return tombstone(connection, source, [(scope.kind, ext) for ext in unseen], now)


def surely_within(table: type, window: Window) -> sa.ColumnElement[bool]:
    """Rows a listing of `window` must have returned: timed events overlapping it (Google
    lists an event when its end is after timeMin and its start before timeMax); all-day
    events only a day inside either edge, as their dates are midnights of a calendar's
    zone (at most 14 hours off UTC). A row without times (a stub) never is."""
    first_day = (window.start + timedelta(days=1)).date()
    last_day = (window.end - timedelta(days=1)).date()
    columns: Any = table
    return sa.or_(
        sa.and_(columns.end_at > window.start, columns.start_at < window.end),
        sa.and_(columns.end_date > first_day, columns.start_date < last_day))


def load_cursors(engine: Engine, source: str, stream: str) -> dict[str, str | None]:
    """The stored cursors of `stream` and of all its partitions (`stream:<key>`)."""
    query = sa.select(SyncState.stream, SyncState.cursor).where(
        SyncState.source == source,
        sa.or_(SyncState.stream == stream, SyncState.stream.like(f"{stream}:%")))
    with engine.connect() as connection:
        return {name: cursor for name, cursor in connection.execute(query)}


def _start_run(ctx: RunContext, source: str, stream: str | None) -> int:
    with ctx.engine.begin() as connection:
        return int(connection.execute(sa.insert(SyncRun).values(
            run_id=ctx.run_id, source=source, stream=stream, started_at=ctx.now,
            status=RunStatus.running, full=ctx.full, host=socket.gethostname(),
            pid=os.getpid(), fetched=0, upserted=0, deleted=0, quarantined=0, api_calls=0,
        ).returning(SyncRun.id)).scalar_one())


def _finish_run(ctx: RunContext, run_id: int, outcome: StreamResult) -> None:
    with ctx.engine.begin() as connection:
        connection.execute(sa.update(SyncRun).where(SyncRun.id == run_id).values(
            finished_at=ctx.clock(), status=outcome.status,
            fetched=outcome.fetched, upserted=outcome.upserted, deleted=outcome.deleted,
            quarantined=outcome.quarantined, api_calls=outcome.api_calls,
            error=outcome.error))


def _totals(result: SourceResult) -> StreamResult:
    total = StreamResult("(all)", result.status, error=result.error)
    for s in result.streams:
        total.fetched += s.fetched
        total.upserted += s.upserted
        total.deleted += s.deleted
        total.quarantined += s.quarantined
        total.api_calls += s.api_calls
    return total


def _record_source_state(ctx: RunContext, result: SourceResult, source_type: str) -> None:
    values = {"name": result.source, "type": source_type, "last_attempt_at": ctx.now,
              "last_status": result.status, "last_error": result.error}
    if result.status is RunStatus.ok:
        values["last_success_at"] = ctx.now
    with ctx.engine.begin() as connection:
        upsert_rows(connection, SourceState, [values], ("name",),
                    change_columns=tuple(c for c in values if c != "name"))
