"""Effort found without configuration, end to end: the real SDKs over HTTP against the replicas.

An organisation with other habits than the sample one: Asana projects each with their
own effort field (hours, days, Asana's time-tracking estimate in minutes, a text field,
a dropdown), next to fields that must not count (story points, hours spent); a Trello
board with number, text and dropdown Custom Fields, labels, and a checkbox. Changes
made in the tools reach the next incremental pull.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from connectors.asana import AsanaConnector
from connectors.batch import Batch
from connectors.policy import CallPolicy
from connectors.trello import TrelloConnector
from model import Task
from sandbox.asana import AsanaState
from sandbox.asana import create_app as asana_app
from sandbox.knobs import Clock, Knobs
from sandbox.server import running
from sandbox.trello import TrelloState
from sandbox.trello import create_app as trello_app

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
ASANA_TOKEN = "0/effort-test-pat"
KEY, TOKEN = "effort-test-key-0123456789", "effort-test-token-abcdefghij"
DUE = date(2026, 3, 20)
MINUTES = "Time estimate \u2013 minutes"  # with an en dash, as people type it


def tasks(batches: list[Batch]) -> dict[str, Task]:
    return {r.title: r for b in batches for r in b.records if isinstance(r, Task)}


def cursors(batches: list[Batch]) -> dict[str, str | None]:
    return {b.stream: b.cursor for b in batches if b.cursor is not None}


# -- Asana --------------------------------------------------------------------------------


@dataclass
class Workspace:
    state: AsanaState
    base_url: str
    ws: str
    fields: dict[str, str]

    def pull(self, estimate_field: str | None = None,
             since: dict[str, str | None] | None = None) -> list[Batch]:
        connector = AsanaConnector("asana-other", self.base_url, ASANA_TOKEN, self.ws,
                                   estimate_field=estimate_field, clock=self.state.now,
                                   policy=CallPolicy(sleep=lambda _: None))
        return list(connector.pull("tasks", since or {}, False))


@pytest.fixture
def asana() -> Iterator[Workspace]:
    state = AsanaState(Knobs(clock=Clock(NOW)))
    ws = state.add_workspace("other.example").gid
    state.add_user("Owner", "owner@other.example", workspaces=[ws], token=ASANA_TOKEN)
    add = state.add_custom_field
    fields = {
        "points": add(ws, "Story points").gid,
        "spent": add(ws, "Hours spent", precision=1).gid,
        "hours": add(ws, "Estimate (h)", precision=1).gid,
        "days": add(ws, "Effort [days]", precision=1).gid,
        "tracked": add(ws, "Estimated time", format="duration").gid,
        "text": add(ws, "Estimate", subtype="text").gid,
        "choice": add(ws, "Sizing", subtype="enum", description="Effort estimate",
                      enum_options=["2h", "1 day", "XL"]).gid,
        "labelled": add(ws, "Effort", format="custom", custom_label="days").gid,
    }
    projects = {
        "hours": ["points", "spent", "hours"], "days": ["points", "days"],
        "tracked": ["tracked", "spent"], "text": ["text"], "choice": ["choice"],
        "labelled": ["labelled"],
    }
    gids = {key: state.add_project(ws, key, custom_fields=[fields[f] for f in names]).gid
            for key, names in projects.items()}
    given: list[tuple[str, str, dict[str, Any]]] = [
        ("hours", "h", {"points": 8, "spent": 1.5, "hours": 4}),
        ("hours", "h empty", {"points": 8, "spent": 1.5}),
        ("days", "d", {"points": 3, "days": 1.5}),
        ("tracked", "tt", {"tracked": 90, "spent": 9}),
        ("text", "t min", {"text": "90 min"}), ("text", "t comma", {"text": "2,5h"}),
        ("text", "t bare", {"text": "3"}), ("text", "t tbd", {"text": "TBD"}),
        ("choice", "c day", {"choice": "1 day"}), ("choice", "c xl", {"choice": "XL"}),
        ("labelled", "l", {"labelled": 5}),
    ]
    for project, title, values in given:
        state.add_task(title, projects=[gids[project]], due_on=DUE,
                       custom_values={fields[k]: v for k, v in values.items()})
    state.knobs.clock.advance(timedelta(minutes=5))
    with running(asana_app(state)) as server:
        yield Workspace(state, server.base_url + "/api/1.0", ws, fields)


def test_asana_finds_each_projects_effort_field_and_unit(asana: Workspace) -> None:
    found = {title: (t.estimate_hours, t.estimate_from) for title, t in
             tasks(asana.pull()).items()}
    assert found == {
        "h": (4.0, '"Estimate (h)" (hours)'),
        "h empty": (None, '"Estimate (h)" (hours)'),
        "d": (12.0, '"Effort [days]" (days)'),
        "tt": (1.5, '"Estimated time" (minutes)'),
        "t min": (1.5, '"Estimate" (hours)'), "t comma": (2.5, '"Estimate" (hours)'),
        "t bare": (3.0, '"Estimate" (hours)'), "t tbd": (None, '"Estimate" (hours)'),
        "c day": (8.0, '"Sizing" (hours)'), "c xl": (None, '"Sizing" (hours)'),
        "l": (40.0, '"Effort" (days)'),
    }


def test_asana_configured_field_wins_over_detection(asana: Workspace) -> None:
    found = tasks(asana.pull(estimate_field="story points"))
    assert (found["h"].estimate_hours, found["h"].estimate_from) == (
        8.0, '"Story points" (hours)')
    assert (found["tt"].estimate_hours, found["tt"].estimate_from) == (None, None)


def test_asana_a_changed_estimate_arrives_incrementally(asana: Workspace) -> None:
    first = asana.pull()
    task = tasks(first)["h empty"]
    asana.state.update_task(task.external_id, custom_values={asana.fields["hours"]: 6})
    asana.state.knobs.clock.advance(timedelta(minutes=5))
    again = tasks(asana.pull(since=cursors(first)))
    assert set(again) == {"h empty"} and again["h empty"].estimate_hours == 6.0


# -- Trello --------------------------------------------------------------------------------


@dataclass
class Board:
    state: TrelloState
    base_url: str
    board: str
    lists: dict[str, str]
    fields: dict[str, str]
    cards: dict[str, str]

    def pull(self, estimate_field: str | None = None,
             since: dict[str, str | None] | None = None) -> list[Batch]:
        connector = TrelloConnector("trello-other", self.base_url, KEY, TOKEN,
                                    estimate_field=estimate_field,
                                    policy=CallPolicy(sleep=lambda _: None))
        return list(connector.pull("cards", since or {}, False))

    def tick(self) -> None:
        self.state.knobs.clock.advance(timedelta(seconds=5))


@pytest.fixture
def trello() -> Iterator[Board]:
    state = TrelloState(api_key=KEY, token=TOKEN)
    state.knobs.clock.set(NOW)
    board = state.add_board("Studio")
    todo = state.add_list(board, "To do")
    fields = {
        "urgent": state.add_custom_field(board, "Urgent", "checkbox"),
        "points": state.add_custom_field(board, "Story points", "number"),
        "minutes": state.add_custom_field(board, MINUTES, "number"),
        "text": state.add_custom_field(board, "Est. hours", "text"),
        "choice": state.add_custom_field(board, "Effort [days]", "list",
                                         options=["0.5", "1", "2"]),
    }
    label = state.add_label(board, "2.5h", "blue")
    given: list[tuple[str, dict[str, Any], list[str]]] = [
        ("minutes", {"minutes": 45, "points": 5, "urgent": True}, []),
        ("text", {"text": "1h 30m"}, [label]),
        ("choice", {"choice": "0.5"}, []),
        ("label only", {"points": 3}, [label]),
        ("nothing", {}, []),
    ]
    cards = {}
    for title, values, labels in given:
        cards[title] = state.add_card(todo, title, label_ids=labels)
        for key, value in values.items():
            state.set_custom_field_item(cards[title], fields[key], value)
    with running(trello_app(state)) as server:
        yield Board(state, f"{server.base_url}/1", board, {"todo": todo}, fields, cards)


def test_trello_reads_board_custom_fields_then_labels(trello: Board) -> None:
    found = {title: (t.estimate_hours, t.estimate_from) for title, t in
             tasks(trello.pull()).items()}
    assert found == {
        "minutes": (0.75, f'"{MINUTES}" (minutes)'),
        "text": (1.5, '"Est. hours" (hours)'),
        "choice": (4.0, '"Effort [days]" (days)'),
        "label only": (2.5, 'labels like "8h"'),
        "nothing": (None, f'"{MINUTES}" (minutes)'),
    }


def test_trello_configured_field_wins_labels_included(trello: Board) -> None:
    found = tasks(trello.pull(estimate_field="Story points"))
    assert (found["minutes"].estimate_hours, found["label only"].estimate_hours) == (5.0, 3.0)
    assert found["text"].estimate_hours is None
    assert found["text"].estimate_from == '"Story points" (hours)'


def test_trello_value_changes_and_field_renames_reach_the_next_pull(trello: Board) -> None:
    first = trello.pull()
    trello.tick()
    trello.state.set_custom_field_item(trello.cards["nothing"], trello.fields["text"], "2 d")
    trello.state.set_custom_field_item(trello.cards["text"], trello.fields["text"], None)
    again = trello.pull(since=cursors(first))
    changed = tasks(again)
    assert set(changed) == {"nothing", "text"}  # fetched one by one: no re-listing
    assert changed["nothing"].estimate_hours == 16.0
    assert (changed["text"].estimate_hours, changed["text"].estimate_from) == (
        2.5, 'labels like "8h"')
    trello.tick()
    trello.state.rename_custom_field(trello.fields["points"], "Estimate (h)")
    relisted = trello.pull(since=cursors(again))
    assert relisted[-1].complete is not None, "a renamed field re-lists the board"
    assert tasks(relisted)["label only"].estimate_from == '"Estimate (h)" (hours)'
    assert tasks(relisted)["label only"].estimate_hours == 3.0
