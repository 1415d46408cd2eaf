"""The Trello connector with the real py-trello over real HTTP against the sandbox replica.

State is changed through `TrelloState`'s builder API; what the connector sent
is read from the requests the replica received (path + query string), never
from our own code.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import pytest
from starlette.types import ASGIApp, Receive, Scope, Send

from connectors.batch import Batch
from connectors.batch import Scope as ListingScope
from connectors.policy import CallPolicy
from connectors.trello import TrelloConnector
from model import RecordState, Task
from sandbox.org import sample_org
from sandbox.seed import TRELLO_KEY, TRELLO_TOKEN, new_replicas, pin_clocks, seed
from sandbox.server import running
from sandbox.trello import TrelloState, create_app

KEY, TOKEN = "trello-test-key-0123456789", "trello-test-token-abcdefghij"
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)


class RecordQueries:
    """ASGI wrapper that remembers each request's path and query, as the server saw it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.seen: list[tuple[str, dict[str, list[str]]]] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.seen.append((scope["path"], parse_qs(scope["query_string"].decode())))
        await self.app(scope, receive, send)

    def queries(self, path_end: str) -> list[dict[str, list[str]]]:
        return [query for path, query in self.seen if path.endswith(path_end)]


@dataclass
class Studio:
    state: TrelloState
    base_url: str
    requests: RecordQueries
    board: str
    todo: str
    done: str
    ana: str
    cards: dict[str, str] = field(default_factory=dict)
    waits: list[float] = field(default_factory=list)

    def connector(self, **kwargs: Any) -> TrelloConnector:
        policy = CallPolicy(sleep=self.waits.append)
        return TrelloConnector("trello-studio", self.base_url, KEY, TOKEN, policy=policy,
                               **kwargs)

    def tick(self) -> None:
        self.state.knobs.clock.advance(timedelta(seconds=5))


@pytest.fixture
def studio() -> Iterator[Studio]:
    state = TrelloState(api_key=KEY, token=TOKEN)
    state.knobs.clock.set(NOW)
    ana = state.add_member("anaruiz", "Ana Ruiz")
    board = state.add_board("Design Studio", member_ids=[ana])
    todo, done = state.add_list(board, "To do"), state.add_list(board, "Done")
    estimate = state.add_label(board, "8h", "blue")
    cards = {
        "poster": state.add_card(todo, "Poster", due=NOW + timedelta(days=3), member_ids=[ana],
                                 label_ids=[estimate]),
        "flyer": state.add_card(todo, "Flyer"),
        "banner": state.add_card(done, "Banner", due_complete=True),
    }
    state.add_attachment(cards["poster"], "Salesforce opportunity",
                         "https://sandbox.my.salesforce.com/lightning/r/Opportunity/006A/view")
    recorder = RecordQueries(create_app(state))
    with running(recorder) as server:
        yield Studio(state, f"{server.base_url}/1", recorder, board, todo, done, ana, cards)


def pull(connector: TrelloConnector, stream: str, cursors: Mapping[str, str | None] | None = None,
         full: bool = False) -> list[Batch]:
    return list(connector.pull(stream, cursors or {}, full))


def committed(batches: list[Batch], cursors: Mapping[str, str | None] | None = None
              ) -> dict[str, str | None]:
    """The cursors sync would hold after committing `batches` in order."""
    stored = dict(cursors or {})
    for batch in batches:
        stored[batch.stream] = batch.cursor
    return stored


def tasks(batches: list[Batch]) -> dict[str, Task]:
    return {r.external_id: r for b in batches for r in b.records if isinstance(r, Task)}


def test_first_sync_lists_every_card_completely(studio: Studio) -> None:
    batches = pull(studio.connector(), "cards")
    [batch] = batches
    assert batch.stream == f"cards:{studio.board}"
    assert batch.complete == ListingScope("task", (("project_external_id", studio.board),))
    assert batch.cursor == studio.state.actions[-1].id  # the newest action: the signpost
    found = tasks(batches)
    poster = found[studio.cards["poster"]]
    assert poster.section == "To do" and poster.estimate_hours == 8.0
    assert poster.due_at == NOW + timedelta(days=3) and poster.state is RecordState.active
    assert poster.raw["attachments"][0]["url"].endswith("/Opportunity/006A/view")
    assert batch.assignees[poster.external_id] == [studio.ana]
    assert found[studio.cards["banner"]].state is RecordState.completed
    assert batch.tombstones == []
    assert batch.api_calls == 5  # boards, signpost, lists, custom fields, cards
    assert studio.requests.queries("/cards")[0]["filter"] == ["all"]
    assert studio.requests.queries("/lists")[0]["filter"] == ["all"]


