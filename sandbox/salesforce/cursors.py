"""Query locators: the server-side cursors behind `nextRecordsUrl`.

A query whose result does not fit in one batch keeps its rows on the server
under a locator; `nextRecordsUrl` is `/services/data/vXX.X/query/<locator>-<offset>`
(no host; query_accounts_page1_done_false.json), also for queryAll, whose
follow-up pages may be fetched from `/query/` or `/queryAll/` alike. The rows
are a snapshot taken when the query ran. A locator left idle for 15 minutes
is gone, and using it then (or an offset it never handed out) is
INVALID_QUERY_LOCATOR, which a client must answer by re-running its query.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sandbox.salesforce.schema import BASE62

LOCATOR_IDLE_LIMIT = timedelta(minutes=15)
DEFAULT_BATCH_SIZE = 2000
MIN_BATCH_SIZE = 200
MAX_BATCH_SIZE = 2000


@dataclass
class Cursor:
    locator: str
    rows: list[dict[str, object]]
    last_used: datetime


@dataclass
class Cursors:
    by_locator: dict[str, Cursor] = field(default_factory=dict)
    sequence: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def open(self, rows: list[dict[str, object]], now: datetime) -> Cursor:
        with self.lock:
            self.sequence += 1
            locator = "0r8xx" + _scramble(self.sequence)
            cursor = Cursor(locator, rows, now)
            self.by_locator[locator] = cursor
            return cursor

    def find(self, locator: str, now: datetime) -> Cursor | None:
        with self.lock:
            cursor = self.by_locator.get(locator)
            if cursor is None:
                return None
            if now - cursor.last_used > LOCATOR_IDLE_LIMIT:
                del self.by_locator[locator]
                return None
            cursor.last_used = now
            return cursor


def _scramble(sequence: int) -> str:
    """13 base-62 characters that look like a real locator but come from a counter."""
    value = (sequence * 0x9E3779B97F4A7C15) % (62 ** 13)
    digits = ""
    for _ in range(13):
        value, remainder = divmod(value, 62)
        digits += BASE62[remainder]
    return digits


def batch_size(header: str | None) -> int:
    """`Sforce-Query-Options: batchSize=N`: default and maximum 2000, minimum 200.

    The documentation calls the size a request, not a promise; out-of-range
    values are brought into range rather than refused.
    """
    for option in (header or "").split(","):
        name, _, value = option.partition("=")
        if name.strip().lower() == "batchsize" and value.strip().isdigit():
            return max(MIN_BATCH_SIZE, min(MAX_BATCH_SIZE, int(value)))
    return DEFAULT_BATCH_SIZE


def page(rows: list[dict[str, object]], offset: int, size: int, version: str,
         locator: str | None) -> dict[str, object]:
    """One batch, with keys in the API's order; the last has no `nextRecordsUrl`."""
    end = min(len(rows), offset + size)
    body: dict[str, object] = {"totalSize": len(rows), "done": end >= len(rows)}
    if end < len(rows):
        body["nextRecordsUrl"] = f"/services/data/v{version}/query/{locator}-{end}"
    body["records"] = rows[offset:end]
    return body
