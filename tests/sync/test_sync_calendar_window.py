"""The calendar window moves with time, through `baton sync` with an injected now.

A sync token reports changes only; an event nobody touches must still arrive once time
brings it into the window, and an event that time pushed out behind the window must not
be tombstoned by a later re-list (which only vouches for its own window). A deleted
event arrives as a stub and keeps its stored details. The window reaches as far as the
rules look. All on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sync_helpers import NOW, RULES, sync

from baton.config import BatonConfig, load_config
from model import Event, EventAttendee, RecordState
from sandbox.google_calendar_state import Attendee
from sandbox.run import RunningSandbox, sandbox_config
from sandbox.seed import pin_clocks
from tests.conftest import both_backends

DAY = timedelta(days=1)


def configure(sandbox: RunningSandbox, folder: Path, database_url: str,
              rules: Path = RULES) -> BatonConfig:
    path = folder / "baton.yaml"
    path.write_text(sandbox_config(sandbox, rules_file=rules, database=database_url))
    return load_config(path, environ={})


def sync_google(config: BatonConfig, engine: Engine, sandbox: RunningSandbox,
                when: datetime, *, full: bool = False) -> None:
    pin_clocks(sandbox.replicas, when)
    outcome, code = sync(config, engine, when, sources=["google"], full=full)
    assert code == 0, outcome.results


def plant(sandbox: RunningSandbox, summary: str, start: datetime, **extra: Any) -> str:
    """An event on the first calendar; returns its external id as sync stores it."""
    calendar = sandbox.seeded.calendars[0]
    event = sandbox.replicas.google.calendar.add_event(
        calendar, summary=summary, start=start, end=start + timedelta(hours=1), **extra)
    return f"{calendar}/{event.id}"


def stored(engine: Engine, external_id: str) -> Any:
    with engine.connect() as connection:
        return connection.execute(sa.select(Event).where(
            Event.external_id == external_id)).one_or_none()


@both_backends
def test_events_entering_the_horizon_arrive_and_those_left_behind_stay(
        sandbox: RunningSandbox, engine: Engine, database_url: str, tmp_path: Path) -> None:
    config = configure(sandbox, tmp_path, database_url)
    far = plant(sandbox, "Trade fair", NOW + 200 * DAY)      # beyond the first window
    behind = plant(sandbox, "Old review", NOW - 20 * DAY)    # inside, soon behind
    sync_google(config, engine, sandbox, NOW)
    assert stored(engine, far) is None and stored(engine, behind).state is RecordState.active

    later = NOW + 20 * DAY  # the wanted end (later + 180 days) is past the first listing's
    sync_google(config, engine, sandbox, later)
    arrived = stored(engine, far)
    assert arrived is not None and arrived.state is RecordState.active
    assert (arrived.title, arrived.start_at) == ("Trade fair", NOW + 200 * DAY)
    assert stored(engine, behind).state is RecordState.active

    calendar = sandbox.seeded.calendars[0]
    with engine.begin() as connection:  # a row inside the window the calendar no longer has
        row = {k: v for k, v in connection.execute(sa.select(Event.__table__).where(
            Event.external_id == far)).mappings().one().items() if k != "id"}
        connection.execute(sa.insert(Event.__table__), [{**row, "external_id": "gone"}])
    sandbox.replicas.google.calendar.expire_sync_tokens(calendar)
    sync_google(config, engine, sandbox, later + DAY)  # 410: the window is re-listed
    assert stored(engine, "gone").state is RecordState.deleted
    assert stored(engine, behind).state is RecordState.active  # fell out, still exists
    assert stored(engine, far).state is RecordState.active
    sync_google(config, engine, sandbox, later + 2 * DAY, full=True)
    assert stored(engine, behind).state is RecordState.active


@both_backends
def test_a_deleted_event_keeps_its_details_and_attendees(
        sandbox: RunningSandbox, engine: Engine, database_url: str, tmp_path: Path) -> None:
    config = configure(sandbox, tmp_path, database_url)
    calendar = sandbox.seeded.calendars[0]
    review = plant(sandbox, "Budget review", NOW + 3 * DAY, attendees=[
        Attendee(calendar, "accepted"), Attendee("client@nordwind.example", "tentative")])
    sync_google(config, engine, sandbox, NOW)
    before = stored(engine, review)
    sandbox.replicas.google.calendar.delete_event(review.partition("/")[2])
    for when, full in ((NOW + DAY, False), (NOW + 2 * DAY, True)):  # stub: changes, listing
        sync_google(config, engine, sandbox, when, full=full)
        after = stored(engine, review)
        assert (after.state, after.status) == (RecordState.cancelled, "cancelled")
        assert (after.title, after.start_at, after.end_at, after.raw) == (
            before.title, before.start_at, before.end_at, before.raw)
        with engine.connect() as connection:
            emails = set(connection.execute(sa.select(EventAttendee.email).where(
                EventAttendee.event_id == after.id)).scalars())
        assert emails == {calendar, "client@nordwind.example"}


@both_backends
def test_the_window_reaches_as_far_as_the_rules_look(
        sandbox: RunningSandbox, engine: Engine, database_url: str, tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES.read_text().replace(
        "params: {min_overlap_minutes: 1, include_holidays: true, lookahead_days: 60}",
        "params: {min_overlap_minutes: 1, include_holidays: true, lookahead_days: 400}"))
    assert "lookahead_days: 400" in rules.read_text()
    config = configure(sandbox, tmp_path, database_url, rules)
    offsite = plant(sandbox, "Offsite", NOW + 300 * DAY)  # past the source's 180 days
    sync_google(config, engine, sandbox, NOW)
    assert stored(engine, offsite).state is RecordState.active
