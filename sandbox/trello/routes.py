"""The read-only subset of Trello's REST API that baton's connector calls, under `/1`.

Filters and defaults follow Trello: board cards default to `visible` (open
cards in open lists), `open` still includes cards of archived lists, lists
default to `open`, member boards to `all`; `fields` restricts every object
(`id` always stays); actions come newest first, `limit` 0..1000 (default 50),
`since`/`before` take an action id or a date.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import Response

from sandbox.trello.ids import OBJECT_ID, id_bound
from sandbox.trello.protocol import (
    NOT_FOUND,
    TrelloError,
    authorize,
    find,
    flag,
    int_param,
    json_response,
    list_response,
)
from sandbox.trello.records import Action, Board, Card, Member, TrelloList
from sandbox.trello.render import (
    action_json,
    attachment_json,
    board_full,
    card_full,
    custom_field_json,
    custom_items_json,
    list_full,
    member_full,
    select_fields,
)
from sandbox.trello.state import TrelloState

BOARD_DEFAULT_FIELDS = ("name,desc,descData,closed,idOrganization,pinned,url,shortUrl,prefs,"
                        "labelNames")
BOARD_MEMBER_DEFAULT_FIELDS = "fullName,username"
LIST_NOT_FOUND = "model not found"
CardTest = Callable[[Card, bool], bool]  # (card, is its list open) -> included
CARD_FILTERS: dict[str, CardTest] = {
    "all": lambda card, list_open: True,
    "open": lambda card, list_open: not card.closed,
    "closed": lambda card, list_open: card.closed,
    "visible": lambda card, list_open: not card.closed and list_open,
    "none": lambda card, list_open: False,
    "complete": lambda card, list_open: not card.closed and card.due_complete,
    "incomplete": lambda card, list_open: not card.closed and not card.due_complete,
}
LIST_FILTERS: dict[str, Callable[[TrelloList], bool]] = {
    "all": lambda lst: True, "open": lambda lst: not lst.closed,
    "closed": lambda lst: lst.closed, "none": lambda lst: False,
}
BOARD_FILTERS: dict[str, Callable[[Board], bool]] = {
    "all": lambda b: True, "open": lambda b: not b.closed, "closed": lambda b: b.closed,
    "members": lambda b: True, "organization": lambda b: True,
    "public": lambda b: False, "starred": lambda b: False,
}


def find_member(state: TrelloState, ref: str) -> Member:
    """`me`, a member id, or a username."""
    if ref == "me":
        return state.members[state.me_id]
    if OBJECT_ID.match(ref):
        member = state.members.get(ref.lower())
    else:
        member = next((m for m in state.members.values() if m.username == ref), None)
    if member is None:
        raise TrelloError(404, NOT_FOUND)
    return member


def choose(filters: dict[str, Callable[..., bool]], value: str) -> Callable[..., bool]:
    """One filter or a comma list of them (any may match), or Trello's 400."""
    tests = [filters.get(name) for name in value.split(",")]
    if any(test is None for test in tests):
        raise TrelloError(400, "invalid value for filter")
    return lambda *record: any(test(*record) for test in tests if test)


def board_cards(state: TrelloState, board: Board, which: str) -> list[Card]:
    test = choose(CARD_FILTERS, which)
    cards = [c for c in state.cards.values()
             if c.board_id == board.id and test(c, not state.lists[c.list_id].closed)]
    return sorted(cards, key=lambda c: (state.lists[c.list_id].pos, c.pos))


def card_payload(state: TrelloState, request: Request, card: Card,
                 fields_param: str = "fields") -> dict[str, Any]:
    """A card restricted to `fields`, plus the nested extras Trello adds on request."""
    body = select_fields(card_full(state, card), request.query_params.get(fields_param))
    if flag(request, "attachments", False):
        body["attachments"] = [attachment_json(a) for a in state.attachments.values()
                               if a.card_id == card.id]
    if flag(request, "customFieldItems", False):
        body["customFieldItems"] = custom_items_json(state, card)
    return body


