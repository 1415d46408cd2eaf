"""No live record is ever tombstoned by a bad record, in any connector, on both backends.

A complete listing of each connector's streams (a `--full` re-list; projects and task
lists are listed completely in every run) meets one record the replica breaks (the
malformed knob, in every form: the replica's own breakage, id missing, id null, id of the
wrong type, a payload that is not an object). That partition's listing is then
incomplete: nothing in it is tombstoned — not the broken record, whose id may be
unreadable, not a row the source really lost (a "ghost" planted in the database), and
not the partitions under a broken parent. The other partitions of the same run are
complete and lose their ghosts. A clean listing afterwards tombstones the remaining ghost
and nothing else.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sync_helpers import NOW, at, sync, write_config

from baton.config import BatonConfig
from model import RECORD_KINDS, Account, Contact, Event, Project, Quarantine, RecordState, Task
from sandbox.knobs import Knobs
from sandbox.run import RunningSandbox
from tests.conftest import both_backends

FORMS = ("default", "id_missing", "id_null", "id_wrong_type", "not_object")


@dataclass(frozen=True)
class Case:
    """One connector's stream whose complete listing gets a broken record."""

    source: str
    knobs: Callable[[RunningSandbox], Knobs]
    path: str
    table: Any
    partition: str | None  # the column a partition key names (None: one partition)
    key_is_id: frozenset[str] = frozenset()  # forms whose quarantine key is the real id
    full: bool = True  # False: a listing that is complete in every run (and partitions vanish)


CASES = {
    "asana projects": Case("asana-main", lambda s: s.replicas.asana.knobs, "/projects",
                           Project, None, full=False),
    "asana tasks": Case("asana-main", lambda s: s.replicas.asana.knobs, "/tasks", Task,
                        "project_external_id"),
    "trello cards": Case("trello-studio", lambda s: s.replicas.trello.knobs, "/cards", Task,
                         "project_external_id"),
    "google events": Case("google", lambda s: s.replicas.google.knobs, "/events", Event,
                          "calendar_id", frozenset({"default"})),
    "google contacts": Case("google", lambda s: s.replicas.google.knobs, "/connections",
                            Contact, None),
    "google task lists": Case("google", lambda s: s.replicas.google.knobs,
                              "/users/@me/lists", Project, None, full=False),
    "google tasks": Case("google", lambda s: s.replicas.google.knobs, "/tasks/v1/lists/",
                         Task, "project_external_id"),
    "salesforce accounts": Case(
        "salesforce", lambda s: s.replicas.salesforce.knobs, "/queryAll", Account, None,
        frozenset({"default", "id_missing", "id_null", "id_wrong_type"})),
}
_ghosts = itertools.count(1)


def states(engine: Engine, source: str) -> dict[tuple[str, str], RecordState]:
    """(table, external id) → state of every record of `source`."""
    with engine.connect() as connection:
        return {(table.__tablename__, ext): state for table in RECORD_KINDS.values()
                for ext, state in connection.execute(sa.select(
                    table.external_id, table.state).where(table.source == source))}


def rows(engine: Engine, case: Case) -> dict[str, tuple[RecordState, str | None]]:
    """external id → (state, partition value) of the case's rows."""
    table = case.table
    partition = getattr(table, case.partition) if case.partition else sa.literal(None)
    with engine.connect() as connection:
        return {ext: (state, part) for ext, state, part in connection.execute(
            sa.select(table.external_id, table.state, partition).where(
                table.source == case.source))}


def plant_ghosts(engine: Engine, case: Case) -> dict[str, str | None]:
    """In every partition, a copy of a live row under an id the source never had: a record
    the source lost since the last listing. Returns ghost id → partition value."""
    table = case.table.__table__
    query = sa.select(table).where(table.c.source == case.source,
                                   table.c.state == RecordState.active)
    if case.table is Event:
        query = query.where(table.c.start_at.is_not(None))
    ghosts: dict[str, str | None] = {}
    with engine.begin() as connection:
        by_partition = {row[case.partition] if case.partition else None:
                        {k: v for k, v in row.items() if k != "id"}
                        for row in connection.execute(query).mappings()}
        for value, row in by_partition.items():
            ghost = f"ghost-{next(_ghosts)}"
            connection.execute(sa.insert(table), [{**row, "external_id": ghost}])
            ghosts[ghost] = value
    return ghosts


def quarantined_at(engine: Engine, source: str, minutes: int) -> list[Any]:
    with engine.connect() as connection:
        return list(connection.execute(sa.select(Quarantine).where(
            Quarantine.source == source,
            Quarantine.last_seen_at == NOW + timedelta(minutes=minutes))))


def relist(config: BatonConfig, engine: Engine, sandbox: RunningSandbox, case: Case,
           minutes: int) -> None:
    outcome, code = sync(config, engine, at(sandbox, minutes), sources=[case.source],
                         full=case.full)
    assert code == 0, outcome.results


@both_backends
@pytest.mark.parametrize("name", list(CASES))
def test_a_broken_record_keeps_its_listing_from_tombstoning(
        name: str, sandbox: RunningSandbox, engine: Engine, database_url: str,
        tmp_path: Path) -> None:
    case = CASES[name]
    config = write_config(sandbox, tmp_path, database_url)
    relist(config, engine, sandbox, case, 0)
    original, everything = rows(engine, case), states(engine, case.source)
    assert original and all(s is not RecordState.deleted for s, _ in original.values())
    for minutes, form in enumerate(FORMS, start=1):
        ghosts = plant_ghosts(engine, case)
        case.knobs(sandbox).malform_next(1, path_contains=case.path, form=form)
        relist(config, engine, sandbox, case, minutes)

        [entry] = quarantined_at(engine, case.source, minutes)
        broken = entry.stream.partition(":")[2] or None
        after = rows(engine, case)
        now = states(engine, case.source)
        assert {k: now[k] for k in everything} == everything, form  # nothing real lost
        kept = {g for g in ghosts if after[g][0] is not RecordState.deleted}
        assert kept == {g for g, part in ghosts.items() if part == broken}, form
        assert (entry.record_key in original) == (form in case.key_is_id), \
            (form, entry.record_key)
    relist(config, engine, sandbox, case, len(FORMS) + 1)
    final, now = rows(engine, case), states(engine, case.source)
    assert {k: now[k] for k in everything} == everything
    assert all(state is RecordState.deleted for k, (state, _) in final.items()
               if k.startswith("ghost-"))