def test_members_and_boards(studio: Studio) -> None:
    connector = studio.connector()
    assert connector.streams() == ["members", "boards", "cards"]
    [members] = pull(connector, "members")
    assert {i.username for i in members.identities} == {"sandboxowner", "anaruiz"}
    assert all(i.email is None for i in members.identities)
    studio.state.set_board_closed(studio.board, True)
    [boards] = pull(connector, "boards")
    [project] = boards.records
    assert project.external_id == studio.board and project.state is RecordState.archived
    assert boards.complete == ListingScope("project")


def test_incremental_sync_picks_up_one_change_and_only_that(studio: Studio) -> None:
    connector = studio.connector()
    first = pull(connector, "cards")
    cursor = first[-1].cursor
    studio.tick()
    studio.state.update_card(studio.cards["flyer"], name="Flyer v2")
    studio.requests.seen.clear()
    [batch] = pull(connector, "cards", committed(first))
    assert [r.external_id for r in batch.records] == [studio.cards["flyer"]]
    assert tasks([batch])[studio.cards["flyer"]].title == "Flyer v2"
    assert batch.complete is None and batch.tombstones == []
    assert batch.cursor == studio.state.actions[-1].id != cursor
    [actions_query] = studio.requests.queries("/actions")
    assert actions_query["since"] == [cursor] and actions_query["limit"] == ["1000"]
    assert len(studio.requests.queries(f"/cards/{studio.cards['flyer']}")) == 1
    assert studio.requests.queries("/cards") == []  # no board re-listing


def test_nothing_changed_costs_one_actions_call_per_board(studio: Studio) -> None:
    connector = studio.connector()
    first = pull(connector, "cards")
    [batch] = pull(connector, "cards", committed(first))
    assert batch.records == [] and batch.cursor == first[-1].cursor
    assert batch.api_calls == 2  # the boards listing and one actions page


def test_deleted_card_becomes_a_tombstone(studio: Studio) -> None:
    connector = studio.connector()
    first = pull(connector, "cards")
    studio.tick()
    studio.state.delete_card(studio.cards["flyer"])
    [batch] = pull(connector, "cards", committed(first))
    assert batch.tombstones == [("task", studio.cards["flyer"])]
    assert batch.records == [] and batch.complete is None


def test_archived_card_is_archived_not_deleted(studio: Studio) -> None:
    connector = studio.connector()
    first = pull(connector, "cards")
    studio.tick()
    studio.state.archive_card(studio.cards["poster"])
    [batch] = pull(connector, "cards", committed(first))
    assert tasks([batch])[studio.cards["poster"]].state is RecordState.archived
    assert batch.tombstones == []


def test_closing_a_list_relists_the_board_and_archives_its_cards(studio: Studio) -> None:
    connector = studio.connector()
    first = pull(connector, "cards")
    studio.tick()
    studio.state.set_list_closed(studio.todo, True)
    [batch] = pull(connector, "cards", committed(first))
    found = tasks([batch])
    assert found[studio.cards["poster"]].state is RecordState.archived
    assert found[studio.cards["flyer"]].state is RecordState.archived
    assert found[studio.cards["banner"]].state is RecordState.completed
    assert batch.complete is not None and batch.cursor == studio.state.actions[-1].id


def test_many_changes_relist_the_board_instead_of_fetching_each_card(studio: Studio) -> None:
    connector = studio.connector()
    first = pull(connector, "cards")
    studio.tick()
    for number in range(30):
        studio.state.add_card(studio.todo, f"Badge {number}")
    studio.state.delete_card(studio.cards["flyer"])
    [batch] = pull(connector, "cards", committed(first))
    assert len(batch.records) == 32 and batch.complete is not None
    assert batch.tombstones == [("task", studio.cards["flyer"])]
    assert not any("/1/cards/" in path for path, _ in studio.requests.seen)


