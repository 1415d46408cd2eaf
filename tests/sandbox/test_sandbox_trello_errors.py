"""Every error body and fault the Trello replica serves, byte for byte where known.

Trello errors are plain text (`text/plain; charset=utf-8`); the 429 bodies are
the JSON documented on Atlassian's rate-limit page (samples in
tests/fixtures/api-samples/trello/error_429_*.documented.json).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from sandbox.knobs import Clock, Knobs
from sandbox.trello import TrelloState, create_app

SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "api-samples" / "trello"
AUTH = {"key": "k-errors", "token": "t-errors"}
TEXT = "text/plain; charset=utf-8"


@pytest.fixture
def state() -> TrelloState:
    s = TrelloState(Knobs(clock=Clock(datetime(2026, 6, 8, 12, 0, tzinfo=UTC))),
                    api_key=AUTH["key"], token=AUTH["token"])
    board = s.add_board("Board")
    todo = s.add_list(board, "To do")
    for n in range(3):
        s.add_card(todo, f"Card {n}")
    return s


@pytest.fixture
def client(state: TrelloState) -> TestClient:
    return TestClient(create_app(state))


def board_id(state: TrelloState) -> str:
    return next(iter(state.boards))


def assert_text(response: Response, status: int, body: str) -> None:
    assert (response.status_code, response.text) == (status, body)
    assert response.headers["content-type"] == TEXT


def test_bad_token_is_the_recorded_plain_text(client: TestClient) -> None:
    recorded = (SAMPLES / "error_401_invalid_token.txt").read_text()
    assert_text(client.get("/1/members/me", params={**AUTH, "token": "nope"}), 401, recorded)
    assert_text(client.get("/1/members/me", params={"key": AUTH["key"]}), 401, recorded)


def test_bad_or_missing_key_is_invalid_key(client: TestClient) -> None:
    assert_text(client.get("/1/members/me"), 401, "invalid key")
    assert_text(client.get("/1/members/me", params={**AUTH, "key": "x"}), 401, "invalid key")


def test_oauth_header_carries_key_and_token(client: TestClient) -> None:
    header = f'OAuth oauth_consumer_key="{AUTH["key"]}", oauth_token="{AUTH["token"]}"'
    assert client.get("/1/members/me", headers={"Authorization": header}).status_code == 200
    wrong = 'OAuth oauth_consumer_key="k-errors", oauth_token="other"'
    assert_text(client.get("/1/members/me", headers={"Authorization": wrong}), 401,
                "invalid token")


def test_malformed_and_unknown_ids(client: TestClient, state: TrelloState) -> None:
    assert_text(client.get("/1/cards/not-an-id", params=AUTH), 400, "invalid id")
    missing = "0" * 24
    assert_text(client.get(f"/1/cards/{missing}", params=AUTH), 404,
                "The requested resource was not found.")
    assert_text(client.get(f"/1/boards/{missing}/actions", params=AUTH), 404,
                "The requested resource was not found.")
    assert_text(client.get(f"/1/lists/{missing}", params=AUTH), 404, "model not found")
    short = state.boards[board_id(state)].short_link
    assert client.get(f"/1/boards/{short}", params=AUTH).json()["id"] == board_id(state)


def test_unknown_routes_answer_like_express(client: TestClient, state: TrelloState) -> None:
    assert_text(client.get("/1/nothing/here", params=AUTH), 404,
                "Cannot GET /1/nothing/here?key=k-errors&token=t-errors")
    assert_text(client.get("/1/boards/", params=AUTH), 404,
                "Cannot GET /1/boards/?key=k-errors&token=t-errors")
    assert_text(client.post(f"/1/boards/{board_id(state)}/cards"), 404,
                f"Cannot POST /1/boards/{board_id(state)}/cards")


def test_trailing_slash_routes_like_express(client: TestClient, state: TrelloState) -> None:
    cards = client.get(f"/1/boards/{board_id(state)}/cards/", params=AUTH)
    assert len(cards.json()) == 3
    assert client.get("/1/members/me/boards/", params=AUTH).status_code == 200


@pytest.mark.parametrize(("params", "body"), [
    ({"limit": "1001"}, "invalid value for limit"),
    ({"limit": "-1"}, "invalid value for limit"),
    ({"limit": "ten"}, "invalid value for limit"),
    ({"since": "yesterday"}, "invalid value for since"),
    ({"before": "12345"}, "invalid value for before"),
    ({"page": "x"}, "invalid value for page"),
])
def test_action_parameters_are_validated(client: TestClient, state: TrelloState,
                                         params: dict[str, str], body: str) -> None:
    response = client.get(f"/1/boards/{board_id(state)}/actions", params={**AUTH, **params})
    assert_text(response, 400, body)
    ok = client.get(f"/1/boards/{board_id(state)}/actions", params={**AUTH, "limit": "1000"})
    assert ok.status_code == 200


def test_unknown_filters_are_rejected(client: TestClient, state: TrelloState) -> None:
    for path in (f"/1/boards/{board_id(state)}/lists", f"/1/boards/{board_id(state)}/cards",
                 "/1/members/me/boards"):
        assert_text(client.get(path, params={**AUTH, "filter": "bogus"}), 400,
                    "invalid value for filter")


@pytest.mark.parametrize("limit_kind", ["API_TOKEN_LIMIT_EXCEEDED", "API_KEY_LIMIT_EXCEEDED"])
def test_rate_limit_bodies_are_the_documented_json(client: TestClient, state: TrelloState,
                                                   limit_kind: str) -> None:
    state.rate_limit_error = limit_kind
    state.knobs.fail_next(1, status=429)
    response = client.get("/1/members/me", params=AUTH)
    documented = json.loads((SAMPLES / f"error_429_{limit_kind}.documented.json").read_text())
    assert (response.status_code, response.json()) == (429, documented)
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert "retry-after" not in response.headers
    assert client.get("/1/members/me", params=AUTH).status_code == 200


def test_status_faults_use_trello_bodies(client: TestClient, state: TrelloState) -> None:
    knobs = state.knobs
    knobs.fail_next(1, status=429, retry_after_seconds=7, path_contains="/members/me")
    assert client.get("/1/members/me", params=AUTH).headers["retry-after"] == "7"
    knobs.fail_next(1, status=401)
    assert_text(client.get("/1/members/me", params=AUTH), 401, "invalid token")
    knobs.fail_next(1, status=500)
    assert_text(client.get("/1/members/me", params=AUTH), 500, "Internal Server Error")
    knobs.fail_next(1, status=404)
    assert_text(client.get("/1/members/me", params=AUTH), 404,
                "The requested resource was not found.")


def test_malformed_fault_drops_one_record_id_once(client: TestClient, state: TrelloState) -> None:
    path = f"/1/boards/{board_id(state)}/cards"
    state.knobs.malform_next(1, path_contains="/cards")
    first = client.get(path, params=AUTH).json()
    assert "id" not in first[0] and all("id" in card for card in first[1:])
    assert all("id" in card for card in client.get(path, params=AUTH).json())


@pytest.mark.parametrize(("form", "first"), [
    ("id_missing", lambda card, cid: "id" not in card),
    ("id_null", lambda card, cid: card["id"] is None),
    ("id_wrong_type", lambda card, cid: card["id"] == [cid]),  # an ObjectId has letters
    ("not_object", lambda card, cid: card == cid),
])
def test_malformed_fault_forms_over_the_admin_api(client: TestClient, state: TrelloState,
                                                  form: str, first: object) -> None:
    path = f"/1/boards/{board_id(state)}/cards"
    card_id = client.get(path, params=AUTH).json()[0]["id"]
    queued = client.post("/_sandbox/faults", json={"kind": "malformed", "form": form,
                                                   "path_contains": "/cards"})
    assert queued.status_code == 200
    broken = client.get(path, params=AUTH).json()
    assert first(broken[0], card_id) and all(c["id"] for c in broken[1:])  # type: ignore[operator]


def test_truncated_fault_cuts_the_body(client: TestClient, state: TrelloState) -> None:
    path = f"/1/boards/{board_id(state)}/actions"
    state.knobs.truncate_next(1, path_contains="/actions")
    cut = client.get(path, params=AUTH)
    assert cut.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(cut.text)
    assert len(client.get(path, params=AUTH).json()) == 5
