"""py-trello (the official-style SDK baton uses) against the replica over real HTTP.

py-trello hard-codes `https://api.trello.com/1/` in `TrelloClient.fetch_json`
and sends every call through `http_service.request(method, url, ...)`, so a
`requests.Session` whose `request` swaps the origin points it at the replica.
Given `token=`, py-trello signs requests with an OAuth1 `Authorization` header
(oauth_consumer_key + oauth_token); given only `api_secret=`, it sends that as
the `token` query parameter. Both are exercised.

Trello pages only actions (`before` + `limit`); the other lists come whole, so
the actions test walks a board's history backwards in pages of 7 until empty.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from trello import TrelloClient
from trello.exceptions import ResourceUnavailable, Unauthorized

from sandbox.knobs import Clock, Knobs
from sandbox.server import RunningServer, running
from sandbox.trello import TrelloState, create_app

KEY, TOKEN = "k-sdk", "t-sdk"
TRELLO_ORIGIN = "https://api.trello.com"


class ReplicaSession(requests.Session):
    """Sends py-trello's hard-coded api.trello.com URLs to the replica instead."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base_url = base_url
        self.trust_env = False  # no proxy from the environment for a loopback server

    def request(self, method: str | bytes, url: str | bytes, *args: Any,
                **kwargs: Any) -> requests.Response:
        rebased = str(url).replace(TRELLO_ORIGIN, self.base_url, 1)
        return super().request(method, rebased, *args, **kwargs)


def build_state() -> TrelloState:
    """Two boards; the first has 3 lists (one closed), 30 cards, members and churn."""
    state = TrelloState(Knobs(clock=Clock(datetime(2026, 6, 1, 9, 0, tzinfo=UTC))),
                        api_key=KEY, token=TOKEN, owner_username="ana",
                        owner_full_name="Ana Owner")
    clock = state.knobs.clock
    people = [state.add_member(f"user{n}", f"User {n}") for n in range(3)]
    board = state.add_board("Delivery", member_ids=people)
    state.add_board("Archive", closed=True)
    lists = [state.add_list(board, name) for name in ("To do", "Doing", "Parked")]
    for n in range(30):
        clock.advance(timedelta(minutes=5))
        card = state.add_card(lists[n % 3], f"Task {n}", member_ids=[people[n % 3]],
                              due=clock.now() + timedelta(days=n))
        if n % 5 == 0:
            state.archive_card(card)
        if n % 7 == 0:
            state.delete_card(card)
        elif n % 4 == 0:
            state.move_card(card, lists[(n + 1) % 3])
    state.set_list_closed(lists[2], True)
    return state


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[TrelloState, RunningServer]]:
    state = build_state()
    with running(create_app(state)) as server:
        yield state, server


def client_for(server: RunningServer, *, oauth_header: bool = True) -> TrelloClient:
    session = ReplicaSession(server.base_url)
    if oauth_header:
        return TrelloClient(api_key=KEY, token=TOKEN, http_service=session)
    return TrelloClient(api_key=KEY, api_secret=TOKEN, http_service=session)


def delivery(state: TrelloState) -> str:
    return next(b.id for b in state.boards.values() if b.name == "Delivery")


@pytest.mark.parametrize("oauth_header", [True, False])
def test_lists_boards_lists_cards_and_members(served: tuple[TrelloState, RunningServer],
                                              oauth_header: bool) -> None:
    state, server = served
    client = client_for(server, oauth_header=oauth_header)
    boards = {b.name: b for b in client.list_boards()}
    assert set(boards) == {"Delivery", "Archive"} and boards["Archive"].closed
    board = client.get_board(delivery(state))
    assert [lst.name for lst in board.all_lists()] == ["To do", "Doing", "Parked"]
    assert [lst.name for lst in board.open_lists()] == ["To do", "Doing"]
    alive = {c.id for c in state.cards.values()}
    assert {c.id for c in board.all_cards()} == alive
    assert {c.id for c in board.closed_cards()} == {c.id for c in state.cards.values() if c.closed}
    parked = {lst.id for lst in state.lists.values() if lst.closed}
    assert {c.id for c in board.visible_cards()} == {
        c.id for c in state.cards.values() if not c.closed and c.list_id not in parked}
    assert {m.username for m in board.all_members()} == {"ana", "user0", "user1", "user2"}


def test_single_card_and_restricted_fields(served: tuple[TrelloState, RunningServer]) -> None:
    state, server = served
    client = client_for(server)
    some = next(c for c in state.cards.values() if c.due is not None)
    card = client.get_card(some.id)
    assert (card.name, card.idList, card.member_ids) == (some.name, some.list_id, some.member_ids)
    board = client.get_board(delivery(state))
    assert board.get_card(some.id).id == some.id
    slim = board.client.fetch_json(f"/boards/{board.id}/cards/all",
                                   query_params={"fields": "name,closed"})
    assert all(set(c) == {"id", "name", "closed"} for c in slim)


def test_actions_page_backwards_until_exhausted(served: tuple[TrelloState, RunningServer]
                                               ) -> None:
    state, server = served
    board = client_for(server).get_board(delivery(state))
    seen: list[dict[str, Any]] = []
    before = None
    for _ in range(100):
        page = board.fetch_actions("all", action_limit=7, before=before)
        if not page:
            break
        assert len(page) <= 7
        seen.extend(page)
        before = page[-1]["id"]
    else:
        pytest.fail("paging with `before` never ran out: is `before` ignored?")
    expected = [a.id for a in reversed(state.actions) if a.board_id == board.id]
    assert [a["id"] for a in seen] == expected and len(seen) > 7 * 5
    deletions = board.fetch_actions("deleteCard", action_limit=1000)
    assert {a["data"]["card"]["id"] for a in deletions} == {
        a.data["card"]["id"] for a in state.actions if a.type == "deleteCard"}
    newest = seen[10]
    since = board.fetch_actions("all", action_limit=1000, since=newest["id"])
    assert [a["id"] for a in since] == [a["id"] for a in seen[:10]]


def test_sdk_surfaces_auth_and_limit_errors(served: tuple[TrelloState, RunningServer]) -> None:
    state, server = served
    bad = TrelloClient(api_key=KEY, token="revoked", http_service=ReplicaSession(server.base_url))
    with pytest.raises(Unauthorized, match="invalid token"):
        bad.list_boards()
    board = client_for(server).get_board(delivery(state))
    with pytest.raises(ResourceUnavailable, match="invalid value for limit"):
        board.fetch_actions("all", action_limit=1001)
    state.knobs.fail_next(1, status=429, path_contains="/actions")
    with pytest.raises(ResourceUnavailable, match="API_TOKEN_LIMIT_EXCEEDED"):
        board.fetch_actions("all")
