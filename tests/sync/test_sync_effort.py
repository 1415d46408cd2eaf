"""Effort as sync stores it, against the sample organisation's replicas.

The sample organisation keeps its habits (Asana "Estimated hours", Trello labels like
"3h"); a Custom Field added to the Trello board later wins over the label, and when it
is renamed into something that is no estimate the label counts again. The card itself
never changed, so the stored task must be updated for its effort alone.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session
from sync_helpers import at, sync, write_config

from model import Task
from sandbox.run import RunningSandbox
from sync.status import effort

SOURCES = ["asana-main", "trello-studio"]


def stored(engine: Engine, external_id: str) -> tuple[float | None, str | None]:
    with engine.connect() as connection:
        return connection.execute(sa.select(Task.estimate_hours, Task.estimate_from).where(
            Task.external_id == external_id)).one().tuple()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_effort_fields_are_stored_and_follow_the_board(
        sandbox: RunningSandbox, engine: Engine, database_url: str, tmp_path: Path) -> None:
    config = write_config(sandbox, tmp_path, database_url)
    sync(config, engine, at(sandbox, 0), sources=SOURCES)
    ids = sandbox.seeded.ids
    poster = ids["item:poster-artwork"]["trello"]
    assert stored(engine, poster) == (3.0, 'labels like "8h"')
    assert stored(engine, ids["item:book-catering"]["asana"])[1] == '"Estimated hours" (hours)'
    with Session(engine) as session:
        found = {entry.source: entry for entry in effort(session, SOURCES)}
    assert set(found["asana-main"].by_field) == {'"Estimated hours" (hours)'}
    assert found["asana-main"].empty == {
        '"Estimated hours" (hours)': found["asana-main"].without_estimate}
    assert set(found["trello-studio"].by_field) == {'labels like "8h"'}

    trello = sandbox.replicas.trello
    board = trello.cards[poster].board_id
    at(sandbox, 5)
    field = trello.add_custom_field(board, "Estimate (h)", "number")
    trello.set_custom_field_item(poster, field, 5)
    sync(config, engine, at(sandbox, 10), sources=["trello-studio"])
    assert stored(engine, poster) == (5.0, '"Estimate (h)" (hours)')
    trello.rename_custom_field(field, "Story points")
    sync(config, engine, at(sandbox, 15), sources=["trello-studio"])
    assert stored(engine, poster) == (3.0, 'labels like "8h"')


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_renamed_list_renames_the_section_of_cards_that_did_not_change(
        sandbox: RunningSandbox, engine: Engine, database_url: str, tmp_path: Path) -> None:
    """Renaming a Trello list logs an `updateList` and leaves every card payload as it
    was; the stored section must follow the list all the same."""
    config = write_config(sandbox, tmp_path, database_url)
    sync(config, engine, at(sandbox, 0), sources=["trello-studio"])
    poster = sandbox.seeded.ids["item:poster-artwork"]["trello"]
    trello = sandbox.replicas.trello
    list_id = trello.cards[poster].list_id
    old_name = trello.lists[list_id].name
    at(sandbox, 5)
    trello.rename_list(list_id, f"{old_name} (this week)")
    sync(config, engine, at(sandbox, 10), sources=["trello-studio"])
    with engine.connect() as connection:
        sections = {row.external_id: row.section for row in connection.execute(
            sa.select(Task.external_id, Task.section).where(Task.source == "trello-studio"))}
    on_list = [card.id for card in trello.cards.values() if card.list_id == list_id]
    assert poster in on_list
    assert {sections[card] for card in on_list} == {f"{old_name} (this week)"}
