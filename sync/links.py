"""Cross-tool links: the same work in two tools, found from the URLs people paste.

Coordinators link work by pasting a Trello card URL into an Asana task, an
Asana task into a Salesforce opportunity's description, or by attaching an
opportunity to a card. Every text a record holds (description, Asana
`html_notes`, Trello attachments, Salesforce `Description`) is searched for
URLs (`sync.link_text`); each URL is reduced to tool ids (`sync.link_forms`)
and looked up in one index of every stored record, built once per run, so
the link step is a few dictionary lookups per URL and no query per URL.

A link joins records of two different tools: a Trello card attached to
another card, or an Asana task mentioning another, is related work, not the
same work twice. Detection is complete on every run, so a link whose URL was
removed is removed too; a link an admin made is never touched, and a refuted
one stays refuted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from model import (
    RECORD_KINDS,
    Account,
    Deal,
    Event,
    Link,
    LinkMethod,
    LinkStatus,
    Project,
    RecordState,
    SourceState,
    Task,
)
from sync.link_forms import Key, record_keys, url_keys
from sync.link_text import urls_in
from sync.upsert import upsert_rows

Ref = tuple[str, str, str]  # (kind, source, external_id)
Pair = tuple[str, str, str, str, str, str]  # a ref, then the other, in canonical order
DETECTED = (LinkMethod.url_in_description, LinkMethod.url_in_attachment)
CONFIDENCE = 0.95
PAIR_COLUMNS = ("a_kind", "a_source", "a_external_id", "b_kind", "b_source", "b_external_id")


@dataclass(frozen=True)
class Text:
    """One part of a record that can hold URLs: a SQL expression, and how it holds them."""

    column: Any
    method: LinkMethod
    attachments: bool = False  # a JSON list of Trello attachments, each with its `url`


def _raw_text(table: Any, key: str) -> Any:
    return table.raw[key].as_string()


DESCRIBED = LinkMethod.url_in_description
TEXTS: dict[str, tuple[Text, ...]] = {
    "task": (Text(Task.description, DESCRIBED), Text(_raw_text(Task, "html_notes"), DESCRIBED),
             Text(Task.raw["attachments"], LinkMethod.url_in_attachment, attachments=True)),
    "event": (Text(Event.description, DESCRIBED),),
    "deal": (Text(_raw_text(Deal, "Description"), DESCRIBED),),
    "account": (Text(_raw_text(Account, "Description"), DESCRIBED),),
    "project": (Text(_raw_text(Project, "desc"), DESCRIBED),
                Text(_raw_text(Project, "html_notes"), DESCRIBED),
                Text(_raw_text(Project, "notes"), DESCRIBED)),
}
"""Where each kind keeps text. Raw fields are read by JSON path, never whole payloads:
Trello `desc` and Asana `notes` / `html_notes` of boards and projects, Salesforce
`Description` (the model has no column for it), and Asana `html_notes`, whose
links with a label keep their URL only in the `href`."""


class RecordIndex:
    """Every stored record under each key of `record_keys`, built once per run."""

    def __init__(self, records: Iterable[tuple[Ref, str | None]], tools: dict[str, str]) -> None:
        self.refs: dict[Key, list[Ref]] = defaultdict(list)
        hosts: set[str] = set()
        for ref, url in records:
            tool = tools.get(ref[1])
            for key in record_keys(tool, ref[0], ref[2], url):
                self.refs[key].append(ref)
            if tool == "salesforce" and url and "//" in url:
                hosts.add(url.split("/")[2].lower())
        self.salesforce_hosts = frozenset(hosts)

    @classmethod
    def load(cls, connection: Connection, tools: dict[str, str]) -> RecordIndex:
        """The index of every live (non-deleted) record: one query per kind."""
        def records() -> Iterator[tuple[Ref, str | None]]:
            for kind, table in RECORD_KINDS.items():
                query = sa.select(table.source, table.external_id, table.url).where(
                    table.state != RecordState.deleted)
                for source, external_id, url in connection.execute(query):
                    yield (kind, source, external_id), url
        return cls(records(), tools)

    def lookup(self, url: str) -> list[Ref]:
        """The records `url` points at: those under its first key that has any."""
        for key in url_keys(url, self.salesforce_hosts):
            if key in self.refs:
                return self.refs[key]
        return []


def detect(connection: Connection, now: datetime) -> int:
    """Find every link from every record's texts and store them; returns how many."""
    tools = dict(connection.execute(sa.select(SourceState.name, SourceState.type)).all())
    index = RecordIndex.load(connection, tools)
    found: dict[Pair, tuple[LinkMethod, str]] = {}
    for here, urls in pasted_urls(connection):
        for url, method in urls.items():
            for target in index.lookup(url):
                if target != here and tools.get(target[1]) != tools.get(here[1]):
                    a, b = sorted((here, target))
                    found.setdefault((*a, *b), (method, url[:2048]))
    store(connection, found, now)
    return len(found)


def pasted_urls(connection: Connection) -> Iterator[tuple[Ref, dict[str, LinkMethod]]]:
    """Each live record with URLs, in a fixed order, with its URLs (each once, first
    place first: the same link is in an Asana task's `notes` and its `html_notes`)."""
    for kind, texts in TEXTS.items():
        table = RECORD_KINDS[kind]
        query = (sa.select(table.source, table.external_id, *(t.column for t in texts))
                 .where(table.state != RecordState.deleted).order_by(table.id))
        for source, external_id, *values in connection.execute(query):
            urls: dict[str, LinkMethod] = {}
            for text, value in zip(texts, values, strict=True):
                if value:
                    for url in (attachment_urls(value) if text.attachments else urls_in(value)):
                        urls.setdefault(url, text.method)
            if urls:
                yield (kind, source, external_id), urls


def attachment_urls(attachments: Any) -> Iterator[str]:
    """The `url` of each Trello attachment (a link, an uploaded file, another card)."""
    for attachment in attachments if isinstance(attachments, list) else ():
        url = attachment.get("url") if isinstance(attachment, dict) else None
        if isinstance(url, str):
            yield from urls_in(url)


def store(connection: Connection, found: dict[Pair, tuple[LinkMethod, str]],
          now: datetime) -> None:
    """Make the detected links in the database what `found` says, touching only what
    changed: new pairs are inserted, a changed URL updates its row, and a detected link
    no longer found is deleted unless an admin refuted it (so it stays refuted). Links
    an admin made are left as they are, found again or not."""
    stored = {tuple(row[:6]): row for row in connection.execute(
        sa.select(*(getattr(Link, c) for c in PAIR_COLUMNS), Link.id, Link.method,
                  Link.evidence, Link.status))}
    changed = []
    for pair, (method, evidence) in found.items():
        row = stored.get(pair)
        if row is None or (row.method in DETECTED
                           and (row.method, row.evidence) != (method, evidence)):
            changed.append({**dict(zip(PAIR_COLUMNS, pair, strict=True)), "method": method,
                            "confidence": CONFIDENCE, "evidence": evidence,
                            "created_at": now, "updated_at": now})
    gone = [row.id for pair, row in stored.items() if pair not in found
            and row.method in DETECTED and row.status == LinkStatus.active]
    # an upsert, not an insert: a sync of another source may store the same pair meanwhile
    upsert_rows(connection, Link, changed, PAIR_COLUMNS, change_columns=("evidence", "method"),
                insert_only=("created_at",), with_ids=False)
    for start in range(0, len(gone), 500):
        connection.execute(sa.delete(Link).where(Link.id.in_(gone[start:start + 500])))
