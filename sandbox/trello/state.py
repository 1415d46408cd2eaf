"""The Trello replica's in-memory state and the builder API that mutates it.

Every mutation records the action Trello itself would log on the board, with
its `date` from the replica clock, and bumps `dateLastActivity` on the card and
board, because a connector's only view of deletions (and a cheap view of
changes) is `/boards/{id}/actions`:

- archiving a card (`closed=true`) is an `updateCard` with `data.old.closed`;
- closing a list is an `updateList`; its cards stay `closed: false` (archived
  work, not archived cards);
- deleting a card drops the card, its attachments and its earlier actions
  (the recorded sample has no `createCard` for its deleted cards) and leaves
  one `deleteCard` whose `data.card` has only `id`, `idShort` and `shortLink`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import datetime
from typing import Any, Final

from sandbox.knobs import Knobs
from sandbox.trello.ids import IdFactory, iso, short_link
from sandbox.trello.records import (
    Action,
    Attachment,
    Board,
    Card,
    CustomField,
    CustomFieldItem,
    CustomFieldOption,
    Label,
    Member,
    TrelloList,
)

FIRST_CARD_POS: Final = 140737488355328.0  # 2**47: a new card in an empty list (samples)
POS_STEP: Final = 16384.0
UNSET: Final[Any] = object()
CUSTOM_FIELD_TYPES: Final = frozenset({"checkbox", "date", "list", "number", "text"})
CARD_FIELDS: Final = {  # builder keyword -> (record attribute, API field name)
    "name": ("name", "name"), "desc": ("desc", "desc"), "due": ("due", "due"),
    "due_complete": ("due_complete", "dueComplete"), "start": ("start", "start"),
    "closed": ("closed", "closed"), "list_id": ("list_id", "idList"),
}


class TrelloState:
    """Members, boards, lists, labels, cards, attachments and the action log."""

    def __init__(self, knobs: Knobs | None = None, *, api_key: str = "sandbox-key",
                 token: str = "sandbox-token", owner_username: str = "sandboxowner",
                 owner_full_name: str = "Sandbox Owner", owner_email: str | None = None,
                 seed: str = "trello") -> None:
        self.knobs = knobs or Knobs()
        self.api_key = api_key
        self.token = token
        self.rate_limit_error = "API_TOKEN_LIMIT_EXCEEDED"  # or "API_KEY_LIMIT_EXCEEDED"
        self.lock = threading.RLock()
        self._ids = IdFactory(seed)
        self.organization_id = self._new_id()
        self.members: dict[str, Member] = {}
        self.boards: dict[str, Board] = {}
        self.lists: dict[str, TrelloList] = {}
        self.labels: dict[str, Label] = {}
        self.cards: dict[str, Card] = {}
        self.attachments: dict[str, Attachment] = {}
        self.custom_fields: dict[str, CustomField] = {}
        self.actions: list[Action] = []  # oldest first; the API answers newest first
        self.me_id = self.add_member(owner_username, owner_full_name)
        self.members[self.me_id].email = owner_email

    def now(self) -> datetime:
        return self.knobs.clock.now()

    def _new_id(self) -> str:
        return self._ids.next(self.now())

    # -- members and boards -------------------------------------------------

    def add_member(self, username: str, full_name: str) -> str:
        """A Trello member; other members' profiles never show an email."""
        with self.lock:
            member = Member(self._new_id(), username, full_name)
            self.members[member.id] = member
            return member.id

    def add_board(self, name: str, *, desc: str = "", closed: bool = False,
                  member_ids: Iterable[str] = (), by: str | None = None) -> str:
        """A board administered by its creator (default: the token owner)."""
        with self.lock:
            creator = by or self.me_id
            board_id = self._new_id()
            board = Board(board_id, name, desc, short_link(board_id))
            self.boards[board_id] = board
            board.admin_ids.add(creator)
            for member_id in [creator, *member_ids]:
                self.add_board_member(board_id, member_id)
            self._record("createBoard", board,
                         {"creationMethod": None, "board": self._board_ref(board)}, creator)
            if closed:
                self.set_board_closed(board_id, True, by=creator)
            return board_id

    def add_board_member(self, board_id: str, member_id: str) -> None:
        with self.lock:
            board = self.boards[board_id]
            if member_id not in board.memberships:
                board.memberships[member_id] = self._new_id()

    def set_board_closed(self, board_id: str, closed: bool, *, by: str | None = None) -> None:
        with self.lock:
            board = self.boards[board_id]
            if board.closed == closed:
                return
            old, board.closed = board.closed, closed
            board.date_closed = self.now() if closed else None
            data = {"board": {"closed": closed, **self._board_ref(board)},
                    "old": {"closed": old}}
            self._record("updateBoard", board, data, by)

    # -- lists and labels -----------------------------------------------------

    def add_list(self, board_id: str, name: str, *, closed: bool = False,
                 pos: float | None = None, by: str | None = None) -> str:
        with self.lock:
            board = self.boards[board_id]
            on_board = [lst.pos for lst in self.lists.values() if lst.board_id == board_id]
            position = pos if pos is not None else max(on_board, default=0.0) + POS_STEP
            trello_list = TrelloList(self._new_id(), board_id, name, position)
            self.lists[trello_list.id] = trello_list
            data = {"list": self._list_ref(trello_list), "board": self._board_ref(board)}
            self._record("createList", board, data, by)
            if closed:
                self.set_list_closed(trello_list.id, True, by=by)
            return trello_list.id

    def set_list_closed(self, list_id: str, closed: bool, *, by: str | None = None) -> None:
        """Archive (or restore) a list; its cards keep `closed: false`."""
        with self.lock:
            trello_list = self.lists[list_id]
            if trello_list.closed == closed:
                return
            old, trello_list.closed = trello_list.closed, closed
            board = self.boards[trello_list.board_id]
            data = {"list": {"closed": closed, **self._list_ref(trello_list)},
                    "old": {"closed": old}, "board": self._board_ref(board)}
            self._record("updateList", board, data, by)

    def rename_list(self, list_id: str, name: str, *, by: str | None = None) -> None:
        """Rename a list: an `updateList` action; its cards' payloads do not change."""
        with self.lock:
            trello_list = self.lists[list_id]
            old, trello_list.name = trello_list.name, name
            board = self.boards[trello_list.board_id]
            data = {"list": self._list_ref(trello_list), "old": {"name": old},
                    "board": self._board_ref(board)}
            self._record("updateList", board, data, by)

    def add_label(self, board_id: str, name: str, color: str | None) -> str:
        with self.lock:
            label = Label(self._new_id(), board_id, name, color)
            self.labels[label.id] = label
            return label.id

    # -- cards -------------------------------------------------------------------

    def add_card(self, list_id: str, name: str, *, desc: str = "",
                 due: datetime | None = None, due_complete: bool = False,
                 start: datetime | None = None, member_ids: Iterable[str] = (),
                 label_ids: Iterable[str] = (), by: str | None = None) -> str:
        """A card at the bottom of `list_id`, logged as `createCard`."""
        with self.lock:
            trello_list = self.lists[list_id]
            board = self.boards[trello_list.board_id]
            in_list = [c.pos for c in self.cards.values() if c.list_id == list_id]
            pos = max(in_list) + POS_STEP if in_list else FIRST_CARD_POS
            card_id = self._new_id()
            card = Card(card_id, board.id, list_id, board.next_id_short, short_link(card_id),
                        name, desc, pos, self.now(), due=due, due_complete=due_complete,
                        start=start, member_ids=list(member_ids), label_ids=list(label_ids))
            board.next_id_short += 1
            self.cards[card_id] = card
            data = {"card": self._card_ref(card), "list": self._list_ref(trello_list),
                    "board": self._board_ref(board)}
            self._record("createCard", board, data, by, card_id=card_id)
            return card_id

    def update_card(self, card_id: str, *, name: Any = UNSET, desc: Any = UNSET,
                    due: Any = UNSET, due_complete: Any = UNSET, start: Any = UNSET,
                    closed: Any = UNSET, list_id: Any = UNSET, by: str | None = None) -> None:
        """Change card fields; like Trello, each changed field is its own `updateCard`."""
        changes = {"name": name, "desc": desc, "due": due, "due_complete": due_complete,
                   "start": start, "closed": closed, "list_id": list_id}
        with self.lock:
            card = self.cards[card_id]
            for keyword, value in changes.items():
                attribute, field = CARD_FIELDS[keyword]
                old = getattr(card, attribute)
                if value is UNSET or value == old:
                    continue
                setattr(card, attribute, value)
                card.date_last_activity = self.now()
                self._record("updateCard", self.boards[card.board_id],
                             self._update_data(card, field, old, value), by, card_id=card.id)

    def move_card(self, card_id: str, list_id: str, *, by: str | None = None) -> None:
        self.update_card(card_id, list_id=list_id, by=by)

    def archive_card(self, card_id: str, *, by: str | None = None) -> None:
        self.update_card(card_id, closed=True, by=by)

    def add_member_to_card(self, card_id: str, member_id: str, *, by: str | None = None) -> None:
        self._change_card_member(card_id, member_id, joined=True, by=by)

    def remove_member_from_card(self, card_id: str, member_id: str, *,
                                by: str | None = None) -> None:
        self._change_card_member(card_id, member_id, joined=False, by=by)

    def add_attachment(self, card_id: str, name: str, url: str, *, mime_type: str = "",
                       by: str | None = None) -> str:
        """A link attachment (what a URL pasted on a card becomes)."""
        with self.lock:
            card = self.cards[card_id]
            on_card = [a.pos for a in self.attachments.values() if a.card_id == card_id]
            pos = max(on_card) + POS_STEP if on_card else FIRST_CARD_POS
            attachment = Attachment(self._new_id(), card_id, by or self.me_id, name, url,
                                    mime_type, self.now(), pos)
            self.attachments[attachment.id] = attachment
            card.date_last_activity = self.now()
            data = {"attachment": {"id": attachment.id, "name": name, "url": url},
                    "card": self._card_ref(card),
                    "list": self._list_ref(self.lists[card.list_id]),
                    "board": self._board_ref(self.boards[card.board_id])}
            self._record("addAttachmentToCard", self.boards[card.board_id], data, by,
                         card_id=card_id)
            return attachment.id

    def delete_card(self, card_id: str, *, by: str | None = None) -> None:
        """Remove a card for good: only a `deleteCard` action is left to tell."""
        with self.lock:
            card = self.cards.pop(card_id)
            self.attachments = {k: a for k, a in self.attachments.items()
                                if a.card_id != card_id}
            self.actions = [a for a in self.actions if a.card_id != card_id]
            data = {"card": {"id": card.id, "idShort": card.id_short,
                             "shortLink": card.short_link},
                    "list": self._list_ref(self.lists[card.list_id]),
                    "board": self._board_ref(self.boards[card.board_id])}
            self._record("deleteCard", self.boards[card.board_id], data, by)

    # -- custom fields ---------------------------------------------------------------

    def add_custom_field(self, board_id: str, name: str, type: str, *,
                         options: Iterable[str] = (), card_front: bool = True,
                         by: str | None = None) -> str:
        """A Custom Field on a board; a `list` field's `options` are its choices' texts."""
        choices = list(options)
        if type not in CUSTOM_FIELD_TYPES or bool(choices) != (type == "list"):
            raise ValueError(f"type {type!r} (one of {sorted(CUSTOM_FIELD_TYPES)}); "
                             "options are for list fields only, and they need some")
        with self.lock:
            board = self.boards[board_id]
            on_board = [f.pos for f in self.custom_fields.values() if f.board_id == board_id]
            custom_field = CustomField(self._new_id(), board_id, name, type,
                                       max(on_board, default=0.0) + POS_STEP, card_front)
            custom_field.options = [CustomFieldOption(self._new_id(), text, n * POS_STEP)
                                    for n, text in enumerate(choices, start=1)]
            self.custom_fields[custom_field.id] = custom_field
            self._record("createCustomField", board, {
                "customField": self._field_ref(custom_field), "board": self._board_ref(board)},
                by)
            return custom_field.id

    def rename_custom_field(self, field_id: str, name: str, *, by: str | None = None) -> None:
        """Renaming changes what every card's value means, yet logs no card action."""
        with self.lock:
            custom_field = self.custom_fields[field_id]
            old, custom_field.name = custom_field.name, name
            board = self.boards[custom_field.board_id]
            self._record("updateCustomField", board, {
                "customField": self._field_ref(custom_field), "old": {"name": old},
                "board": self._board_ref(board)}, by)

    def set_custom_field_item(self, card_id: str, field_id: str, value: Any, *,
                              by: str | None = None) -> None:
        """Set a card's value (None clears it), logged as `updateCustomFieldItem`. Trello
        keeps numbers as strings ("2.5"), checkboxes as "true"/"false", a list choice as
        `idValue` (given here by its text or id)."""
        with self.lock:
            card, custom_field = self.cards[card_id], self.custom_fields[field_id]
            if custom_field.board_id != card.board_id:
                raise ValueError("the custom field is on another board")
            old = card.custom_items.pop(field_id, None)
            if value is not None:
                item_id = old.id if old else self._new_id()
                card.custom_items[field_id] = custom_item(custom_field, item_id, value)
            card.date_last_activity = self.now()
            item = card.custom_items.get(field_id) or old
            data = {"card": self._card_ref(card),
                    "board": self._board_ref(self.boards[card.board_id]),
                    "customField": self._field_ref(custom_field),
                    "customFieldItem": {"id": item.id if item else None,
                                        "idCustomField": field_id, "idModel": card.id,
                                        "modelType": "card"},
                    "old": {"value": old.value if old else None}}
            self._record("updateCustomFieldItem", self.boards[card.board_id], data, by,
                         card_id=card_id)

    # -- helpers -------------------------------------------------------------------

    def _change_card_member(self, card_id: str, member_id: str, *, joined: bool,
                            by: str | None) -> None:
        with self.lock:
            card = self.cards[card_id]
            if (member_id in card.member_ids) == joined:
                return
            if joined:
                card.member_ids.append(member_id)
            else:
                card.member_ids.remove(member_id)
            card.date_last_activity = self.now()
            member = self.members[member_id]
            data = {"board": self._board_ref(self.boards[card.board_id]),
                    "card": self._card_ref(card), "idMember": member_id,
                    "member": {"id": member_id, "name": member.full_name},
                    "list": self._list_ref(self.lists[card.list_id])}
            kind = "addMemberToCard" if joined else "removeMemberFromCard"
            self._record(kind, self.boards[card.board_id], data, by, card_id=card_id,
                         member_id=member_id)

    def _update_data(self, card: Card, field: str, old: Any, new: Any) -> dict[str, Any]:
        """`updateCard` data as Trello writes it: a move names both lists, not `list`."""
        board_ref = self._board_ref(self.boards[card.board_id])
        as_json = iso if isinstance(new, datetime) or isinstance(old, datetime) else None
        old_value, new_value = (as_json(old), as_json(new)) if as_json else (old, new)
        card_ref = {field: new_value, **self._card_ref(card)}
        data: dict[str, Any] = {"old": {field: old_value}, "card": card_ref, "board": board_ref}
        if field == "idList":
            data["listBefore"] = self._list_ref(self.lists[old])
            data["listAfter"] = self._list_ref(self.lists[new])
        else:
            data["list"] = self._list_ref(self.lists[card.list_id])
        return data

    def _record(self, kind: str, board: Board, data: dict[str, Any], by: str | None, *,
                card_id: str | None = None, member_id: str | None = None) -> None:
        now = self.now()
        self.actions.append(Action(self._new_id(), kind, now, board.id, by or self.me_id,
                                   data, card_id, member_id))
        if kind != "createBoard":  # a board nobody touched keeps dateLastActivity null
            board.date_last_activity = now

    @staticmethod
    def _board_ref(board: Board) -> dict[str, Any]:
        return {"id": board.id, "name": board.name, "shortLink": board.short_link}

    @staticmethod
    def _list_ref(trello_list: TrelloList) -> dict[str, Any]:
        return {"id": trello_list.id, "name": trello_list.name}

    @staticmethod
    def _field_ref(custom_field: CustomField) -> dict[str, Any]:
        return {"id": custom_field.id, "name": custom_field.name, "type": custom_field.type}

    @staticmethod
    def _card_ref(card: Card) -> dict[str, Any]:
        return {"id": card.id, "name": card.name, "idShort": card.id_short,
                "shortLink": card.short_link}


