"""Trello mapping on the recorded samples (tests/fixtures/api-samples/trello).

The samples win over our beliefs. Variants the samples lack (closed cards, due
dates, closed lists) are derived inside each test from a recorded card, and
the test says how.
"""

from __future__ import annotations

import copy
import io
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
import urllib3
from requests.adapters import HTTPAdapter
from sqlalchemy.engine import Engine

from connectors.errors import RecordInvalid, Retriable
from connectors.policy import CallPolicy
from connectors.trello.client import RATE_LIMIT_WINDOW_SECONDS, TrelloApi, _rate_limit_code
from connectors.trello.mapping import (
    CardContext,
    ListInfo,
    MapContext,
    action_ids,
    board_changes,
    card_member_ids,
    clean_raw,
    list_infos,
    map_board,
    map_card,
    map_member,
)
from model import LinkMethod, RecordState
from tests.link_helpers import stored_urls

SAMPLES = Path(__file__).parent.parent / "fixtures" / "api-samples" / "trello"
SOURCE = "trello-studio"
BOARD = "6a26ebb3cd5f60a53a585978"
ALPHA = "6a26f2fdbc520ab9f45a5214"


def sample(name: str) -> Any:
    return json.loads((SAMPLES / name).read_text())


def card_context(**overrides: Any) -> CardContext:
    lists = list_infos(sample("board_lists_filter_all.json"))
    return CardContext(SOURCE, (), **{"lists": lists, **overrides})


def alpha_card() -> dict[str, Any]:
    card: dict[str, Any] = next(c for c in sample("board_cards_filter_all.json")
                                if c["id"] == ALPHA)
    return copy.deepcopy(card)


def test_every_recorded_board_card_maps() -> None:
    cards = sample("board_cards_filter_all.json")
    tasks = [map_card(raw, card_context()) for raw in cards]
    assert len(tasks) == len(cards) == 8
    for task, raw in zip(tasks, cards, strict=True):
        assert task.source == SOURCE and task.external_id == raw["id"]
        assert task.raw == raw and task.url == raw["shortUrl"]
        assert task.project_external_id == BOARD
        assert task.remote_updated_at is not None and task.remote_updated_at.tzinfo is UTC
        assert task.state is RecordState.active
        assert task.due_at is None and task.due_on is None and task.completed_at is None
    loom = tasks[0]
    assert loom.title.startswith("https://www.loom.com/share/")
    assert loom.section == "Trello Starter Guide"
    assert loom.description is None  # Trello sends desc "" for no description
    assert loom.remote_updated_at == datetime(2026, 6, 8, 16, 20, 3, 475000, tzinfo=UTC)


def test_single_card_samples_map_without_their_lists() -> None:
    for name in ("card_get.json", "card_update.json", "card_create.json"):
        task = map_card(sample(name), CardContext(SOURCE))
        assert task.section is None and task.state is RecordState.active
    assert map_card(sample("card_get.json"), CardContext(SOURCE)).description == (
        "A test card for Nango integration testing")


def test_closed_card_is_archived_never_deleted() -> None:
    raw = alpha_card() | {"closed": True}  # derived: the recorded card, archived
    assert map_card(raw, card_context()).state is RecordState.archived


def test_card_in_closed_list_is_archived_work() -> None:
    raw = alpha_card()
    lists = list_infos([*sample("board_lists_filter_all.json"), sample("list_set_closed.json")])
    raw["idList"] = "6a26f315d65f93eeac0b1b11"  # derived: moved into the list the sample closed
    assert lists[raw["idList"]] == ListInfo("Nango Delete List A", closed=True)
    assert map_card(raw, card_context(lists=lists)).state is RecordState.archived


def test_card_on_closed_board_is_archived() -> None:
    assert map_card(alpha_card(), card_context(board_closed=True)).state is RecordState.archived


