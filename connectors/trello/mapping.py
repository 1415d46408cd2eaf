"""Trello payloads → unified model: pure functions, tested on the recorded samples.

Trello facts the mapping rests on:

- `closed` never means deleted. A closed card, a card in a closed list and a
  card on a closed board are all `archived` work; a deleted card shows only as
  a `deleteCard` action (see `board_changes`).
- `due` is an instant (`2026-06-10T15:00:00.000Z`) → `Task.due_at`, never
  `due_on`. `start` is an instant too, but Trello's UI sets it as a day, so it
  becomes `start_on` (its UTC date).
- `dueComplete` is the only "done" flag and Trello keeps no completion time;
  `completed_at` is `dateLastActivity`, the closest thing recorded.
- Effort lives in the board's Custom Fields (definitions on the board, values in the
  card's `customFieldItems`, numbers as strings: `{"number": "4"}`), found by name as
  `connectors/effort.py` says, or in a label named like `8h`, `2.5h` or `90 min`
  (first such label wins) when no custom field holds a value. A configured
  `estimate_field` is the only field read, labels included.
- Trello never shows other members' emails, so identities carry none; people
  are matched by the `aliases` in baton.yaml.
- Cards are fetched with `attachments=true`, so `raw["attachments"]` is the
  card's attachment list as Trello sent it (links to Salesforce, Asana, Google
  live there). `description` stays exactly the card's `desc`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from connectors.effort import Estimate, FieldFacts, Kind, estimate, label_hours
from connectors.errors import RecordInvalid
from model import Identity, Project, RecordState, Task

OBJECT_ID = re.compile(r"^[0-9a-f]{24}$")
RELIST_ACTIONS = frozenset({"updateList", "moveListToBoard", "moveListFromBoard",
                            "createCustomField", "updateCustomField", "deleteCustomField"})
"""Actions without a card that still change cards: a renamed list changes every
card's section, a closed list archives its cards, a custom field added, renamed or
removed changes which one holds every card's effort."""


@dataclass(frozen=True)
class MapContext:
    source: str
    secrets: tuple[str, ...] = ()
    estimate_field: str | None = None


@dataclass(frozen=True)
class ListInfo:
    name: str
    closed: bool


@dataclass(frozen=True)
class CustomFieldInfo:
    """A board's custom field that can hold effort; `options` of a dropdown (`list`)
    field map option id -> its text."""

    facts: FieldFacts
    options: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CardContext(MapContext):
    """What a card needs from its board: its state, lists and custom fields."""

    board_closed: bool = False
    lists: Mapping[str, ListInfo] = field(default_factory=dict)
    custom_fields: Mapping[str, CustomFieldInfo] = field(default_factory=dict)


@dataclass
class BoardChanges:
    """What a run of board actions says about cards (see `board_changes`)."""

    changed: set[str] = field(default_factory=set)
    deleted: set[str] = field(default_factory=set)
    relist: bool = False


# -- helpers -------------------------------------------------------------------


def clean_raw(raw: dict[str, Any], secrets: Iterable[str]) -> dict[str, Any]:
    """The payload, minus any configured secret a URL in it might echo."""
    secrets = [s for s in secrets if s]
    text = json.dumps(raw)
    if not any(secret in text for secret in secrets):
        return raw
    for secret in secrets:
        text = text.replace(secret, "***")
    cleaned: dict[str, Any] = json.loads(text)
    return cleaned