def test_actions_are_paged_with_before_until_exhausted(studio: Studio) -> None:
    connector = studio.connector()
    first = pull(connector, "cards")
    studio.tick()
    for number in range(1001):
        studio.state.update_card(studio.cards["flyer"], desc=f"draft {number}")
    studio.requests.seen.clear()
    [batch] = pull(connector, "cards", committed(first))
    pages = studio.requests.queries("/actions")
    assert len(pages) == 2 and "before" not in pages[0]
    assert pages[1]["since"] == [first[-1].cursor]
    assert pages[1]["before"] == [studio.state.actions[-1000].id]
    assert [r.external_id for r in batch.records] == [studio.cards["flyer"]]
    assert batch.cursor == studio.state.actions[-1].id


def test_expired_cursor_relists_and_tombstones_only_what_the_listing_lacks(
        studio: Studio) -> None:
    connector = studio.connector()
    studio.state.delete_card(studio.cards["flyer"])
    stream = f"cards:{studio.board}"
    [batch] = pull(connector, "cards", {stream: "not-an-action-id"})
    assert studio.requests.queries("/actions")[0]["since"] == ["not-an-action-id"]
    assert batch.complete == ListingScope("task", (("project_external_id", studio.board),))
    assert set(tasks([batch])) == {studio.cards["poster"], studio.cards["banner"]}
    assert batch.tombstones == []  # sync tombstones the flyer: the complete listing lacks it
    assert batch.cursor == studio.state.actions[-1].id


def test_full_ignores_stored_cursors(studio: Studio) -> None:
    connector = studio.connector()
    first = pull(connector, "cards")
    [batch] = pull(connector, "cards", committed(first), full=True)
    assert batch.complete is not None and len(batch.records) == 3


def test_configured_boards_limit_the_scope_and_a_gone_one_is_tombstoned(
        studio: Studio) -> None:
    other = studio.state.add_board("Elsewhere")
    gone = "0" * 23 + "1"
    connector = studio.connector(boards=[studio.board, gone])
    [boards] = pull(connector, "boards")
    assert [p.external_id for p in boards.records] == [studio.board]
    assert boards.tombstones == [("project", gone)] and boards.complete is None
    batches = pull(connector, "cards")
    assert [b.stream for b in batches] == [f"cards:{studio.board}", f"cards:{gone}"]
    assert batches[1].complete == ListingScope("task", (("project_external_id", gone),))
    assert batches[1].records == [] and batches[1].cursor is None
    assert not any(other in path for path, _ in studio.requests.seen)


def test_board_that_left_the_member_empties_its_partition(studio: Studio) -> None:
    left = "0" * 23 + "2"
    batches = pull(studio.connector(), "cards", {f"cards:{left}": "0" * 24})
    assert batches[-1].stream == f"cards:{left}" and batches[-1].complete is not None
    assert batches[-1].cursor is None


def test_sample_organisation_full_then_incremental() -> None:
    replicas = new_replicas()
    pin_clocks(replicas, NOW)
    seeded = seed(sample_org(NOW), replicas)
    with running(create_app(replicas.trello)) as server:
        connector = TrelloConnector("trello-studio", f"{server.base_url}/1", TRELLO_KEY,
                                    TRELLO_TOKEN, policy=CallPolicy(sleep=lambda _: None))
        full = {s: pull(connector, s) for s in connector.streams()}
        assert sum(b.api_calls for bs in full.values() for b in bs) == 18
        found = tasks(full["cards"])
        poster = found[seeded.ids["item:poster-artwork"]["trello"]]
        assert poster.title == "Final poster artwork" and poster.estimate_hours == 3.0
        assert len(full["members"][0].identities) == 9
        assert all(b.complete is not None for b in full["cards"])
        replicas.trello.knobs.clock.advance(timedelta(minutes=5))
        replicas.trello.archive_card(poster.external_id)
        again = pull(connector, "cards", committed(full["cards"]))
        assert [r.external_id for b in again for r in b.records] == [poster.external_id]
        # boards, 3 actions pages, lists + custom fields + card
        assert sum(b.api_calls for b in again) == 1 + 3 + 3
