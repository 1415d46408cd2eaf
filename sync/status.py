"""What `baton status` and the feed's status page report, per source and stream.

Reads only `SyncRun`, `SyncState` and `Quarantine`, so it is cheap enough to
run from a monitoring check. Each row ends with the next thing a user should
do, because "failed" alone makes nobody's morning better. `effort` says, from
what sync stored on each task (`estimate_from`), which field held the effort of
each source's open tasks and how many have none: no API call needed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from model import Quarantine, RecordState, RunStatus, SyncRun, SyncState, Task


@dataclass(frozen=True)
class StreamStatus:
    source: str
    stream: str | None
    run: SyncRun | None
    cursor_updated_at: datetime | None
    quarantined: int
    next_action: str


def collect(session: Session, sources: Sequence[str]) -> list[StreamStatus]:
    """One row per configured source (stream None) followed by its streams, failed first,
    then partial, running, skipped (stopped by a failure) and ok, by name within each."""
    latest = _latest_runs(session, sources)
    cursors = _oldest_cursors(session, sources)
    quarantined = _quarantine_counts(session, sources)
    rows: list[StreamStatus] = []
    for source in sources:
        run = latest.get((source, None))
        rows.append(StreamStatus(source, None, run, None,
                                 sum(n for (s, _), n in quarantined.items() if s == source),
                                 _next_action(source, run)))
        streams = sorted((stream for (s, stream) in latest if s == source and stream is not None),
                         key=lambda stream: (_ATTENTION[latest[(source, stream)].status], stream))
        for stream in streams:
            stream_run = latest[(source, stream)]
            count = quarantined.get((source, stream), 0)
            rows.append(StreamStatus(source, stream, stream_run,
                                     cursors.get((source, stream.split(":", 1)[0])), count,
                                     _next_action(source, stream_run, count)))
    return rows


@dataclass
class EffortStatus:
    """Open tasks of one source: how many got an estimate from which field, how many
    have their effort field empty, how many have no effort field at all."""

    source: str
    by_field: dict[str, int] = field(default_factory=dict)
    empty: dict[str, int] = field(default_factory=dict)
    no_field: int = 0

    @property
    def open_tasks(self) -> int:
        return sum(self.by_field.values()) + sum(self.empty.values()) + self.no_field

    @property
    def without_estimate(self) -> int:
        return sum(self.empty.values()) + self.no_field

    def describe(self, configurable: bool = True) -> str:
        """`effort asana-main: 14 open tasks; estimates from "Estimate (h)" (hours) on 11;
        3 without an estimate ("Estimate (h)" (hours) empty on 2, no effort field on 1)`,
        as `baton status` and the sync status page say it. The hint to name the field is
        only for sources that take `estimate_field` (`configurable`)."""
        parts = [f"{self.open_tasks} open task{'s' if self.open_tasks != 1 else ''}"]
        if self.by_field:
            parts.append("estimates from " + ", ".join(
                f"{name} on {count}" for name, count in _biggest_first(self.by_field)))
        if self.without_estimate:
            why = [f"{name} empty on {count}" for name, count in _biggest_first(self.empty)]
            why += [f"no effort field on {self.no_field}"] if self.no_field else []
            parts.append(f"{self.without_estimate} without an estimate ({', '.join(why)})")
        if configurable and not self.by_field and not self.empty:
            parts.append(NO_FIELD_HINT)
        return f"effort {self.source}: " + "; ".join(parts)


NO_FIELD_HINT = "no effort field found: name it with estimate_field in baton.yaml"
CONFIGURABLE_TYPES = frozenset({"asana", "trello"})
"""Source types whose config takes `estimate_field`."""


def _biggest_first(counts: dict[str, int]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def effort(session: Session, sources: Sequence[str]) -> list[EffortStatus]:
    """One entry per configured source that has open tasks, in config order."""
    missing = col(Task.estimate_hours).is_(None)
    query = (select(Task.source, Task.estimate_from, missing, sa.func.count())
             .where(col(Task.source).in_(sources), Task.state == RecordState.active)
             .group_by(Task.source, Task.estimate_from, missing))
    found: dict[str, EffortStatus] = {}
    for source, field_name, empty, count in session.exec(query):
        entry = found.setdefault(source, EffortStatus(source))
        if field_name is None:
            entry.no_field += count
        else:
            table = entry.empty if empty else entry.by_field
            table[field_name] = table.get(field_name, 0) + count
    return [found[source] for source in sources if source in found]


_ATTENTION = {RunStatus.failed: 0, RunStatus.partial: 1, RunStatus.running: 2,
              RunStatus.skipped: 3, RunStatus.ok: 4}
"""Streams needing a person first: the one that failed above the ones it stopped."""


def _oldest_cursors(session: Session, sources: Sequence[str]
                    ) -> dict[tuple[str, str], datetime]:
    """Per stream, the age of its oldest partition cursor (`tasks:1204` counts for
    `tasks`): the partition that stopped moving is the one a user needs to see."""
    oldest: dict[tuple[str, str], datetime] = {}
    for state in session.exec(select(SyncState).where(col(SyncState.source).in_(sources))):
        key = (state.source, state.stream.split(":", 1)[0])
        if key not in oldest or state.updated_at < oldest[key]:
            oldest[key] = state.updated_at
    return oldest


def _latest_runs(session: Session, sources: Sequence[str]
                 ) -> dict[tuple[str, str | None], SyncRun]:
    newest = (select(sa.func.max(SyncRun.id))
              .where(col(SyncRun.source).in_(sources))
              .group_by(SyncRun.source, SyncRun.stream))
    runs = session.exec(select(SyncRun).where(col(SyncRun.id).in_(newest)))
    return {(run.source, run.stream): run for run in runs}


def _quarantine_counts(session: Session, sources: Sequence[str]) -> dict[tuple[str, str], int]:
    query = (select(Quarantine.source, Quarantine.stream, sa.func.count())
             .where(col(Quarantine.source).in_(sources), col(Quarantine.resolved_at).is_(None))
             .group_by(Quarantine.source, Quarantine.stream))
    return {(source, stream): count for source, stream, count in session.exec(query)}


def _next_action(source: str, run: SyncRun | None, quarantined: int = 0) -> str:
    if run is None:
        return f"never synced: run `baton sync --source {source}`"
    if run.status is RunStatus.running and run.finished_at is None:
        return "running now (or killed mid-run: the next sync resumes from the last cursor)"
    if run.status is RunStatus.failed:
        return f"fix the error shown, then run `baton sync --source {source}`"
    if run.status is RunStatus.partial:
        return "some streams failed: see their rows"
    if run.status is RunStatus.skipped:
        return "skipped: an earlier stream stopped this source (see its row)"
    if quarantined:
        return f"{quarantined} record(s) quarantined: the rest synced; report the payloads"
    return "nothing to do"