def _text(raw: dict[str, Any], key: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value:
        raise RecordInvalid(f"{key} missing or not a string")
    return value


def _optional_text(raw: dict[str, Any], key: str) -> str | None:
    value = raw.get(key)
    if value is None or isinstance(value, str):
        return value or None
    raise RecordInvalid(f"{key} is not a string")


def parse_instant(value: Any, key: str) -> datetime | None:
    """Trello's `2026-06-08T16:20:03.475Z` as an aware UTC datetime."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise RecordInvalid(f"{key} is not a timestamp string")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise RecordInvalid(f"{key} is not an ISO 8601 timestamp") from None
    if parsed.tzinfo is None:
        raise RecordInvalid(f"{key} has no UTC offset")
    return parsed.astimezone(UTC)


def _start_on(value: Any) -> date | None:
    instant = parse_instant(value, "start")
    return instant.date() if instant else None


TRELLO_KINDS = {"number": Kind.number, "text": Kind.text, "list": Kind.text}
"""Custom field types that can hold effort (checkbox and date cannot)."""
LABEL_SOURCE = 'labels like "8h"'


def custom_field_infos(raw_fields: Iterable[Any]) -> dict[str, CustomFieldInfo]:
    """`/boards/{id}/customFields` -> field id -> what it is, in board order."""
    infos: dict[str, CustomFieldInfo] = {}
    for raw in raw_fields:
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
            continue
        kind, name = TRELLO_KINDS.get(str(raw.get("type"))), raw.get("name")
        if kind is None or not isinstance(name, str):
            continue
        options = {o["id"]: o["value"]["text"] for o in raw.get("options") or []
                   if isinstance(o, dict) and isinstance(o.get("id"), str)
                   and isinstance(o.get("value"), dict)
                   and isinstance(o["value"].get("text"), str)}
        infos[raw["id"]] = CustomFieldInfo(FieldFacts(name, kind), options)
    return infos


def _item_values(raw: dict[str, Any]) -> dict[str, Any]:
    """`customFieldItems` -> field id -> the item (a card has one per field at most)."""
    items = raw.get("customFieldItems") or []
    if not isinstance(items, list):
        raise RecordInvalid("customFieldItems is not a list")
    return {item["idCustomField"]: item for item in items
            if isinstance(item, dict) and isinstance(item.get("idCustomField"), str)}


def _item_value(item: Any, info: CustomFieldInfo) -> Any:
    """A number comes as `{"number": "4"}`, text as `{"text": ...}`, a dropdown choice
    as `idValue`; a field the card never filled in has no item at all."""
    if not isinstance(item, dict):
        return None
    if "idValue" in item:
        return info.options.get(str(item["idValue"]))
    value = item.get("value") if isinstance(item.get("value"), dict) else {}
    return value.get("number" if info.facts.kind is Kind.number else "text")


def label_estimate(labels: Any) -> float | None:
    """Hours from the first label named like `8h` / `2.5h` / `90 min`; None without one."""
    if not isinstance(labels, list):
        return None
    for label in labels:
        name = label.get("name") if isinstance(label, dict) else None
        hours = label_hours(name) if isinstance(name, str) else None
        if hours is not None:
            return hours
    return None


def card_estimate(raw: dict[str, Any], ctx: CardContext) -> Estimate:
    """Custom fields first; labels only when no field holds a value and none is
    configured."""
    items = _item_values(raw)
    found = estimate(((info.facts, _item_value(items.get(field_id), info))
                      for field_id, info in ctx.custom_fields.items()), ctx.estimate_field)
    if found.hours is not None or ctx.estimate_field is not None:
        return found
    hours = label_estimate(raw.get("labels"))
    return Estimate(hours, LABEL_SOURCE) if hours is not None else found


def card_member_ids(raw: dict[str, Any]) -> list[str]:
    """`idMembers`: a card's assignees (Trello cards can have several)."""
    members = raw.get("idMembers", [])
    if not isinstance(members, list) or not all(isinstance(m, str) for m in members):
        raise RecordInvalid("idMembers is not a list of member ids")
    return list(members)


# -- records ---------------------------------------------------------------------


def card_state(raw: dict[str, Any], ctx: CardContext) -> RecordState:
    """Archived beats completed: a closed card that was done is off the board."""
    trello_list = ctx.lists.get(str(raw.get("idList")))
    if raw.get("closed") is True or ctx.board_closed or (trello_list and trello_list.closed):
        return RecordState.archived
    if raw.get("dueComplete") is True:
        return RecordState.completed
    return RecordState.active


def map_card(raw: dict[str, Any], ctx: CardContext) -> Task:
    """A card → Task (assignees come separately from `card_member_ids`)."""
    card_id = _text(raw, "id")
    last_activity = parse_instant(raw.get("dateLastActivity"), "dateLastActivity")
    state = card_state(raw, ctx)
    trello_list = ctx.lists.get(str(raw.get("idList")))
    card_member_ids(raw)  # validate now, so a bad card is quarantined whole
    effort = card_estimate(raw, ctx)
    return Task(
        source=ctx.source, external_id=card_id,
        url=_optional_text(raw, "shortUrl") or _optional_text(raw, "url"),
        raw=clean_raw(raw, ctx.secrets), remote_updated_at=last_activity, state=state,
        title=_text(raw, "name"), description=_optional_text(raw, "desc"),
        project_external_id=_optional_text(raw, "idBoard"),
        section=trello_list.name if trello_list else None,
        start_on=_start_on(raw.get("start")), due_at=parse_instant(raw.get("due"), "due"),
        completed_at=last_activity if raw.get("dueComplete") is True else None,
        estimate_hours=effort.hours, estimate_from=effort.source,
    )


def map_board(raw: dict[str, Any], ctx: MapContext) -> Project:
    """A board → Project; a closed board is archived (Trello keeps it)."""
    return Project(
        source=ctx.source, external_id=_text(raw, "id"), name=_text(raw, "name"),
        url=_optional_text(raw, "url") or _optional_text(raw, "shortUrl"),
        raw=clean_raw(raw, ctx.secrets),
        remote_updated_at=parse_instant(raw.get("dateLastActivity"), "dateLastActivity"),
        state=RecordState.archived if raw.get("closed") is True else RecordState.active,
    )


def map_member(raw: dict[str, Any], ctx: MapContext) -> Identity:
    """A board member → Identity, never with an email (Trello shows none)."""
    return Identity(
        source=ctx.source, external_id=_text(raw, "id"),
        username=_optional_text(raw, "username"),
        display_name=_optional_text(raw, "fullName"),
        active=True, raw=clean_raw(raw, ctx.secrets),
    )


def list_infos(raw_lists: Iterable[Any]) -> dict[str, ListInfo]:
    """`/boards/{id}/lists?filter=all` → list id → (name, closed)."""
    infos: dict[str, ListInfo] = {}
    for raw in raw_lists:
        if isinstance(raw, dict) and isinstance(raw.get("id"), str):
            infos[raw["id"]] = ListInfo(str(raw.get("name") or ""), raw.get("closed") is True)
    return infos


# -- actions ---------------------------------------------------------------------


def action_ids(actions: Iterable[Any]) -> list[str]:
    """The well-formed ids of a page of actions (a malformed one may lack its id)."""
    return [str(a["id"]).lower() for a in actions
            if isinstance(a, dict) and isinstance(a.get("id"), str)
            and OBJECT_ID.match(a["id"].lower())]


def board_changes(actions: Iterable[Any]) -> BoardChanges:
    """Which cards changed or were deleted, and whether the board must be re-listed.

    A deleted card's id is never reused, so a `deleteCard` wins over any other
    action on it. Closing or reopening the board, or any list change, touches
    every card on it at once: re-list.
    """
    changes = BoardChanges()
    for action in actions:
        if not isinstance(action, dict):
            continue
        kind, data = action.get("type"), action.get("data")
        data = data if isinstance(data, dict) else {}
        card = data.get("card")
        card_id = card.get("id") if isinstance(card, dict) else None
        old = data.get("old") if isinstance(data.get("old"), dict) else {}
        if isinstance(card_id, str) and card_id:
            (changes.deleted if kind == "deleteCard" else changes.changed).add(card_id)
        elif kind in RELIST_ACTIONS or (kind == "updateBoard" and "closed" in old):
            changes.relist = True
    changes.changed -= changes.deleted
    return changes
