"""The records a Trello replica keeps: plain dataclasses, rendered by `render.py`.

Only what the API reveals is stored. A deleted card is not kept anywhere: as on
Trello, it survives only as the `deleteCard` action that recorded its removal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class Member:
    id: str
    username: str
    full_name: str
    email: str | None = None  # only the token owner's own profile shows one


@dataclass
class Board:
    id: str
    name: str
    desc: str
    short_link: str
    closed: bool = False
    date_closed: datetime | None = None
    date_last_activity: datetime | None = None  # null until something happens on it
    memberships: dict[str, str] = field(default_factory=dict)  # member id -> membership id
    admin_ids: set[str] = field(default_factory=set)
    next_id_short: int = 1


@dataclass
class TrelloList:
    id: str
    board_id: str
    name: str
    pos: float
    closed: bool = False


@dataclass
class Label:
    id: str
    board_id: str
    name: str
    color: str | None


@dataclass
class CustomFieldOption:
    id: str
    text: str
    pos: float
    color: str = "none"


@dataclass
class CustomField:
    """A board's Custom Field definition (type checkbox, date, list, number or text);
    cards hold only values (`Card.custom_items`)."""

    id: str
    board_id: str
    name: str
    type: str
    pos: float
    card_front: bool = True
    options: list[CustomFieldOption] = field(default_factory=list)


@dataclass
class CustomFieldItem:
    """One card's value of one field: `value` (`{"number": "4"}`, `{"text": ...}`,
    `{"checked": "true"}`, `{"date": ...}`) or, for a list field, `id_value`."""

    id: str
    field_id: str
    value: dict[str, str] | None = None
    id_value: str | None = None


@dataclass
class Card:
    id: str
    board_id: str
    list_id: str
    id_short: int
    short_link: str
    name: str
    desc: str
    pos: float
    date_last_activity: datetime
    closed: bool = False
    due: datetime | None = None
    due_complete: bool = False
    start: datetime | None = None
    member_ids: list[str] = field(default_factory=list)
    label_ids: list[str] = field(default_factory=list)
    custom_items: dict[str, CustomFieldItem] = field(default_factory=dict)  # by field id


@dataclass
class Attachment:
    id: str
    card_id: str
    member_id: str
    name: str
    url: str
    mime_type: str
    date: datetime
    pos: float


@dataclass
class Action:
    """One entry of a board's activity log; `data` is a snapshot taken when it happened,
    so later renames do not rewrite history (the samples show old names in old actions)."""

    id: str
    type: str
    date: datetime
    board_id: str
    member_creator_id: str
    data: dict[str, Any]
    card_id: str | None = None
    member_id: str | None = None  # the member an add/removeMemberToCard action is about