def test_due_complete_card_is_completed_at_its_last_activity() -> None:
    raw = alpha_card() | {"dueComplete": True, "due": "2026-06-10T15:00:00.000Z"}
    task = map_card(raw, card_context())
    assert task.state is RecordState.completed
    assert task.completed_at == datetime(2026, 6, 8, 17, 3, 24, 846000, tzinfo=UTC)
    assert raw["dateLastActivity"] == "2026-06-08T17:03:24.846Z"
    assert task.due_at == datetime(2026, 6, 10, 15, tzinfo=UTC) and task.due_on is None


def test_archived_beats_completed() -> None:
    raw = alpha_card() | {"dueComplete": True, "closed": True}
    task = map_card(raw, card_context())
    assert task.state is RecordState.archived and task.completed_at is not None


def test_start_is_a_date_and_due_an_instant() -> None:
    raw = alpha_card() | {"start": "2026-06-09T10:00:00.000Z", "due": "2026-06-09T23:30:00.000Z"}
    task = map_card(raw, card_context())
    assert task.start_on == date(2026, 6, 9)
    assert task.due_at == datetime(2026, 6, 9, 23, 30, tzinfo=UTC)


@pytest.mark.parametrize(("names", "hours"), [
    (["8h"], 8.0), (["urgent", "2.5h"], 2.5), (["2.5 H"], 2.5), (["8 hours"], 8.0),
    (["90 min"], 1.5), (["1h 30m"], 1.5), (["3D", "2"], None), (["h8"], None), ([], None),
    (["3h", "5h"], 3.0),
])
def test_estimate_comes_from_an_hours_label(names: list[str], hours: float | None) -> None:
    raw = alpha_card()
    raw["labels"] = [{"id": f"l{i}", "idBoard": BOARD, "name": n, "color": "blue"}
                     for i, n in enumerate(names)]
    assert map_card(raw, card_context()).estimate_hours == hours


def test_assignees_are_the_card_members() -> None:
    raw = alpha_card() | {"idMembers": ["6a26eb9ccef85b4074044ea5", "6a26eb9ccef85b4074044ea6"]}
    assert card_member_ids(raw) == ["6a26eb9ccef85b4074044ea5", "6a26eb9ccef85b4074044ea6"]
    assert card_member_ids(alpha_card()) == []


def test_attachments_stay_in_raw_and_description_stays_desc() -> None:
    raw = alpha_card()
    raw["attachments"] = sample("card_attachments_link.json")  # derived: `attachments=true`
    task = map_card(raw, card_context())
    assert [a["url"] for a in task.raw["attachments"]] == [
        "https://nango.dev", "https://docs.nango.dev", "https://docs.nango.dev"]
    assert task.description == raw["desc"]


@pytest.mark.parametrize("change", [
    {"id": None}, {"name": 7}, {"due": "next tuesday"}, {"due": "2026-06-10T15:00:00"},
    {"idMembers": "6a26eb9ccef85b4074044ea5"}, {"dateLastActivity": 12},
])
def test_a_card_the_mapper_cannot_read_is_invalid(change: dict[str, Any]) -> None:
    raw = alpha_card() | change
    with pytest.raises(RecordInvalid):
        map_card(raw, card_context())


def test_board_members_are_identities_without_email() -> None:
    [identity] = [map_member(raw, MapContext(SOURCE)) for raw in sample("board_members.json")]
    assert identity.external_id == "6a26eb9ccef85b4074044ea5"
    assert identity.username == "nangodeveloper" and identity.display_name == "Nango Developer"
    assert identity.email is None and identity.active


def test_even_the_token_owner_gets_no_email() -> None:
    """Only /members/me shows an email, and only the owner's: matching must not
    depend on it, so no identity carries one."""
    assert map_member(sample("member_me.json"), MapContext(SOURCE)).email is None


def test_member_boards_map_to_projects() -> None:
    boards = sample("member_boards_filter_all.json")
    projects = [map_board(raw, MapContext(SOURCE)) for raw in boards]
    assert [p.name for p in projects] == ["My Trello board", "Nango Create Board Test",
                                          "Nango Create Board Test", "Nango Test Board"]
    assert all(p.state is RecordState.active for p in projects)
    assert projects[0].url == "https://trello.com/b/NYLufejN/my-trello-board"
    assert projects[0].remote_updated_at == datetime(2026, 6, 8, 17, 7, 52, 667000, tzinfo=UTC)
    assert projects[1].remote_updated_at is None  # an untouched board has no activity date
    closed = boards[0] | {"closed": True}  # derived: the recorded board, closed
    assert map_board(closed, MapContext(SOURCE)).state is RecordState.archived


