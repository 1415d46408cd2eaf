"""The HTTP policy every connector shares: timeouts, retries, secret scrubbing.

Retries use tenacity. The wait honours a server's `Retry-After` (capped, so
a hostile header cannot park cron for a day) and otherwise backs off
exponentially with jitter. A call that is not idempotent is retried only when
the server said it did nothing (`Retriable.rejected`: 429 / 503), because
resending a POST after a timeout can create the same thing twice.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt
from tenacity.wait import wait_random_exponential

from connectors.errors import Retriable

T = TypeVar("T")
MAX_ATTEMPTS = 5
MAX_WAIT_SECONDS = 120.0
SECRET_QUERY = re.compile(r"(?i)\b(key|token|api_key|access_token|session_id|sig|signature|"
                          r"client_secret|refresh_token|password)=([^&\s\"']+)")
MASK = "***"


@dataclass
class Scrubber:
    """Removes configured secrets and secret-looking query parameters from text."""

    secrets: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, values: Iterable[str | None]) -> Scrubber:
        return cls(sorted({v for v in values if v and len(v) >= 4}, key=len, reverse=True))

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return SECRET_QUERY.sub(lambda m: f"{m.group(1)}={MASK}", text)


@dataclass
class CallPolicy:
    """Retry settings for one source; `sleep` is injectable so tests do not wait."""

    timeout_seconds: float = 30.0
    max_attempts: int = MAX_ATTEMPTS
    max_wait_seconds: float = MAX_WAIT_SECONDS
    sleep: Callable[[float], None] = time.sleep
    calls: int = 0

    def call(self, fn: Callable[[], T], *, idempotent: bool = True) -> T:
        """Run `fn`, retrying `Retriable` failures as the policy allows; counts calls."""

        def retriable(exc: BaseException) -> bool:
            return isinstance(exc, Retriable) and (idempotent or exc.rejected)

        def counted() -> T:
            self.calls += 1
            return fn()

        retrying = Retrying(retry=retry_if_exception(retriable),
                            stop=stop_after_attempt(self.max_attempts),
                            wait=self._wait, sleep=self.sleep, reraise=True)
        return retrying(counted)

    def _wait(self, state: RetryCallState) -> float:
        outcome = state.outcome
        exc = outcome.exception() if outcome is not None else None
        if isinstance(exc, Retriable) and exc.retry_after_seconds is not None:
            return min(max(exc.retry_after_seconds, 0.0), self.max_wait_seconds)
        backoff = wait_random_exponential(multiplier=0.5, max=self.max_wait_seconds)
        return float(backoff(state))


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Parse a Retry-After header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))
