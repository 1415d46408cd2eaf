"""Synced records as people see them: a title and a deep link, looked up in one go.

Alert subjects and link ends address records as (kind, source, external_id);
pages show the record's title and a link into its tool instead of the id,
and say so plainly when the record is not stored or was deleted at the source.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session, col, select

from model import RECORD_KINDS, RecordState

CHUNK = 500
"""Ids per query: far below SQLite's bound-parameter limit."""
RecordKey = tuple[str, str, str]
"""(kind, source, external_id), as links and alert subjects address records."""


@dataclass(frozen=True)
class RecordRef:
    kind: str
    source: str
    external_id: str
    title: str | None = None
    url: str | None = None
    state: RecordState | None = None
    """None: no such record is stored (not synced yet, or never existed)."""

    @property
    def label(self) -> str:
        return self.title or f"{self.kind} {self.external_id}"

    @property
    def is_live(self) -> bool:
        return self.state is not None and self.state is not RecordState.deleted


def look_up(session: Session, keys: Iterable[RecordKey]) -> dict[RecordKey, RecordRef]:
    """Every key's record (one query per kind); unknown kinds and missing rows come back
    as bare references, so callers never need a second path for them."""
    wanted: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for kind, source, external_id in keys:
        wanted[kind].add((source, external_id))
    found: dict[RecordKey, RecordRef] = {}
    for kind, pairs in wanted.items():
        table = RECORD_KINDS.get(kind)
        ids = sorted({external_id for _, external_id in pairs}) if table is not None else []
        for start in range(0, len(ids), CHUNK):
            statement = select(table).where(col(table.external_id).in_(ids[start:start + CHUNK]))
            for row in session.exec(statement):
                if (row.source, row.external_id) in pairs:
                    title = getattr(row, "title", None) or getattr(row, "name", None)
                    found[(kind, row.source, row.external_id)] = RecordRef(
                        kind, row.source, row.external_id, title or None, row.url, row.state)
        for source, external_id in pairs:
            found.setdefault((kind, source, external_id), RecordRef(kind, source, external_id))
    return found
