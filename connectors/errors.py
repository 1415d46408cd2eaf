"""The four ways a source can fail, sorted once per connector.

Every connector's client turns its SDK's exceptions into exactly one of
these, so sync decides what to do without knowing any SDK: retry
(`Retriable`), stop this source but keep its cursor (`SourceStopped`), re-list
from scratch (`CursorExpired`), or set one record aside (`RecordInvalid`).
Messages are built from status, method and a scrubbed path — never a
response body, which may echo credentials.
"""

from __future__ import annotations


class ConnectorError(Exception):
    """Base class; `str()` is safe to log and store (already scrubbed)."""


class Retriable(ConnectorError):
    """429, 5xx, timeouts. `rejected` means the server refused before doing
    anything (429, 503), so even a non-idempotent call may be sent again."""

    def __init__(self, message: str, *, status: int | None = None,
                 retry_after_seconds: float | None = None, rejected: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after_seconds = retry_after_seconds
        self.rejected = rejected


class SourceStopped(ConnectorError):
    """Revoked credentials or an exhausted quota: stop this source, keep its cursor."""

    def __init__(self, message: str, *, action: str) -> None:
        super().__init__(f"{message}; {action}")
        self.action = action


class CursorExpired(ConnectorError):
    """Google 410 / EXPIRED_SYNC_TOKEN, Asana 412: the stream must be re-listed."""


class RecordInvalid(ConnectorError):
    """A payload the mapper cannot turn into a model record: quarantine it."""