def list_payload(state: TrelloState, request: Request, trello_list: TrelloList
                 ) -> dict[str, Any]:
    body = select_fields(list_full(trello_list), request.query_params.get("fields"))
    cards_filter = request.query_params.get("cards", "none")
    if cards_filter != "none":
        board = state.boards[trello_list.board_id]
        body["cards"] = [card_payload(state, request, c, "card_fields")
                         for c in board_cards(state, board, cards_filter)
                         if c.list_id == trello_list.id]
    return body


def matches_type(action: Action, types: set[str]) -> bool:
    """`all`, a type (`updateCard`), or a type:field (`updateCard:closed`)."""
    if "all" in types or action.type in types:
        return True
    return any(f"{action.type}:{name}" in types for name in action.data.get("old", {}))


def bound(request: Request, name: str) -> str | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    value = id_bound(raw)
    if value is None:
        raise TrelloError(400, f"invalid value for {name}")
    return value


def board_actions(state: TrelloState, request: Request, board: Board) -> list[dict[str, Any]]:
    """Newest first; `since`/`before` compare ObjectIds (a date becomes its second's id)."""
    types = set(request.query_params.get("filter", "all").split(","))
    limit = int_param(request, "limit", 50, 1000)
    page = int_param(request, "page", 0, 1_000_000)
    since, before = bound(request, "since"), bound(request, "before")
    chosen = [a for a in reversed(state.actions)
              if a.board_id == board.id and matches_type(a, types)
              and (since is None or a.id > since) and (before is None or a.id < before)]
    page_of_actions = chosen[page * limit:(page + 1) * limit]
    return [action_payload(state, request, action) for action in page_of_actions]


def action_payload(state: TrelloState, request: Request, action: Action) -> dict[str, Any]:
    """`fields` restricts the action; `memberCreator`/`member` are nested resources."""
    full = action_json(state, action, with_creator=flag(request, "memberCreator", True),
                       with_member=flag(request, "member", True))
    nested = {key: full.pop(key) for key in ("memberCreator", "member") if key in full}
    return {**select_fields(full, request.query_params.get("fields")), **nested}


def api_router(state: TrelloState) -> APIRouter:
    """Every route authenticates first, so a bad key or token is a 401 everywhere."""

    def authenticated(request: Request) -> None:
        authorize(state, request)

    router = APIRouter(prefix="/1", dependencies=[Depends(authenticated)])
    add_member_routes(router, state)
    add_board_routes(router, state)
    add_card_routes(router, state)
    add_list_routes(router, state)
    return router


def add_member_routes(router: APIRouter, state: TrelloState) -> None:
    @router.get("/members/{member_ref}")
    def get_member(member_ref: str, request: Request) -> Response:
        with state.lock:
            member = find_member(state, member_ref)
            return json_response(select_fields(member_full(state, member),
                                               request.query_params.get("fields")))

    @router.get("/members/{member_ref}/boards")
    def member_boards(member_ref: str, request: Request) -> Response:
        with state.lock:
            member = find_member(state, member_ref)
            test = choose(BOARD_FILTERS, request.query_params.get("filter", "all"))
            boards = sorted((b for b in state.boards.values()
                             if member.id in b.memberships and test(b)),
                            key=lambda b: b.name.lower())
            fields = request.query_params.get("fields")
            return list_response(state, request,
                                 [select_fields(board_full(state, b), fields) for b in boards])