def test_recorded_actions_name_the_deleted_and_changed_cards() -> None:
    actions = sample("board_actions_filter_all.json")
    changes = board_changes(actions)
    assert changes.deleted == {"6a26f3139907b3b114659580", "6a26f3127128c2af2fd32b1b"}
    assert ALPHA in changes.changed and "6a26f310fb56d9828fc1e683" in changes.changed
    assert not changes.changed & changes.deleted
    assert changes.relist  # the sample renames and closes lists
    assert len(action_ids(actions)) == len(actions) == 58
    assert max(action_ids(actions)) == actions[0]["id"]  # newest first, ids grow with time


def test_board_description_edit_does_not_force_a_relist() -> None:
    actions = [a for a in sample("board_actions_filter_all.json") if a["type"] != "updateList"]
    assert any(a["type"] == "updateBoard" for a in actions)
    assert not board_changes(actions).relist
    closing = copy.deepcopy(next(a for a in actions if a["type"] == "updateBoard"))
    closing["data"]["old"] = {"closed": False}  # derived: the board was closed instead
    assert board_changes([closing]).relist


def test_limit5_actions_page_is_understood() -> None:
    changes = board_changes(sample("board_actions_limit5.json"))
    assert "6a26f5ef703a4e3e9ee515f0" in changes.changed and changes.relist


def test_rate_limit_bodies_are_recognised() -> None:
    for code in ("API_TOKEN_LIMIT_EXCEEDED", "API_KEY_LIMIT_EXCEEDED"):
        text = (SAMPLES / f"error_429_{code}.documented.json").read_text()
        assert _rate_limit_code(text) == code
    assert _rate_limit_code((SAMPLES / "error_401_invalid_token.txt").read_text()) == (
        "rate limited")


def test_a_secret_echoed_in_a_payload_is_masked() -> None:
    raw = alpha_card() | {"desc": "see https://api.trello.com/1/cards?token=sekret-token-1"}
    assert "sekret-token-1" not in json.dumps(clean_raw(raw, ["sekret-token-1"]))
    assert clean_raw(alpha_card(), ["sekret-token-1"]) == alpha_card()


# -- samples of issue 5: attachments and rate-limit bodies -----------------------------

EMPTY_CARD = "6a26ebb3cd5f60a53a5859a1"  # badges.attachments == 0: card_attachments_empty.json
IMAGE_CARD = "6a26ebb3cd5f60a53a5859c0"  # badges.attachments == 1: ..._uploaded_image.json


def board_card(card_id: str) -> dict[str, Any]:
    card: dict[str, Any] = next(c for c in sample("board_cards_filter_all.json")
                                if c["id"] == card_id)
    return copy.deepcopy(card)


def test_card_with_no_attachments_keeps_an_empty_list_and_yields_no_link(
        engine: Engine) -> None:
    raw = board_card(EMPTY_CARD)
    raw["attachments"] = sample("card_attachments_empty.json")  # derived: `attachments=true`
    assert raw["badges"]["attachments"] == len(raw["attachments"]) == 0
    task = map_card(raw, card_context())
    assert task.raw["attachments"] == [] and task.description is None  # desc ""
    assert stored_urls(engine, task) == {}


