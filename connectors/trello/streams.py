"""Trello's streams: members, boards, and cards partitioned per board.

| stream  | partition          | cursor               | deletions                    |
|---------|--------------------|----------------------|------------------------------|
| members | `members`          | none (re-listed)     | none (identities are kept)   |
| boards  | `boards`           | none (re-listed)     | complete listing (all mode)  |
| cards   | `cards:<board id>` | newest board action  | `deleteCard` actions, and    |
|         |                    | id seen              | complete listings            |

Cards, first sync or `full=True`: the newest action id is read FIRST (the
signpost), then lists and cards with `filter=all` are listed, and the last
batch carries that id and `complete=Scope("task", project=board)`. A change
made while listing has a newer action id, so the next run sees it again:
boundary rows may repeat, which upserts make harmless.

Each listing or re-fetch of a board's cards also reads its lists and its custom field
definitions (`/boards/{id}/customFields`): a card holds only the values.

Cards, incremental: `/boards/{id}/actions?since=<cursor>` (exclusive, newest
first, limit 1000, paged with `before`) → changed card ids are re-fetched one
by one, `deleteCard` ids become tombstones, and the cursor moves to the newest
action id of the first page. When a list or the board's `closed` changed, or
more than `MAX_CARD_FETCHES` cards did, the board is re-listed instead (a
complete listing, cheaper than many single fetches). A `since` the API
rejects is an expired cursor: that board is re-listed in full.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from connectors.batch import Batch, Quarantined, Scope
from connectors.errors import CursorExpired, RecordInvalid, SourceStopped
from connectors.listing import Listing, quarantine, text_id, vanished
from connectors.trello.client import TrelloApi
from connectors.trello.mapping import (
    CardContext,
    MapContext,
    action_ids,
    board_changes,
    card_member_ids,
    custom_field_infos,
    list_infos,
    map_board,
    map_card,
    map_member,
)
from model import Identity, SyncedRecord

STREAMS = ("members", "boards", "cards")
ACTIONS_PAGE = 1000  # Trello's maximum `limit` on actions
CARDS_PER_BATCH = 500
MAX_CARD_FETCHES = 25
NO_ACTIONS_YET = "0" * 24  # an ObjectId older than any action: `since` it means "all"
BOARD_FIELDS = "name,desc,closed,dateClosed,dateLastActivity,url,shortUrl,shortLink"
CARD_PARAMS = {"fields": "all", "attachments": "true", "customFieldItems": "true"}
ACTION_PARAMS = {"filter": "all", "fields": "id,type,date,data", "memberCreator": "false",
                 "member": "false"}


class BoardScope:
    """Which boards this source covers: the configured ids, or every board of the
    token's member (`filter=all`, so closed boards stay visible as archived)."""

    def __init__(self, api: TrelloApi, board_ids: Sequence[str]) -> None:
        self.api = api
        self.board_ids = list(board_ids)

    @property
    def lists_all(self) -> bool:
        return not self.board_ids

    def boards(self) -> tuple[list[Any], list[str]]:
        """(board payloads, configured board ids that no longer exist)."""
        if self.lists_all:
            return self.api.get_list("/members/me/boards",
                                     {"filter": "all", "fields": BOARD_FIELDS}), []
        found, gone = [], []
        for board_id in self.board_ids:
            board = self.api.get(f"/boards/{board_id}", {"fields": BOARD_FIELDS},
                                 missing_ok=True)
            if board is None:
                gone.append(board_id)
            else:
                found.append(board)
        return found, gone


class CallMeter:
    """API calls since the last batch, from `CallPolicy.calls` (retries included)."""

    def __init__(self, api: TrelloApi) -> None:
        self.api = api
        self.mark = api.policy.calls

    def take(self) -> int:
        calls, self.mark = self.api.policy.calls - self.mark, self.api.policy.calls
        return calls


