"""Trello faults through the replica's knobs: rate limits, 5xx, timeouts, bad
payloads, revoked credentials, and secrets that must never surface.

The real py-trello talks real HTTP to the sandbox; `CallPolicy.sleep` is
injected so waits are recorded instead of slept.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from connectors.batch import Batch
from connectors.errors import ConnectorError, Retriable, SourceStopped
from connectors.policy import CallPolicy
from connectors.trello import TrelloConnector
from connectors.trello.client import RATE_LIMIT_WINDOW_SECONDS
from model import Task
from sandbox.server import running
from sandbox.trello import TrelloState, create_app

KEY, TOKEN = "trello-faults-key-0123456789", "trello-faults-token-abcdefghij"
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
CARDS_PATH = "/cards"


@dataclass
class Replica:
    state: TrelloState
    base_url: str
    board: str
    cards: list[str]
    waits: list[float] = field(default_factory=list)

    def connector(self, *, key: str = KEY, token: str = TOKEN, **kwargs: Any) -> TrelloConnector:
        return TrelloConnector("trello-studio", self.base_url, key, token,
                               policy=CallPolicy(sleep=self.waits.append, **kwargs))

    def cards_of(self, connector: TrelloConnector) -> list[Batch]:
        return list(connector.pull("cards", {}, False))

    def hits(self, route_end: str) -> int:
        return sum(n for route, n in self.state.knobs.counters.items()
                   if route.endswith(route_end))


@pytest.fixture
def replica() -> Iterator[Replica]:
    state = TrelloState(api_key=KEY, token=TOKEN)
    state.knobs.clock.set(NOW)
    board = state.add_board("Design Studio")
    todo = state.add_list(board, "To do")
    cards = [state.add_card(todo, name) for name in ("Poster", "Flyer", "Banner")]
    with running(create_app(state)) as server:
        yield Replica(state, f"{server.base_url}/1", board, cards)


def titles(batches: list[Batch]) -> list[str]:
    return sorted(r.title for b in batches for r in b.records if isinstance(r, Task))


def assert_no_secret(text: str) -> None:
    assert KEY not in text and TOKEN not in text


def test_429_retry_after_is_honoured_once(replica: Replica) -> None:
    replica.state.knobs.fail_next(1, status=429, retry_after_seconds=7,
                                  path_contains=CARDS_PATH)
    batches = replica.cards_of(replica.connector())
    assert titles(batches) == ["Banner", "Flyer", "Poster"]
    assert replica.waits == [7.0]
    assert replica.hits("/cards") == 2 and batches[-1].api_calls == 6


def test_429_without_retry_after_waits_one_rate_window(replica: Replica) -> None:
    replica.state.knobs.fail_next(1, status=429, path_contains=CARDS_PATH)
    assert titles(replica.cards_of(replica.connector())) == ["Banner", "Flyer", "Poster"]
    assert replica.waits == [RATE_LIMIT_WINDOW_SECONDS]


def test_429_that_never_ends_stops_the_source(replica: Replica) -> None:
    replica.state.knobs.fail_next(10, status=429, path_contains=CARDS_PATH)
    with pytest.raises(SourceStopped, match="API_TOKEN_LIMIT_EXCEEDED") as raised:
        replica.cards_of(replica.connector(max_attempts=3))
    assert "resumes from the last committed cursor" in str(raised.value)
    assert replica.hits("/cards") == 3 and len(replica.waits) == 2
    assert_no_secret(str(raised.value))


def test_5xx_is_retried_then_succeeds(replica: Replica) -> None:
    replica.state.knobs.fail_next(2, status=500, path_contains=CARDS_PATH)
    batches = replica.cards_of(replica.connector())
    assert titles(batches) == ["Banner", "Flyer", "Poster"]
    assert len(replica.waits) == 2 and replica.hits("/cards") == 3


def test_5xx_that_persists_is_retriable_with_a_scrubbed_message(replica: Replica) -> None:
    replica.state.knobs.fail_next(5, status=502, path_contains=CARDS_PATH)
    with pytest.raises(Retriable, match="HTTP 502") as raised:
        replica.cards_of(replica.connector(max_attempts=2))
    assert_no_secret(str(raised.value))


def test_timeout_is_retried(replica: Replica) -> None:
    replica.state.knobs.delay_next(1, seconds=1.0, path_contains=CARDS_PATH)
    connector = TrelloConnector("trello-studio", replica.base_url, KEY, TOKEN,
                                timeout_seconds=0.2,
                                policy=CallPolicy(sleep=replica.waits.append))
    assert titles(replica.cards_of(connector)) == ["Banner", "Flyer", "Poster"]
    assert len(replica.waits) == 1


def test_truncated_page_is_retried(replica: Replica) -> None:
    replica.state.knobs.truncate_next(1, path_contains=CARDS_PATH)
    batches = replica.cards_of(replica.connector())
    assert titles(batches) == ["Banner", "Flyer", "Poster"] and len(replica.waits) == 1


def test_malformed_card_is_quarantined_and_the_rest_maps(replica: Replica) -> None:
    replica.state.knobs.malform_next(1, path_contains=CARDS_PATH)
    [batch] = replica.cards_of(replica.connector())
    assert titles([batch]) == ["Banner", "Flyer"]
    [bad] = batch.quarantined
    assert bad.payload["name"] == "Poster" and "id" in bad.error
    assert bad.record_key.startswith("sha256:")
    assert batch.complete is None  # the poster was not seen, so it must not be tombstoned
    assert batch.cursor is not None


def test_malformed_action_still_names_its_card_and_is_seen_again(replica: Replica) -> None:
    """The newest action loses its id: its card is still re-fetched, but the cursor
    stops at the newest id it could read, so that action repeats next run."""
    connector = replica.connector()
    [first] = replica.cards_of(connector)
    replica.state.update_card(replica.cards[1], name="Flyer v2")
    replica.state.update_card(replica.cards[2], name="Banner v2")
    replica.state.knobs.malform_next(1, path_contains="/actions")
    [batch] = list(connector.pull("cards", {first.stream: first.cursor}, False))
    assert titles([batch]) == ["Banner v2", "Flyer v2"]
    assert batch.cursor == replica.state.actions[-2].id
    [again] = list(connector.pull("cards", {first.stream: batch.cursor}, False))
    assert titles([again]) == ["Banner v2"] and again.cursor == replica.state.actions[-1].id


def test_revoked_token_stops_the_source_with_a_scrubbed_message(replica: Replica) -> None:
    replica.state.token = "a-new-token-after-revocation"
    with pytest.raises(SourceStopped) as raised:
        replica.cards_of(replica.connector())
    message = str(raised.value)
    assert "401 invalid token" in message and "renew the Trello token" in message
    assert_no_secret(message)
    assert replica.waits == [] and replica.hits("/boards") == 1  # no retries


def test_invalid_key_names_the_key(replica: Replica) -> None:
    with pytest.raises(SourceStopped, match="invalid key") as raised:
        list(replica.connector(key="wrong-key-zzzz").pull("boards", {}, False))
    assert "wrong-key-zzzz" not in str(raised.value)


def test_wrong_base_url_stops_instead_of_deleting(replica: Replica) -> None:
    base = replica.base_url.removesuffix("/1") + "/2"
    connector = TrelloConnector("trello-studio", base, KEY, TOKEN, boards=[replica.board],
                                policy=CallPolicy(sleep=replica.waits.append))
    with pytest.raises(SourceStopped, match="base_url"):
        list(connector.pull("boards", {}, False))


def test_no_secret_in_logs_or_errors(replica: Replica, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    connector = replica.connector()
    for stream in connector.streams():
        list(connector.pull(stream, {}, False))
    replica.state.token = "revoked"
    with pytest.raises(ConnectorError) as raised:
        list(connector.pull("cards", {}, False))
    assert "oauth_token" in caplog.text  # DEBUG logging really was captured
    assert_no_secret(caplog.text)
    assert_no_secret(str(raised.value))
