"""Salesforce connector: User, Account, Contact, Opportunity, Event and Task over SOQL.

Built with `simple-salesforce` on a `requests` session this package prepares
(timeouts, TLS trust; see `client.py`). Streams, cursors and deletions are
described in `streams.py`, large full listings through Bulk API 2.0 in `bulk.py`,
mapping in `mapping.py`, the honest checklist in `connectors/salesforce.md`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timedelta

from connectors.batch import Batch
from connectors.policy import CallPolicy
from connectors.salesforce.bulk import DEFAULT_THRESHOLD_RECORDS, BulkReader
from connectors.salesforce.client import Auth, SalesforceClient
from connectors.salesforce.mapping import MapContext
from connectors.salesforce.streams import BY_NAME, STREAMS, StreamPull
from model.types import utc_now

__all__ = ["Auth", "SalesforceConnector"]


class SalesforceConnector:
    """One configured Salesforce org. Building it touches no network; the first
    pull logs in (password / JWT kinds) or uses the given session id."""

    def __init__(self, source: str, instance_url: str, auth: Auth, *,
                 ca_bundle: str | None = None, api_version: str = "60.0",
                 timeout_seconds: float = 30.0, lookback_minutes: int = 5,
                 bulk_threshold_records: int | None = DEFAULT_THRESHOLD_RECORDS,
                 policy: CallPolicy | None = None,
                 now: Callable[[], datetime] = utc_now) -> None:
        self.source = source
        self.policy = policy or CallPolicy(timeout_seconds=timeout_seconds)
        self.client = SalesforceClient(source, instance_url, auth, ca_bundle=ca_bundle,
                                       api_version=api_version,
                                       timeout_seconds=timeout_seconds, policy=self.policy)
        self.ctx = MapContext(source=source, instance_url=instance_url)
        self.bulk = BulkReader(self.client, bulk_threshold_records)
        self.lookback = timedelta(minutes=lookback_minutes)
        self.now = now

    def streams(self) -> list[str]:
        """Users first, so owners are known before the records that name them."""
        return [s.name for s in STREAMS]

    def pull(self, stream: str, cursors: Mapping[str, str | None], full: bool
             ) -> Iterator[Batch]:
        """Batches of one stream; its partition key is the stream name itself."""
        if stream not in BY_NAME:
            raise ValueError(f"unknown Salesforce stream {stream!r}; have {self.streams()}")
        signpost = self.now().replace(microsecond=0)
        puller = StreamPull(self.client, self.ctx, BY_NAME[stream], cursors.get(stream),
                            full=full, signpost=signpost, lookback=self.lookback,
                            bulk=self.bulk)
        yield from puller.batches()

    def close(self) -> None:
        """Close pooled connections (a long-running process builds one per run)."""
        self.client.close()