def _quarantine(raw: Any, exc: RecordInvalid, api: TrelloApi) -> Quarantined:
    return quarantine(raw, text_id(raw, "id"), exc, api.scrub)


def pull_members(api: TrelloApi, scope: BoardScope, ctx: MapContext) -> Iterator[Batch]:
    """Every member of every board in scope, once, as identities (no email)."""
    meter = CallMeter(api)
    boards, _ = scope.boards()
    batch = Batch("members")
    seen: dict[str, Identity] = {}
    for board in boards:
        if not isinstance(board, dict) or not isinstance(board.get("id"), str):
            continue
        for raw in api.get_list(f"/boards/{board['id']}/members",
                                {"fields": "fullName,username"}):
            try:
                identity = map_member(raw, ctx) if isinstance(raw, dict) else None
            except RecordInvalid as exc:
                batch.quarantined.append(_quarantine(raw, exc, api))
                continue
            if identity is not None:
                seen.setdefault(identity.external_id, identity)
    batch.identities = list(seen.values())
    batch.api_calls = meter.take()
    yield batch


def pull_boards(api: TrelloApi, scope: BoardScope, ctx: MapContext) -> Iterator[Batch]:
    """Boards as projects. Listing all of the member's boards is complete, so a
    board that left it is tombstoned; a configured board that 404s is too."""
    meter = CallMeter(api)
    boards, gone = scope.boards()
    listing = Listing(Scope("project") if scope.lists_all else None)
    batch = Batch("boards", tombstones=[("project", board_id) for board_id in gone])
    for raw in boards:
        try:
            if not isinstance(raw, dict):
                raise RecordInvalid("board is not a JSON object")
            batch.records.append(map_board(raw, ctx))
        except RecordInvalid as exc:
            batch.quarantined.append(_quarantine(raw, exc, api))
    batch.api_calls = meter.take()
    yield listing.add(batch, last=True)


