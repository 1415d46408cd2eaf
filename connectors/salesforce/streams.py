"""The six Salesforce streams as facts, and the one pull loop they share.

Every stream is one sObject read by SOQL ordered by (SystemModstamp, Id):

* **Incremental**: `WHERE SystemModstamp >= cursor - lookback`. Rows at the
  boundary come back on the next run (harmless: upserts key on the id), and
  the lookback also absorbs transactions that commit with an earlier stamp.
* **Deletions**: objects that can be deleted are read with queryAll, so rows in
  the recycle bin come back with `IsDeleted: true` and their SystemModstamp
  bumped; they become tombstones. Users are never deleted (deactivated:
  `IsActive`), so they are read with a plain query and have no scope.
* **Expiry**: the recycle bin keeps rows ~15 days. A cursor whose lower bound
  lies beyond that (less an hour of margin for clock skew and the purge job)
  could miss purged deletions, so the object is listed in full and the last
  batch carries `complete=Scope(kind)`; sync tombstones whatever that complete
  listing lacked. First syncs and `full=True` do the same.
* **Cursor**: the highest SystemModstamp seen, never past the sync's start
  (signpost) and never backwards. A full listing stores no cursor until its
  last page: a crash half-way must re-list, not resume incrementally and lose
  the deletions the listing was meant to find. The last batch may move a quiet
  object's cursor up to `signpost - QUIET_LAG` (the query ran after that
  instant, so nothing older is unseen), so an object nobody touches does not
  fall into the 15-day full re-list.
* **Paging**: `nextRecordsUrl` until `done`, batchSize 2000 (the maximum); a
  repeated URL raises. An expired query locator re-runs the query from the
  highest stamp seen (rows are ordered by it, so nothing is skipped).
* **Bulk**: a full listing larger than the configured threshold (the first page's
  `totalSize`) continues as a Bulk API 2.0 query job instead (`bulk.py`).
* **Unmappable rows** are quarantined under their Id — read from
  `attributes.url` when `Id` itself is missing or not a string — and make a full
  listing incomplete (`connectors.listing`): it tombstones nothing.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.batch import Batch, Scope
from connectors.errors import CursorExpired, RecordInvalid
from connectors.listing import Listing, quarantine, text_id
from connectors.salesforce.bulk import BulkReader
from connectors.salesforce.client import PagingLoop, SalesforceClient
from connectors.salesforce.mapping import (
    MapContext,
    map_account,
    map_contact,
    map_event,
    map_opportunity,
    map_task,
    map_user,
    parse_datetime,
    record_id,
    task_assignees,
)

log = logging.getLogger("connectors.salesforce")
RECYCLE_BIN = timedelta(days=15)
EXPIRY_MARGIN = timedelta(hours=1)
QUIET_LAG = timedelta(hours=1)
MAX_LOCATOR_RESTARTS = 3
CURSOR_FORMAT = "%Y-%m-%dT%H:%M:%SZ"  # also a valid SOQL datetime literal
RECORD_ID = re.compile(r"^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$")


@dataclass(frozen=True)
class Stream:
    """One sObject: what to select, where rows land, how to map them."""

    name: str
    sobject: str
    fields: tuple[str, ...]
    kind: str | None  # model table for records and tombstones; None: identities only
    mapper: Callable[[dict[str, Any], MapContext], Any]
    include_deleted: bool = True  # queryAll: recycle-bin rows come back as IsDeleted
    assignees: Callable[[dict[str, Any]], list[str]] | None = None


AUDIT = ("Id", "IsDeleted", "SystemModstamp")
ACTIVITY = ("Subject", "Description", "ActivityDate", "OwnerId", "WhoId", "WhatId", "AccountId")
STREAMS: tuple[Stream, ...] = (
    Stream("users", "User", ("Id", "Username", "Email", "FirstName", "LastName", "Name",
                             "IsActive", "SystemModstamp"),
           kind=None, mapper=map_user, include_deleted=False),
    Stream("accounts", "Account", (*AUDIT, "Name", "OwnerId", "Description"), kind="account",
           mapper=map_account),
    Stream("contacts", "Contact", (*AUDIT, "Name", "FirstName", "LastName", "Email",
                                   "AccountId", "OwnerId"), kind="contact", mapper=map_contact),
    Stream("opportunities", "Opportunity", (*AUDIT, "Name", "StageName", "IsClosed", "IsWon",
                                            "CloseDate", "Amount", "OwnerId", "AccountId",
                                            "Description"),
           kind="deal", mapper=map_opportunity),
    Stream("events", "Event", (*AUDIT, *ACTIVITY, "StartDateTime", "EndDateTime",
                               "IsAllDayEvent", "DurationInMinutes"),
           kind="event", mapper=map_event),
    Stream("tasks", "Task", (*AUDIT, *ACTIVITY, "Status", "IsClosed"), kind="task",
           mapper=map_task, assignees=task_assignees),
)
BY_NAME = {s.name: s for s in STREAMS}


def format_cursor(value: datetime) -> str:
    return value.astimezone(UTC).strftime(CURSOR_FORMAT)


def parse_cursor(text: str | None) -> datetime | None:
    """A stored cursor; an unreadable one is treated as none (full re-list)."""
    if not text:
        return None
    try:
        return datetime.strptime(text, CURSOR_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        log.warning("ignoring unreadable Salesforce cursor %r; listing in full", text[:40])
        return None


def soql(stream: Stream, lower_bound: datetime | None, *, ordered: bool = True) -> str:
    where = f" WHERE SystemModstamp >= {format_cursor(lower_bound)}" if lower_bound else ""
    order = " ORDER BY SystemModstamp, Id" if ordered else ""
    return f"SELECT {', '.join(stream.fields)} FROM {stream.sobject}{where}{order}"


@dataclass
class Progress:
    """What one pull has learnt so far, to compute the cursor of each batch."""

    since: datetime | None
    signpost: datetime
    max_seen: datetime | None = None
    calls_reported: int = 0

    def see(self, stamp: datetime | None) -> None:
        if stamp is not None and (self.max_seen is None or stamp > self.max_seen):
            self.max_seen = stamp

    def cursor(self, *, last: bool) -> datetime | None:
        candidates = [c for c in (self.since, self.max_seen) if c is not None]
        if last:
            candidates.append(self.signpost - QUIET_LAG)
        return min(max(candidates), self.signpost) if candidates else None


class StreamPull:
    """One pull of one stream: pages in, batches out."""

    def __init__(self, client: SalesforceClient, ctx: MapContext, stream: Stream,
                 stored: str | None, *, full: bool, signpost: datetime,
                 lookback: timedelta, bulk: BulkReader | None = None) -> None:
        self.client, self.ctx, self.stream, self.lookback = client, ctx, stream, lookback
        self.bulk = bulk
        since = None if full else parse_cursor(stored)
        if since is not None and stream.kind and self._expired(since, signpost):
            log.info("%s: %s cursor %s is older than the recycle bin; listing in full",
                     ctx.source, stream.name, format_cursor(since))
            since = None
        self.progress = Progress(since=since, signpost=signpost,
                                 calls_reported=client.policy.calls)
        self.listing = Listing(Scope(stream.kind) if since is None and stream.kind else None)

    def _expired(self, since: datetime, signpost: datetime) -> bool:
        return since - self.lookback <= signpost - RECYCLE_BIN + EXPIRY_MARGIN

    def batches(self) -> Iterator[Batch]:
        since = self.progress.since
        lower = since - self.lookback if since is not None else None
        restarts = 0
        while True:
            try:
                for page, last in self._pages(lower):
                    yield self._batch(page, last=last)
                return
            except CursorExpired:
                restarts += 1
                if restarts > MAX_LOCATOR_RESTARTS:
                    raise
                lower = self.progress.max_seen or lower

    def _pages(self, lower: datetime | None) -> Iterator[tuple[dict[str, Any], bool]]:
        page = self.client.query_page(soql(self.stream, lower),
                                      include_deleted=self.stream.include_deleted)
        if lower is None and self.bulk is not None and self.bulk.wanted(page):
            yield from self.bulk.pages(self.stream, soql(self.stream, None, ordered=False))
            return
        seen_urls: set[str] = set()
        while True:
            url = page.get("nextRecordsUrl")
            done = bool(page.get("done", True)) or not url
            yield page, done
            if done:
                return
            if url in seen_urls:
                raise PagingLoop(f"{self.ctx.source}: {self.stream.name}: nextRecordsUrl "
                                 "repeated; stopping instead of looping")
            seen_urls.add(str(url))
            page = self.client.next_page(str(url))

    def _batch(self, page: dict[str, Any], *, last: bool) -> Batch:
        batch = Batch(stream=self.stream.name)
        for raw in page.get("records") or []:
            self._take(batch, raw)
        batch.quarantined.extend(page.get("quarantined") or [])  # rows Bulk could not read
        calls = self.client.policy.calls
        batch.api_calls, self.progress.calls_reported = (
            calls - self.progress.calls_reported, calls)
        if last or self.listing.scope is None:
            cursor = self.progress.cursor(last=last)
            batch.cursor = format_cursor(cursor) if cursor else None
        return self.listing.add(batch, last=last)

    def _take(self, batch: Batch, raw: Any) -> None:
        """Tombstone, identity, or record (+ assignees); a bad row is quarantined."""
        try:
            if not isinstance(raw, dict):
                raise RecordInvalid(f"row is not a JSON object: {type(raw).__name__}")
            self.progress.see(parse_datetime(raw.get("SystemModstamp"), "SystemModstamp"))
            if raw.get("IsDeleted") is True and self.stream.kind:
                batch.tombstones.append((self.stream.kind, record_id(raw)))
                return
            mapped = self.stream.mapper(raw, self.ctx)
        except RecordInvalid as error:
            batch.quarantined.append(quarantine(raw, url_id(raw), error))
            return
        if self.stream.kind is None:
            batch.identities.append(mapped)
            return
        batch.records.append(mapped)
        if self.stream.assignees is not None:
            batch.assignees[mapped.external_id] = self.stream.assignees(raw)


def url_id(raw: Any) -> str | None:
    """A row's Id, else the one at the end of its `attributes.url`
    (`/services/data/v60.0/sobjects/Account/001…`), which every row carries: a
    quarantined row then keeps its real key."""
    found = text_id(raw, "Id")
    if found is not None or not isinstance(raw, dict):
        return found
    url = text_id(raw.get("attributes"), "url")
    last = url.rstrip("/").rpartition("/")[2] if url else ""
    return last if RECORD_ID.match(last) else None
