"""The complete-listing rule and the quarantine of unmappable records, for every connector.

Sync tombstones the stored rows of a scope that a complete listing did not contain
(`Batch.complete`). That is a claim about every record of the scope, so it holds only
when every record listed was understood. A record that cannot be mapped — its id
missing, null or of the wrong type, a payload that is not an object, a date that does
not parse — is quarantined, and the listing it came in is then NOT complete: nothing of
that scope is tombstoned in this run. Counting the quarantined record as "seen" would
not do: when its id cannot be read, nobody knows which stored row it is, and that live
row would be marked deleted.

The same holds one level up: a partition (a project's tasks, a board's cards, a task
list's tasks) is gone only when a complete listing of the partitions lacks it.

A pass over a partition is a `Listing`: every batch of the pass goes through `add`, and
the last one is complete only if no batch of the pass quarantined anything. Quarantine
entries have one key scheme: the record's id when it can be read, else a hash of the
payload; payload and error are scrubbed of the source's secrets.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from connectors.batch import Batch, Quarantined, Scope

Scrub = Callable[[str], str]


def text_id(raw: Any, field: str) -> str | None:
    """`raw[field]` when `raw` is an object and the value a non-empty string; else None
    (a number, list or null where an id belongs is not an id we can key rows on)."""
    value = raw.get(field) if isinstance(raw, dict) else None
    return value if isinstance(value, str) and value else None


def payload_key(payload: Any) -> str:
    """The quarantine key of a record whose id cannot be read: stable across runs, so the
    same broken record is counted again (`times_seen`) instead of piling up."""
    text = json.dumps(payload, sort_keys=True, default=str)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()[:32]


def quarantine(raw: Any, key: str | None, error: Exception | str,
               scrub: Scrub = str) -> Quarantined:
    """A record set aside: `key` is its external id when known. Payload and error go
    through `scrub`, as a payload may echo a secret (Trello puts key and token in URLs)."""
    payload = raw if isinstance(raw, dict) else {"value": raw}
    text = json.dumps(payload, default=str)
    scrubbed = scrub(text)
    if scrubbed != text:
        payload = json.loads(scrubbed)
    return Quarantined(key or payload_key(payload), payload, scrub(str(error)))


class Listing:
    """One pass over one partition, batch by batch.

    `scope` is what the pass covers when it is complete: None for a pass that only sees
    changes (incremental), which never is."""

    def __init__(self, scope: Scope | None) -> None:
        self.scope = scope
        self.quarantined = 0

    def add(self, batch: Batch, *, last: bool = False) -> Batch:
        """Every batch of the pass comes through here, so no quarantine goes uncounted;
        the last one carries `complete` if the pass deserves it."""
        self.quarantined += len(batch.quarantined)
        if last:
            batch.complete = self.scope if self.complete else None
        return batch

    @property
    def complete(self) -> bool:
        return self.scope is not None and not self.quarantined


def vanished(cursors: Mapping[str, str | None], prefix: str, listed: Iterable[str], *,
             complete: bool) -> list[str]:
    """Partitions synced before (`<prefix><id>` with a stored cursor) whose id the
    listing of partitions no longer has — none unless that listing was `complete`."""
    if not complete:
        return []
    present = set(listed)
    return [key.removeprefix(prefix) for key, cursor in cursors.items()
            if key.startswith(prefix) and cursor is not None
            and key.removeprefix(prefix) not in present]