def add_board_routes(router: APIRouter, state: TrelloState) -> None:
    @router.get("/boards/{board_ref}")
    def get_board(board_ref: str, request: Request) -> Response:
        with state.lock:
            board = find(state.boards, board_ref)
            return json_response(select_fields(board_full(state, board),
                                               request.query_params.get("fields"),
                                               BOARD_DEFAULT_FIELDS))

    @router.get("/boards/{board_ref}/lists")
    def board_lists(board_ref: str, request: Request) -> Response:
        return lists_of(board_ref, request.query_params.get("filter", "open"), request)

    @router.get("/boards/{board_ref}/lists/{list_filter}")
    def board_lists_filtered(board_ref: str, list_filter: str, request: Request) -> Response:
        return lists_of(board_ref, list_filter, request)

    def lists_of(board_ref: str, list_filter: str, request: Request) -> Response:
        with state.lock:
            board = find(state.boards, board_ref)
            test = choose(LIST_FILTERS, list_filter)
            lists = sorted((lst for lst in state.lists.values()
                            if lst.board_id == board.id and test(lst)), key=lambda lst: lst.pos)
            return list_response(state, request,
                                 [list_payload(state, request, lst) for lst in lists])

    @router.get("/boards/{board_ref}/cards")
    def cards_of_board(board_ref: str, request: Request) -> Response:
        return cards_of(board_ref, request.query_params.get("filter", "visible"), request)

    @router.get("/boards/{board_ref}/cards/{filter_or_card}")
    def card_or_filter(board_ref: str, filter_or_card: str, request: Request) -> Response:
        """Trello overloads this path: a filter name, or the id of a card on the board."""
        if filter_or_card in CARD_FILTERS:
            return cards_of(board_ref, filter_or_card, request)
        with state.lock:
            board = find(state.boards, board_ref)
            card = find(state.cards, filter_or_card)
            if card.board_id != board.id:
                raise TrelloError(404, NOT_FOUND)
            return json_response(card_payload(state, request, card))

    def cards_of(board_ref: str, card_filter: str, request: Request) -> Response:
        with state.lock:
            board = find(state.boards, board_ref)
            cards = board_cards(state, board, card_filter)
            return list_response(state, request,
                                 [card_payload(state, request, c) for c in cards])

    @router.get("/boards/{board_ref}/members")
    def board_members(board_ref: str, request: Request) -> Response:
        with state.lock:
            board = find(state.boards, board_ref)
            which = request.query_params.get("filter", "all")
            ids = [m for m in board.memberships
                   if (which in ("all", "normal") and m not in board.admin_ids)
                   or (which in ("all", "admins", "owners") and m in board.admin_ids)]
            fields = request.query_params.get("fields")
            return list_response(state, request, [
                select_fields(member_full(state, state.members[m]) | {"email": None}, fields,
                              BOARD_MEMBER_DEFAULT_FIELDS) for m in ids])

    @router.get("/boards/{board_ref}/customFields")
    def custom_fields_of_board(board_ref: str, request: Request) -> Response:
        with state.lock:
            board = find(state.boards, board_ref)
            fields = sorted((f for f in state.custom_fields.values() if f.board_id == board.id),
                            key=lambda f: f.pos)
            return list_response(state, request, [custom_field_json(f) for f in fields])

    @router.get("/boards/{board_ref}/actions")
    def actions_of_board(board_ref: str, request: Request) -> Response:
        with state.lock:
            board = find(state.boards, board_ref)
            return list_response(state, request, board_actions(state, request, board))


def add_card_routes(router: APIRouter, state: TrelloState) -> None:
    @router.get("/cards/{card_ref}")
    def get_card(card_ref: str, request: Request) -> Response:
        with state.lock:
            return json_response(card_payload(state, request, find(state.cards, card_ref)))

    @router.get("/cards/{card_ref}/customFieldItems")
    def card_custom_items(card_ref: str, request: Request) -> Response:
        with state.lock:
            card = find(state.cards, card_ref)
            return list_response(state, request, custom_items_json(state, card))

    @router.get("/cards/{card_ref}/attachments")
    def card_attachments(card_ref: str, request: Request) -> Response:
        """Link attachments are never covers, so `filter=cover` finds none."""
        with state.lock:
            card = find(state.cards, card_ref)
            covers_only = request.query_params.get("filter", "false") == "cover"
            attachments = [] if covers_only else sorted(
                (a for a in state.attachments.values() if a.card_id == card.id),
                key=lambda a: a.pos)
            fields = request.query_params.get("fields")
            return list_response(state, request,
                                 [select_fields(attachment_json(a), fields) for a in attachments])


def add_list_routes(router: APIRouter, state: TrelloState) -> None:
    @router.get("/lists/{list_id}")
    def get_list(list_id: str, request: Request) -> Response:
        """py-trello's `get_card` reads the card's list here."""
        with state.lock:
            trello_list = find(state.lists, list_id, missing=LIST_NOT_FOUND)
            return json_response(select_fields(list_full(trello_list),
                                               request.query_params.get("fields")))