def test_uploaded_image_attachment_is_a_link_target_url(engine: Engine) -> None:
    """card_attachments_uploaded_image.json: an upload (`isUpload: true`) has its download
    URL in `url` and preview URLs under `previews`; only `url` is a link target."""
    raw = board_card(IMAGE_CARD)
    raw["attachments"] = sample("card_attachments_uploaded_image.json")  # derived
    assert raw["badges"]["attachments"] == len(raw["attachments"]) == 1
    task = map_card(raw, card_context())
    download = ("https://trello.com/1/cards/6a26ebb3cd5f60a53a5859c0/attachments/"
                "6a26ebb3bb550e61ae961968/download/2_20Email%2C_20Slack%2C_20Teams.jpg")
    assert task.raw["attachments"][0]["url"] == download
    assert task.model_dump(exclude={"id", "synced_at", "raw"}) == {
        "source": SOURCE, "external_id": IMAGE_CARD, "url": "https://trello.com/c/8IbESUR8",
        "remote_updated_at": datetime(2026, 6, 8, 16, 20, 5, 511000, tzinfo=UTC),
        "state": RecordState.active, "deleted_at": None,
        "title": "Capture from email, Slack, and Teams", "description": raw["desc"],
        "project_external_id": BOARD, "section": "Trello Starter Guide",
        "parent_external_id": None, "start_on": None, "due_on": None, "due_at": None,
        "completed_at": None, "estimate_hours": None, "estimate_from": None,
        "project_external_ids": [],
        "contact_external_id": None, "account_external_id": None, "deal_external_id": None}
    found = list(stored_urls(engine, task)[("task", SOURCE, IMAGE_CARD)].items())
    assert found[-1] == (download, LinkMethod.url_in_attachment)
    attachment_urls = [u for u, m in found if m is LinkMethod.url_in_attachment]
    assert attachment_urls == [download]  # previews are not links
    described = {u for u, m in found if m is LinkMethod.url_in_description}
    assert "https://support.atlassian.com/trello/docs/creating-cards-by-email/" in described
    assert "https://www.loom.com/share/5893d52dac36450f8e1f1190d8e92282" in described


def test_link_attachments_are_link_target_urls(engine: Engine) -> None:
    """Each URL counts once per card: the sample attaches docs.nango.dev twice."""
    raw = alpha_card()
    raw["attachments"] = sample("card_attachments_link.json")  # derived: `attachments=true`
    found = stored_urls(engine, map_card(raw, card_context()))[("task", SOURCE, ALPHA)]
    assert [u for u, m in found.items() if m is LinkMethod.url_in_attachment] == [
        "https://nango.dev", "https://docs.nango.dev"]


def trello_response(status: int, body: bytes, headers: dict[str, str]) -> requests.Response:
    """A response built by requests' own adapter from a raw urllib3 answer: what
    `BaseUrlSession.request` hands to `raise_for_status` and `TrelloApi._sorted` reads."""
    raw = urllib3.HTTPResponse(body=io.BytesIO(body), status=status, headers=headers,
                               preload_content=False, reason="Too Many Requests")
    request = requests.Request("GET", "https://api.trello.com/1/boards/b/cards").prepare()
    return HTTPAdapter().build_response(request, raw)


@pytest.mark.parametrize("name", ["error_429_API_TOKEN_LIMIT_EXCEEDED.documented.json",
                                  "error_429_API_KEY_LIMIT_EXCEEDED.documented.json"])
def test_documented_429_bodies_are_retriable_after_one_rate_window(name: str) -> None:
    """The documented 429s carry no Retry-After (MANIFEST): wait one 10 s window."""
    body = (SAMPLES / name).read_bytes()
    code = json.loads(body)["error"]
    api = TrelloApi(SOURCE, "https://api.trello.com/1", "key-0123456789", "token-abcdefgh",
                    5.0, CallPolicy(sleep=lambda _: None))
    response = trello_response(429, body, {"Content-Type": "application/json"})
    error = api._sorted("/boards/b/cards", response, None)
    assert type(error) is Retriable
    assert (error.status, error.rejected) == (429, True)
    assert error.retry_after_seconds == RATE_LIMIT_WINDOW_SECONDS
    assert str(error) == f"{SOURCE}: GET /boards/b/cards: HTTP 429 {code}"
    assert "Rate limit exceeded" not in str(error)  # status and code, never the body text
    with_header = trello_response(429, body, {"Retry-After": "3"})  # derived: header added
    again = api._sorted("/x", with_header, None)
    assert isinstance(again, Retriable) and again.retry_after_seconds == 3.0