def custom_item(custom_field: CustomField, item_id: str, value: Any) -> CustomFieldItem:
    """A value in Trello's stored form; a value that does not fit the type is a
    ValueError (Trello answers 400)."""
    kind = custom_field.type
    if kind == "list":
        option = next((o for o in custom_field.options if value in (o.id, o.text)), None)
        if option is None:
            raise ValueError(f"{value!r} is not an option of {custom_field.name!r}")
        return CustomFieldItem(item_id, custom_field.id, id_value=option.id)
    if kind == "number" and not isinstance(value, bool) and isinstance(value, int | float | str):
        number = float(value)  # a numeric string is accepted, as by the API
        text = str(int(number)) if number.is_integer() else repr(number)
        return CustomFieldItem(item_id, custom_field.id, {"number": text})
    if kind == "checkbox" and isinstance(value, bool):
        return CustomFieldItem(item_id, custom_field.id, {"checked": str(value).lower()})
    if kind == "date" and isinstance(value, datetime):
        return CustomFieldItem(item_id, custom_field.id, {"date": iso(value)})
    if kind == "text" and isinstance(value, str):
        return CustomFieldItem(item_id, custom_field.id, {"text": value})
    raise ValueError(f"{value!r} does not fit the {kind} field {custom_field.name!r}")
