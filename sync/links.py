"""Cross-tool links: the same work in two tools, found from the URLs people paste.

Coordinators link work by pasting a Trello card URL into an Asana task, or by
attaching a Salesforce opportunity to a card. Every URL in a task's
description or attachments is matched against the deep links baton stores
(`url`) and against the ids each tool puts in its URLs (an Asana task gid, a
Trello short link, a Salesforce record id). Found links are upserted with
their method and confidence; a link an admin refuted stays refuted.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from model import RECORD_KINDS, Link, LinkMethod, RecordState, Task
from sync.upsert import upsert_rows

URL = re.compile(r"https?://[^\s<>\"')\]]+")
ASANA_TASK = re.compile(r"app\.asana\.com/\d+/(?:[^\s?#]*/)?(\d{6,})(?:/f)?/?(?:[?#]|$)")
TRELLO_CARD = re.compile(r"trello\.com/c/([A-Za-z0-9]{8})")
SALESFORCE_RECORD = re.compile(r"/lightning/r/(\w+)/([a-zA-Z0-9]{15,18})/view"
                               r"|\.salesforce\.com/([a-zA-Z0-9]{15,18})(?:[/?#]|$)")
SALESFORCE_KINDS = {"Opportunity": "deal", "Account": "account", "Contact": "contact",
                    "Task": "task", "Event": "event"}
SALESFORCE_PREFIXES = {"006": "deal", "001": "account", "003": "contact", "00T": "task",
                       "00U": "event"}

Ref = tuple[str, str, str]  # (kind, source, external_id)


@dataclass(frozen=True)
class Found:
    target: Ref
    method: LinkMethod


class RecordIndex:
    """Where a URL or a tool id points, over every stored (non-deleted) record."""

    def __init__(self, connection: Connection) -> None:
        self.by_url: dict[str, Ref] = {}
        self.by_id: dict[tuple[str, str], Ref] = {}
        for kind, table in RECORD_KINDS.items():
            query = sa.select(table.source, table.external_id, table.url).where(
                table.state != RecordState.deleted)
            for source, external_id, url in connection.execute(query):
                ref = (kind, source, external_id)
                if url:
                    self.by_url[_normal(url)] = ref
                self.by_id[(kind, external_id)] = ref

    def lookup(self, url: str) -> Ref | None:
        if (ref := self.by_url.get(_normal(url))) is not None:
            return ref
        if (m := ASANA_TASK.search(url)) is not None:
            return self.by_id.get(("task", m.group(1)))
        if (m := TRELLO_CARD.search(url)) is not None:
            return self.by_url.get(f"https://trello.com/c/{m.group(1)}")
        if (m := SALESFORCE_RECORD.search(url)) is not None:
            record_id = m.group(2) or m.group(3)
            kind = SALESFORCE_KINDS.get(m.group(1) or "") or SALESFORCE_PREFIXES.get(
                record_id[:3], "")
            return self.by_id.get((kind, record_id)) if kind else None
        return None


def _normal(url: str) -> str:
    return url.split("?", 1)[0].split("#", 1)[0].rstrip("/").lower()


def urls_of(task: Any) -> Iterator[tuple[str, LinkMethod]]:
    for url in URL.findall(task.description or ""):
        yield url, LinkMethod.url_in_description
    for attachment in (task.raw or {}).get("attachments") or []:
        if isinstance(attachment, dict) and isinstance(attachment.get("url"), str):
            yield attachment["url"], LinkMethod.url_in_attachment


def detect(connection: Connection, now: datetime) -> int:
    """Find and store links from every task's URLs; returns how many links were found."""
    index = RecordIndex(connection)
    rows: dict[tuple[str, ...], dict[str, Any]] = {}
    tasks = connection.execute(sa.select(Task.source, Task.external_id, Task.description,
                                         Task.raw).where(Task.state != RecordState.deleted))
    for task in tasks:
        here: Ref = ("task", task.source, task.external_id)
        for url, method in urls_of(task):
            target = index.lookup(url)
            if target is None or target == here:
                continue
            a, b = sorted((here, target))
            rows[(*a, *b)] = {"a_kind": a[0], "a_source": a[1], "a_external_id": a[2],
                              "b_kind": b[0], "b_source": b[1], "b_external_id": b[2],
                              "method": method, "confidence": 0.95,
                              "evidence": url[:2048], "created_at": now, "updated_at": now}
    if rows:
        upsert_rows(connection, Link, list(rows.values()),
                    ("a_kind", "a_source", "a_external_id", "b_kind", "b_source",
                     "b_external_id"), change_columns=("evidence", "method"),
                    insert_only=("created_at",))
    return len(rows)
