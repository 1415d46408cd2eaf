"""Retry policy and secret scrubbing shared by every connector."""

from __future__ import annotations

import pytest

from connectors.errors import Retriable
from connectors.policy import CallPolicy, Scrubber, retry_after_seconds


class Flaky:
    """Fails with the given errors, then returns "ok"."""

    def __init__(self, *errors: Retriable) -> None:
        self.errors = list(errors)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


def policy(waits: list[float], **kwargs: object) -> CallPolicy:
    return CallPolicy(sleep=waits.append, **kwargs)  # type: ignore[arg-type]


def test_retry_after_is_honoured_then_the_call_succeeds() -> None:
    waits: list[float] = []
    fn = Flaky(Retriable("429", status=429, retry_after_seconds=7, rejected=True))
    assert policy(waits).call(fn) == "ok"
    assert waits == [7.0] and fn.calls == 2


def test_retry_after_is_capped() -> None:
    waits: list[float] = []
    fn = Flaky(Retriable("429", retry_after_seconds=86_400, rejected=True))
    policy(waits, max_wait_seconds=60).call(fn)
    assert waits == [60.0]


def test_backoff_without_retry_after_stays_bounded() -> None:
    waits: list[float] = []
    fn = Flaky(*(Retriable("503") for _ in range(3)))
    assert policy(waits, max_wait_seconds=5).call(fn) == "ok"
    assert len(waits) == 3 and all(0 <= w <= 5 for w in waits)


def test_gives_up_after_max_attempts_with_the_last_error() -> None:
    waits: list[float] = []
    fn = Flaky(*(Retriable(f"500 #{i}") for i in range(10)))
    call_policy = policy(waits, max_attempts=3)
    with pytest.raises(Retriable, match="500 #2"):
        call_policy.call(fn)
    assert fn.calls == 3 and call_policy.calls == 3


def test_non_idempotent_call_is_not_resent_after_a_timeout() -> None:
    fn = Flaky(Retriable("timeout"))
    with pytest.raises(Retriable):
        policy([]).call(fn, idempotent=False)
    assert fn.calls == 1


def test_non_idempotent_call_is_resent_when_the_server_refused_it() -> None:
    fn = Flaky(Retriable("429", retry_after_seconds=1, rejected=True))
    assert policy([]).call(fn, idempotent=False) == "ok"


def test_retry_after_parses_seconds_and_http_dates() -> None:
    assert retry_after_seconds("12") == 12.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:10 GMT",
                               now=1445412480.0) == pytest.approx(10.0)
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


def test_scrubber_removes_configured_secrets_and_secret_query_params() -> None:
    scrub = Scrubber.of(["trello-key-123", "tok-456789", None, "ab"])
    text = ("GET https://api.trello.com/1/boards/b1/cards?key=trello-key-123&token=tok-456789"
            " failed; also saw access_token=xyz&limit=10 and tok-456789 in a message")
    cleaned = scrub(text)
    assert "trello-key-123" not in cleaned and "tok-456789" not in cleaned
    assert "xyz" not in cleaned and "limit=10" in cleaned
    assert "key=***&token=***" in cleaned
