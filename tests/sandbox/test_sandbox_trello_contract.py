"""The Trello replica answers with the shapes, filters and errors of the real API.

Every endpoint with a recorded sample in tests/fixtures/api-samples/trello is
compared structurally (keys, nesting, value types; null matches anything, as
the samples hold nulls where other records hold values). Enums come from the
vendor OpenAPI spec in tests/fixtures/api-specs/trello.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from sandbox.knobs import Clock, Knobs
from sandbox.trello import TrelloState, create_app

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SAMPLES = FIXTURES / "api-samples" / "trello"
SPEC = json.loads((FIXTURES / "api-specs" / "trello" / "trello_openapi.json").read_text())
AUTH = {"key": "k-contract", "token": "t-contract"}
START = datetime(2026, 6, 8, 16, 0, tzinfo=UTC)
TRELLO_DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def sample(name: str) -> Any:
    return json.loads((SAMPLES / name).read_text())


def kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


def assert_shape(replica: Any, real: Any, path: str = "$") -> None:
    """Same keys (none added, none missing), same nesting, same value kinds."""
    if replica is None or real is None:
        return
    assert kind(replica) == kind(real), f"{path}: {kind(replica)} != {kind(real)}"
    if isinstance(real, dict):
        extra, missing = replica.keys() - real.keys(), real.keys() - replica.keys()
        assert not extra and not missing, f"{path}: extra {extra}, missing {missing}"
        for key in real:
            assert_shape(replica[key], real[key], f"{path}.{key}")
    elif isinstance(real, list) and real:
        for item in replica:
            assert_shape(item, real[0], f"{path}[]")


def unchanged(data: dict[str, Any], changed: set[str]) -> dict[str, Any]:
    """Action data without what varies with the field that changed (`old` and its keys)."""
    return {key: {k: v for k, v in value.items() if k not in changed}
            if isinstance(value, dict) else value
            for key, value in data.items() if key != "old"}


class World:
    """A small organisation: two boards, lists (one archived), labelled cards."""

    def __init__(self) -> None:
        self.state = TrelloState(Knobs(clock=Clock(START)), api_key=AUTH["key"],
                                 token=AUTH["token"], owner_username="ana",
                                 owner_full_name="Ana Owner", owner_email="ana@example.com")
        s = self.state
        self.bob = self.tick(s.add_member("bob", "Bob Producer"))
        self.board = self.tick(s.add_board("Client Events", member_ids=[self.bob]))
        self.other_board = self.tick(s.add_board("Old Board", closed=True))
        self.todo = self.tick(s.add_list(self.board, "To do"))
        self.done = self.tick(s.add_list(self.board, "Done"))
        self.shelved = self.tick(s.add_list(self.board, "Shelved"))
        self.label = s.add_label(self.board, "urgent", "red")
        self.card = self.tick(s.add_card(
            self.todo, "Book venue", desc="Brief: https://docs.example.com/brief",
            due=START + timedelta(days=3), start=START, member_ids=[self.bob],
            label_ids=[self.label]))
        self.link = self.tick(s.add_attachment(self.card, "Brief", "https://docs.example.com",
                                               mime_type="text/html"))
        self.archived = self.tick(s.add_card(self.done, "Send invoices"))
        self.tick(s.archive_card(self.archived))
        self.in_shelved = self.tick(s.add_card(self.shelved, "Maybe later"))
        self.tick(s.set_list_closed(self.shelved, True))
        self.doomed = self.tick(s.add_card(self.todo, "Duplicate"))
        self.tick(s.delete_card(self.doomed))
        self.client = TestClient(create_app(self.state))

    def tick(self, result: Any = None) -> Any:
        self.state.knobs.clock.advance(timedelta(seconds=2))
        return result

    def get(self, path: str, **params: Any) -> Any:
        response = self.client.get(path, params={**AUTH, **params})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/json; charset=utf-8"
        return response.json()


@pytest.fixture
def world() -> World:
    return World()


def test_member_me_matches_sample(world: World) -> None:
    me = world.get("/1/members/me")
    assert_shape(me, sample("member_me.json"))
    assert me["email"] == "ana@example.com"
    assert set(me["idBoards"]) == {world.board, world.other_board}


def test_member_boards_match_sample_and_filter(world: World) -> None:
    boards = world.get("/1/members/me/boards", filter="all")
    real = sample("member_boards_filter_all.json")
    for board in boards:
        assert_shape(board, real[0])
    assert [b["id"] for b in world.get("/1/members/me/boards", filter="open")] == [world.board]
    assert [b["id"] for b in world.get("/1/members/me/boards", filter="closed")] == [
        world.other_board]
    spec_filters = SPEC["paths"]["/members/{id}/boards"]["get"]["parameters"][1]["schema"]["enum"]
    for name in spec_filters:
        world.get("/1/members/me/boards", filter=name)


def test_board_get_returns_documented_default_fields(world: World) -> None:
    board = world.get(f"/1/boards/{world.board}")
    default = SPEC["paths"]["/boards/{id}"]["get"]["parameters"][6]["schema"]["default"]
    assert set(board) == {"id", *default.split(",")}
    assert_shape(board, {k: v for k, v in sample("member_boards_filter_all.json")[0].items()
                         if k in board})
    assert world.get(f"/1/boards/{world.board}", fields="name") == {
        "id": world.board, "name": "Client Events"}


def test_lists_match_sample_and_filters(world: World) -> None:
    lists = world.get(f"/1/boards/{world.board}/lists", filter="all")
    for trello_list in lists:
        assert_shape(trello_list, sample("board_lists_filter_all.json")[0])
    assert [x["name"] for x in lists] == ["To do", "Done", "Shelved"]
    assert [x["name"] for x in world.get(f"/1/boards/{world.board}/lists")] == ["To do", "Done"]
    assert [x["name"] for x in world.get(f"/1/boards/{world.board}/lists/closed")] == ["Shelved"]
    assert world.get(f"/1/boards/{world.board}/lists", filter="all", fields="name,closed")[2] == {
        "id": world.shelved, "name": "Shelved", "closed": True}
    with_cards = world.get(f"/1/boards/{world.board}/lists", cards="open", card_fields="name")
    assert with_cards[0]["cards"] == [{"id": world.card, "name": "Book venue"}]
    assert set(SPEC["components"]["schemas"]["ViewFilter"]["enum"]) <= {"all", "closed", "none",
                                                                       "open"}


def test_cards_match_sample(world: World) -> None:
    cards = world.get(f"/1/boards/{world.board}/cards", filter="all")
    for card in cards:
        assert_shape(card, sample("board_cards_filter_all.json")[0])
    assert_shape(world.get(f"/1/cards/{world.card}"), sample("card_get.json"))
    card = next(c for c in cards if c["id"] == world.card)
    assert TRELLO_DATE.match(card["due"]) and TRELLO_DATE.match(card["start"])
    assert card["idMembers"] == [world.bob] and card["idLabels"] == [world.label]
    assert card["labels"] == [{"id": world.label, "idBoard": world.board, "name": "urgent",
                               "color": "red"}]
    assert card["labels"][0]["color"] in SPEC["components"]["schemas"]["Color"]["enum"]
    assert card["url"] == f"https://trello.com/c/{card['shortLink']}/1-book-venue"
    assert card["badges"]["attachments"] == 1 and card["badges"]["description"] is True


def test_card_filters_treat_closed_lists_as_archived_work(world: World) -> None:
    def ids(which: str) -> set[str]:
        return {c["id"] for c in world.get(f"/1/boards/{world.board}/cards/{which}")}

    assert ids("all") == {world.card, world.archived, world.in_shelved}
    assert ids("open") == {world.card, world.in_shelved}
    assert ids("visible") == {world.card}
    assert ids("closed") == {world.archived}
    assert {c["id"] for c in world.get(f"/1/boards/{world.board}/cards")} == ids("visible")
    shelved = world.get(f"/1/cards/{world.in_shelved}")
    assert shelved["closed"] is False
    spec_path = SPEC["paths"]["/boards/{id}/cards/{filter}"]["get"]["parameters"][1]
    for name in spec_path["schema"]["enum"]:
        world.get(f"/1/boards/{world.board}/cards/{name}")


def test_card_fields_and_nested_extras(world: World) -> None:
    cards = world.get(f"/1/boards/{world.board}/cards", fields="name,closed,dateLastActivity",
                      attachments="true", customFieldItems="true")
    assert set(cards[0]) == {"id", "name", "closed", "dateLastActivity", "attachments",
                             "customFieldItems"}
    assert cards[0]["attachments"][0]["url"] == "https://docs.example.com"
    on_board = world.get(f"/1/boards/{world.board}/cards/{world.card}")
    assert on_board["id"] == world.card


def test_board_members_have_no_email(world: World) -> None:
    members = world.get(f"/1/boards/{world.board}/members")
    for member in members:
        assert_shape(member, sample("board_members.json")[0])
    assert {m["username"] for m in members} == {"ana", "bob"}
    full = world.get(f"/1/boards/{world.board}/members", fields="all")
    assert all(m["email"] is None for m in full)
    assert [m["username"] for m in world.get(f"/1/boards/{world.board}/members",
                                             filter="admins")] == ["ana"]


def test_attachments_match_samples(world: World) -> None:
    attachments = world.get(f"/1/cards/{world.card}/attachments")
    assert_shape(attachments, sample("card_attachments_link.json"))
    assert attachments[0]["url"] == "https://docs.example.com"
    assert world.get(f"/1/cards/{world.in_shelved}/attachments") == sample(
        "card_attachments_empty.json")


def test_actions_match_sample_by_type(world: World) -> None:
    actions = world.get(f"/1/boards/{world.board}/actions", filter="all", limit=1000)
    real = sample("board_actions_filter_all.json")
    for action in actions:
        same_type = [a for a in real if a["type"] == action["type"]]
        top = {k: v for k, v in action.items() if k != "member"}
        if not same_type:  # addMemberToCard: top level only, the sample has none
            assert_shape(top, real[0] | {"data": top["data"]})
            continue
        assert_shape(top, same_type[0] | {"data": top["data"]})
        if action["type"] == "updateCard" and "idList" in action["data"]["old"]:
            assert set(action["data"]) == {"old", "card", "board", "listBefore", "listAfter"}
            continue
        variants = [a for a in same_type if set(a["data"]) == set(action["data"])]
        assert variants, (action["type"], set(action["data"]))
        changed = {*action["data"].get("old", {}), *variants[0]["data"].get("old", {})}
        assert_shape(unchanged(action["data"], changed), unchanged(variants[0]["data"], changed))
    assert [a["date"] for a in actions] == sorted((a["date"] for a in actions), reverse=True)


def test_deleted_card_survives_only_as_delete_action(world: World) -> None:
    actions = world.get(f"/1/boards/{world.board}/actions", filter="all")
    about_doomed = [a for a in actions if a["data"].get("card", {}).get("id") == world.doomed]
    assert [a["type"] for a in about_doomed] == ["deleteCard"]
    assert set(about_doomed[0]["data"]["card"]) == {"id", "idShort", "shortLink"}
    assert world.client.get(f"/1/cards/{world.doomed}", params=AUTH).status_code == 404


def test_archive_emits_update_card_with_old_closed(world: World) -> None:
    archived = world.get(f"/1/boards/{world.board}/actions", filter="updateCard:closed")
    assert len(archived) == 1
    assert archived[0]["data"]["old"] == {"closed": False}
    assert archived[0]["data"]["card"]["closed"] is True
    lists = world.get(f"/1/boards/{world.board}/actions", filter="updateList")
    assert lists[0]["data"]["list"]["closed"] is True


def test_limit_five_matches_sample_and_filter_list(world: World) -> None:
    assert len(world.get(f"/1/boards/{world.board}/actions", limit=5)) == len(
        sample("board_actions_limit5.json"))
    created = world.get(f"/1/boards/{world.board}/actions", filter="createCard,deleteCard")
    assert {a["type"] for a in created} == {"createCard", "deleteCard"}
    only_ids = world.get(f"/1/boards/{world.board}/actions", fields="type",
                         memberCreator="false", limit=1)
    assert set(only_ids[0]) == {"id", "type"}


def test_since_and_before_accept_ids_and_dates(world: World) -> None:
    everything = world.get(f"/1/boards/{world.board}/actions", limit=1000)
    middle = everything[len(everything) // 2]
    older = world.get(f"/1/boards/{world.board}/actions", before=middle["id"], limit=1000)
    newer = world.get(f"/1/boards/{world.board}/actions", since=middle["id"], limit=1000)
    assert [*newer, middle, *older] == everything
    by_date = world.get(f"/1/boards/{world.board}/actions", since=middle["date"], limit=1000)
    assert by_date == [*newer, middle]  # a date bounds at its second, ids exactly
    for action in everything:
        created = datetime.fromtimestamp(int(action["id"][:8], 16), UTC)
        assert action["date"].startswith(created.strftime("%Y-%m-%dT%H:%M:%S"))


def test_every_change_bumps_date_last_activity(world: World) -> None:
    before = world.get(f"/1/cards/{world.card}")["dateLastActivity"]
    world.tick(world.state.update_card(world.card, due_complete=True))
    card = world.get(f"/1/cards/{world.card}")
    assert card["dateLastActivity"] > before and card["dueComplete"] is True
    board = world.get(f"/1/boards/{world.board}", fields="dateLastActivity")
    assert board["dateLastActivity"] == card["dateLastActivity"]
    untouched = world.get("/1/members/me/boards", filter="closed")[0]
    assert untouched["dateLastActivity"] is not None  # closing it was activity
    world.tick(world.state.move_card(world.card, world.done))
    moved = world.get(f"/1/boards/{world.board}/actions", filter="updateCard", limit=1)[0]
    assert moved["data"]["listAfter"]["id"] == world.done


def test_ids_are_deterministic_and_encode_creation_time(world: World) -> None:
    again = World()
    assert (again.board, again.card, again.link) == (world.board, world.card, world.link)
    assert int(world.board[:8], 16) == int((START + timedelta(seconds=2)).timestamp())


def test_state_route_mutates_out_of_process(world: World) -> None:
    response = world.client.post("/_sandbox/state", json={
        "op": "add_card", "args": {"list_id": world.todo, "name": "Via HTTP",
                                   "due": "2026-07-01T09:00:00Z"}})
    card_id = response.json()["result"]
    assert world.get(f"/1/cards/{card_id}")["due"] == "2026-07-01T09:00:00.000Z"
    refused = world.client.post("/_sandbox/state", json={"op": "knobs", "args": {}})
    assert refused.status_code == 400
