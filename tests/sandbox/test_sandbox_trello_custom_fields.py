"""The Trello replica's Custom Fields: definitions on the board, values on cards.

No recorded sample holds custom fields, so shapes come from the vendor OpenAPI spec
(tests/fixtures/api-specs/trello: `CustomField`, `CustomFieldItems`, the
`/customFields` POST enums) and the example in Trello's custom fields guide, which wins
where they differ: `name`, `pos` and a list field's `options` sit on the definition
itself (the spec nests them under `display`); a card has an item only for a field it
has a value for; numbers travel as strings; a dropdown choice is `idValue`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from sandbox.knobs import Clock, Knobs
from sandbox.trello import TrelloState, create_app
from tests.sandbox.test_sandbox_trello_contract import SPEC

AUTH = {"key": "k-fields", "token": "t-fields"}
START = datetime(2026, 6, 8, 16, 0, tzinfo=UTC)
SCHEMAS = SPEC["components"]["schemas"]
GUIDE_KEYS = {"name", "pos", "options"}
CREATE = SPEC["paths"]["/customFields"]["post"]["requestBody"]["content"][
    "application/json"]["schema"]["properties"]


class Board:
    def __init__(self) -> None:
        self.state = TrelloState(Knobs(clock=Clock(START)), api_key=AUTH["key"],
                                 token=AUTH["token"])
        s = self.state
        self.board = s.add_board("Studio")
        self.todo = s.add_list(self.board, "To do")
        self.number = s.add_custom_field(self.board, "Estimate (h)", "number")
        self.text = s.add_custom_field(self.board, "Notes", "text", card_front=False)
        self.choice = s.add_custom_field(self.board, "Effort", "list", options=["1d", "2d"])
        self.check = s.add_custom_field(self.board, "Urgent", "checkbox")
        self.card = s.add_card(self.todo, "Poster")
        self.bare = s.add_card(self.todo, "Flyer")
        for field, value in ((self.choice, "2d"), (self.number, 2.5), (self.check, True),
                             (self.text, "call first")):
            s.set_custom_field_item(self.card, field, value)
        self.client = TestClient(create_app(self.state))

    def get(self, path: str, **params: Any) -> Any:
        response = self.client.get(path, params={**AUTH, **params})
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture
def board() -> Board:
    return Board()


def test_definitions_have_the_spec_keys_and_types(board: Board) -> None:
    fields = board.get(f"/1/boards/{board.board}/customFields")
    assert [f["name"] for f in fields] == ["Estimate (h)", "Notes", "Effort", "Urgent"]
    for field in fields:
        assert set(field) <= set(SCHEMAS["CustomField"]["properties"]) | GUIDE_KEYS
        assert field["modelType"] in SCHEMAS["CustomField"]["properties"]["modelType"]["enum"]
        assert field["type"] in CREATE["type"]["enum"] and field["idModel"] == board.board
        assert ("options" in field) == (field["type"] == "list")
    assert fields[1]["display"] == {"cardFront": False}
    assert [o["value"] for o in fields[2]["options"]] == [{"text": "1d"}, {"text": "2d"}]
    assert {o["idCustomField"] for o in fields[2]["options"]} == {board.choice}


def test_card_items_are_strings_in_board_order_and_only_where_set(board: Board) -> None:
    nested = board.get(f"/1/cards/{board.card}", customFieldItems="true")["customFieldItems"]
    alone = board.get(f"/1/cards/{board.card}/customFieldItems")
    assert nested == alone
    allowed = set(SCHEMAS["CustomFieldItems"]["properties"]) | {"idValue"}
    assert all(set(item) <= allowed and item["modelType"] == "card"
               and item["idModel"] == board.card for item in alone)
    assert [item["idCustomField"] for item in alone] == [board.number, board.text,
                                                         board.choice, board.check]
    assert [item.get("value") for item in alone] == [
        {"number": "2.5"}, {"text": "call first"}, None, {"checked": "true"}]
    option = board.get(f"/1/boards/{board.board}/customFields")[2]["options"][1]
    assert alone[2]["idValue"] == option["id"]
    assert board.get(f"/1/cards/{board.bare}/customFieldItems") == []
    listed = board.get(f"/1/boards/{board.board}/cards", customFieldItems="true")
    assert [c["customFieldItems"] for c in listed][1] == []
    assert "customFieldItems" not in board.get(f"/1/cards/{board.card}")


def test_values_are_checked_cleared_and_logged(board: Board) -> None:
    s = board.state
    s.knobs.clock.advance(timedelta(seconds=5))
    s.set_custom_field_item(board.card, board.number, "4")
    s.set_custom_field_item(board.card, board.text, None)
    items = board.get(f"/1/cards/{board.card}/customFieldItems")
    assert [i.get("value") for i in items][:2] == [{"number": "4"}, None]
    for field, wrong in ((board.number, True), (board.choice, "3d"), (board.text, 4)):
        with pytest.raises(ValueError):
            s.set_custom_field_item(board.card, field, wrong)
    actions = board.get(f"/1/boards/{board.board}/actions", limit=2)
    assert [a["type"] for a in actions] == ["updateCustomFieldItem"] * 2
    assert actions[1]["data"]["card"]["id"] == board.card
    assert actions[1]["data"]["old"] == {"value": {"number": "2.5"}}
    card = board.get(f"/1/cards/{board.card}")
    assert card["dateLastActivity"] == "2026-06-08T16:00:05.000Z"


def test_definition_changes_are_board_actions_without_a_card(board: Board) -> None:
    board.state.rename_custom_field(board.number, "Effort (h)")
    [renamed] = board.get(f"/1/boards/{board.board}/actions", limit=1)
    assert renamed["type"] == "updateCustomField" and "card" not in renamed["data"]
    assert renamed["data"]["old"] == {"name": "Estimate (h)"}
    created = board.get(f"/1/boards/{board.board}/actions", filter="createCustomField")
    assert len(created) == 4
    with pytest.raises(ValueError):
        board.state.add_custom_field(board.board, "Size", "list")


def test_state_route_sets_values_out_of_process(board: Board) -> None:
    response = board.client.post("/_sandbox/state", json={
        "op": "set_custom_field_item",
        "args": {"card_id": board.bare, "field_id": board.number, "value": 3}})
    assert response.status_code == 200
    assert board.get(f"/1/cards/{board.bare}/customFieldItems")[0]["value"] == {"number": "3"}