class CardPuller:
    """The cards stream: one partition (`cards:<board id>`) per board in scope."""

    def __init__(self, api: TrelloApi, scope: BoardScope, ctx: MapContext) -> None:
        self.api = api
        self.scope = scope
        self.ctx = ctx
        self.meter = CallMeter(api)

    def pull(self, cursors: Mapping[str, str | None], full: bool) -> Iterator[Batch]:
        payloads, gone = self.scope.boards()
        boards = [b for b in payloads if text_id(b, "id")]
        for board in boards:
            cursor = None if full else cursors.get(f"cards:{board['id']}")
            yield from self.board(board, cursor)
        if self.scope.lists_all:  # a board whose id cannot be read may be any of them
            gone = vanished(cursors, "cards:", [b["id"] for b in boards],
                            complete=len(boards) == len(payloads))
        for board_id in gone:
            yield self._gone(board_id)

    def board(self, board: dict[str, Any], cursor: str | None) -> Iterator[Batch]:
        if cursor is None:
            yield from self.full_listing(board, self.signpost(board["id"]))
            return
        try:
            actions = self.actions_since(board["id"], cursor)
        except CursorExpired:
            yield from self.full_listing(board, self.signpost(board["id"]))
            return
        yield from self.apply_actions(board, cursor, actions)

    def _gone(self, board_id: str) -> Batch:
        """A board that left the scope: its cards went with it (an empty complete
        listing). The cursor becomes None, so this happens once per board."""
        return Batch(f"cards:{board_id}", cursor=None, api_calls=self.meter.take(),
                     complete=Scope("task", (("project_external_id", board_id),)))

    def signpost(self, board_id: str) -> str:
        """The newest action id now, read before listing (never ahead of what is listed)."""
        newest = action_ids(self.api.get_list(f"/boards/{board_id}/actions",
                                              {**ACTION_PARAMS, "fields": "id", "limit": 1}))
        return newest[0] if newest else NO_ACTIONS_YET

    def actions_since(self, board_id: str, cursor: str) -> list[Any]:
        """Every action after `cursor`, newest first, following `before` to the end."""
        actions: list[Any] = []
        before: str | None = None
        while True:
            params: dict[str, str | int] = {**ACTION_PARAMS, "since": cursor,
                                            "limit": ACTIONS_PAGE}
            if before is not None:
                params["before"] = before
            page = self.api.get_list(f"/boards/{board_id}/actions", params,
                                     cursor_param="since")
            actions.extend(page)
            if len(page) < ACTIONS_PAGE:
                return actions
            ids = action_ids(page)
            if not ids or (before is not None and min(ids) >= before):
                raise SourceStopped(self.api.scrub(
                    f"{self.ctx.source}: actions of board {board_id} do not page "
                    f"(before={before})"), action="report this Trello paging loop")
            before = min(ids)

    def apply_actions(self, board: dict[str, Any], cursor: str, actions: list[Any]
                      ) -> Iterator[Batch]:
        stream = f"cards:{board['id']}"
        newest = max(action_ids(actions), default=cursor)
        changes = board_changes(actions)
        tombstones = [("task", card_id) for card_id in sorted(changes.deleted)]
        if changes.relist or len(changes.changed) > MAX_CARD_FETCHES:
            yield from self.full_listing(board, newest, tombstones)
            return
        batch = Batch(stream, tombstones=tombstones)
        if changes.changed:
            ctx = self.card_context(board)
            cards = [self.api.get(f"/cards/{card_id}", CARD_PARAMS, missing_ok=True)
                     for card_id in sorted(changes.changed)]
            self.map_cards(batch, [c for c in cards if c is not None], ctx)
        batch.cursor, batch.api_calls = newest, self.meter.take()
        yield batch

    def card_context(self, board: dict[str, Any]) -> CardContext:
        """The board's lists and its custom field definitions (cards carry only values)."""
        lists = self.api.get_list(f"/boards/{board['id']}/lists",
                                  {"filter": "all", "fields": "name,closed"})
        fields = self.api.get_list(f"/boards/{board['id']}/customFields")
        return CardContext(self.ctx.source, self.ctx.secrets, self.ctx.estimate_field,
                           board_closed=board.get("closed") is True, lists=list_infos(lists),
                           custom_fields=custom_field_infos(fields))

    def full_listing(self, board: dict[str, Any], signpost: str,
                     tombstones: Sequence[tuple[str, str]] = ()) -> Iterator[Batch]:
        """Lists and cards with `filter=all`; the last batch is the complete one —
        unless a card was quarantined (`connectors.listing`): then the listing
        deletes nothing; `deleteCard` actions still do."""
        ctx = self.card_context(board)
        cards = self.api.get_list(f"/boards/{board['id']}/cards", {**CARD_PARAMS,
                                                                   "filter": "all"})
        chunks = [cards[i:i + CARDS_PER_BATCH] for i in range(0, len(cards), CARDS_PER_BATCH)]
        listing = Listing(Scope("task", (("project_external_id", board["id"]),)))
        for number, chunk in enumerate(chunks or [[]], start=1):
            batch = Batch(f"cards:{board['id']}")
            self.map_cards(batch, chunk, ctx)
            last = number == max(len(chunks), 1)
            if last:
                batch.cursor, batch.tombstones = signpost, list(tombstones)
            batch.api_calls = self.meter.take()
            yield listing.add(batch, last=last)

    def map_cards(self, batch: Batch, cards: list[Any], ctx: CardContext) -> None:
        records: list[SyncedRecord] = batch.records
        for raw in cards:
            try:
                if not isinstance(raw, dict):
                    raise RecordInvalid("card is not a JSON object")
                task = map_card(raw, ctx)
            except RecordInvalid as exc:
                batch.quarantined.append(_quarantine(raw, exc, self.api))
                continue
            records.append(task)
            batch.assignees[task.external_id] = card_member_ids(raw)

