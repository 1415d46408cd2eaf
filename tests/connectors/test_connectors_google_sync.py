"""The Google connector against the Google replica over real HTTP, with the real SDK.

Full syncs, incremental syncs (asserting the cursor parameters actually sent), deletions,
expired cursors and paging. Sync's tombstoning is imitated by `would_tombstone`: stored
rows of a complete scope that the run did not see.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

import pytest
from starlette.types import ASGIApp, Receive, Scope, Send

from connectors.batch import Batch, Window
from connectors.batch import Scope as ListingScope
from connectors.google import GoogleConnector, OAuthAuth
from connectors.google.events import EventsCursor, EventWindow, joined
from connectors.policy import CallPolicy
from model import EventKind, RecordState, ResponseStatus
from sandbox.google import GoogleState, create_app
from sandbox.google_calendar_state import Attendee
from sandbox.google_people import Organization
from sandbox.org import sample_org
from sandbox.seed import (
    GOOGLE_CLIENT,
    GOOGLE_READ_SCOPES,
    GOOGLE_REFRESH,
    GOOGLE_SECRET,
    new_replicas,
    pin_clocks,
    seed,
)
from sandbox.server import RunningServer, running

NOW = datetime(2026, 3, 12, 9, tzinfo=UTC)
ANA, BO = "ana@fernweh.example", "bo@fernweh.example"


@dataclass
class Recorder:
    """ASGI wrapper that remembers each request's path and query, to assert on cursors."""

    app: ASGIApp
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            query = dict(parse_qsl(scope["query_string"].decode()))
            self.requests.append((scope["path"], query))
        await self.app(scope, receive, send)

    def queries(self, path_part: str) -> list[dict[str, str]]:
        return [q for path, q in self.requests if path_part in path]


@dataclass
class Sandbox:
    state: GoogleState
    server: RunningServer
    recorder: Recorder

    def connector(self, calendars: list[str], **kwargs: Any) -> GoogleConnector:
        auth = OAuthAuth(GOOGLE_CLIENT, GOOGLE_SECRET, GOOGLE_REFRESH,
                         self.server.base_url + "/token")
        kwargs.setdefault("policy", CallPolicy(sleep=lambda _: None))
        return GoogleConnector("google", base_url=self.server.base_url + "/",
                               calendars=calendars, auth=auth, clock=self.state.knobs.clock.now,
                               **kwargs)


@contextmanager
def serve(state: GoogleState) -> Iterator[Sandbox]:
    recorder = Recorder(create_app(state))
    with running(recorder) as server:
        yield Sandbox(state, server, recorder)


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    """Ana's and Bo's calendars (Bo's shared with Ana), two contacts, two tasks."""
    state = GoogleState()
    state.knobs.clock.set(NOW)
    state.oauth.register_client(GOOGLE_CLIENT, GOOGLE_SECRET)
    state.oauth.add_refresh_token(GOOGLE_REFRESH, client_id=GOOGLE_CLIENT, user=ANA,
                                  scopes=GOOGLE_READ_SCOPES)
    state.calendar.add_calendar(ANA, time_zone="Europe/Madrid", summary="Ana Ruiz")
    state.calendar.add_calendar(BO, time_zone="America/New_York", summary="Bo Berg")
    state.calendar.share_calendar(BO, user=ANA)
    for day in (1, 2):
        start = NOW + timedelta(days=day)
        state.calendar.add_event(ANA, summary=f"Ana {day}", start=start,
                                 end=start + timedelta(hours=1))
    state.calendar.add_event(BO, summary="Bo 1", start=NOW + timedelta(days=3),
                             end=NOW + timedelta(days=3, hours=1))
    state.people.add_contact("Mia", "Hoffmann", emails=["mia@nordwind.example"],
                             organizations=[Organization("Nordwind AG")])
    state.people.add_contact("Tom", "Reiter", emails=["tom@helios.example"])
    for title in ("Monthly report", "Invoices"):
        state.tasks.add_task(state.tasks.default_list_id, title, due_on=date(2026, 3, 20))
    with serve(state) as sandbox:
        yield sandbox


def pull(connector: GoogleConnector, stream: str, cursors: dict[str, str | None],
         full: bool = False) -> list[Batch]:
    """Pull one stream and store each batch's cursor, as sync does on commit."""
    batches = list(connector.pull(stream, dict(cursors), full))
    for batch in batches:
        cursors[batch.stream] = batch.cursor
    return batches


def records(batches: list[Batch]) -> dict[str, Any]:
    return {r.external_id: r for b in batches for r in b.records}


def would_tombstone(stored: dict[str, dict[str, Any]], kind: str,
                    batches: list[Batch]) -> set[str]:
    """Stored rows (external id → column values, `start_at`/`end_at` for timed events) of
    a complete scope the run did not see; a scope's window must cover the row."""
    seen = {r.external_id for b in batches for r in b.records + b.stubs}
    seen |= {key for b in batches for k, key in b.tombstones if k == kind}
    scopes = [b.complete for b in batches if b.complete and b.complete.kind == kind]
    return {key for key, columns in stored.items() for scope in scopes
            if key not in seen and all(columns.get(c) == v for c, v in scope.where)
            and (scope.window is None or (columns["end_at"] > scope.window.start
                                          and columns["start_at"] < scope.window.end))}


def token(cursor: str | None) -> str:
    parsed = EventsCursor.loads(cursor)
    assert parsed is not None, cursor
    return parsed.sync


def test_sample_organisation_full_sync_pulls_every_stream() -> None:
    replicas = new_replicas()
    pin_clocks(replicas, NOW)
    org = sample_org(NOW)
    seeded = seed(org, replicas)
    with serve(replicas.google) as sandbox:
        connector = sandbox.connector(seeded.calendars, tasks_owner="lea@fernweh.example")
        cursors: dict[str, str | None] = {}
        got = {stream: pull(connector, stream, cursors) for stream in connector.streams()}
    [calendars] = got["calendars"]
    assert {i.external_id: i.display_name for i in calendars.identities} == {
        m.email: m.name for m in org.members if m.active}
    events = records(got["events"])
    expected = {f"{cal}/{seeded.ids[f'meeting:{m.key}']['google']}"
                for m in org.meetings if m.tool == "google"
                for cal in {org.member(m.owner).email, *(a.email for a in m.attendees)}
                if cal in seeded.calendars}
    assert set(events) == expected

    def event(key: str, owner: str) -> Any:
        return events[f"{org.member(owner).email}/{seeded.ids[f'meeting:{key}']['google']}"]

    assert event("chloe-ooo", "chloe").kind is EventKind.out_of_office
    assert event("focus-block", "greta").kind is EventKind.focus
    assert event("team-lunch", "kim").busy is False
    assert event("old-kickoff", "jonas").state is RecordState.cancelled
    kyoto = event("kyoto-visit", "hiro")
    assert (kyoto.start_date, kyoto.end_date, kyoto.start_at) == (
        next(m.start_date for m in org.meetings if m.key == "kyoto-visit"),
        next(m.end_date for m in org.meetings if m.key == "kyoto-visit"), None)
    pitch = event("supplier-pitch", "kim")
    attendees = next(b.attendees[pitch.external_id] for b in got["events"]
                     if pitch.external_id in b.attendees)
    assert {a.email: a.response for a in attendees}["dev@fernweh.example"] \
        is ResponseStatus.declined
    assert event("supplier-pitch", "dev").external_id != pitch.external_id
    for calendar in seeded.calendars:
        last = [b for b in got["events"] if b.stream == f"events:{calendar}"][-1]
        assert last.cursor and last.complete == ListingScope(
            "event", (("calendar_id", calendar),),
            Window(NOW - timedelta(days=30), NOW + timedelta(days=187)))
    contacts = records(got["contacts"])
    assert sorted(c.email for c in contacts.values()) == sorted(
        email for client in org.clients for _, _, email in client.contacts)
    assert got["contacts"][-1].complete == ListingScope("contact")
    [lists, tasks_batch] = got["tasks"]
    assert [p.name for p in lists.records] == ["My Tasks"]
    assert lists.complete == ListingScope("project")
    [task] = tasks_batch.records
    assert (task.title, task.due_on) == ("Prepare monthly report",
                                         next(i.due_on for i in org.items
                                              if i.key == "monthly-report"))
    assert task.project_external_id == lists.records[0].external_id
    assert tasks_batch.assignees == {task.external_id: ["lea@fernweh.example"]}
    api_requests = [p for p, _ in sandbox.recorder.requests if p != "/token"]
    assert sum(b.api_calls for bs in got.values() for b in bs) == len(api_requests) == 15


def test_incremental_sync_sends_cursors_and_returns_only_the_change(sandbox: Sandbox) -> None:
    connector = sandbox.connector([ANA, BO])
    cursors: dict[str, str | None] = {}
    for stream in connector.streams():
        pull(connector, stream, cursors)
    first = dict(cursors)
    state = sandbox.state
    moved = next(e for e in state.calendar.events.values() if e.summary == "Ana 1")
    state.knobs.clock.advance(timedelta(minutes=10))
    state.calendar.update_event(moved.id, summary="Ana 1 (moved)")
    mia = next(iter(state.people.contacts))
    state.people.update_contact(mia, emails=["mia@nordwind.example", "mia@home.example"])
    report = next(t.id for t in state.tasks.tasks.values() if t.title == "Monthly report")
    state.tasks.update_task(report, due_on=date(2026, 3, 27))
    sandbox.recorder.requests.clear()

    events = pull(connector, "events", cursors)
    assert [e.title for e in records(events).values()] == ["Ana 1 (moved)"]
    assert all(b.complete is None for b in events)
    ana_query = sandbox.recorder.queries(f"/calendars/{ANA}/events")[0]
    assert ana_query["syncToken"] == token(first[f"events:{ANA}"])
    assert "timeMin" not in ana_query and "timeMax" not in ana_query
    contacts = pull(connector, "contacts", cursors)
    assert [c.external_id for c in records(contacts).values()] == [mia]
    assert sandbox.recorder.queries("/connections")[0]["syncToken"] == first["contacts"]
    tasks = pull(connector, "tasks", cursors)
    assert [(t.external_id, t.due_on) for t in records(tasks).values()
            if t.external_id == report] == [(report, date(2026, 3, 27))]
    list_key = f"tasks:{state.tasks.default_list_id}"
    task_query = sandbox.recorder.queries("/tasks/v1/lists/")[0]
    assert task_query["updatedMin"] == first[list_key] == "2026-03-12T08:59:00Z"
    assert task_query["showDeleted"] == task_query["showHidden"] == "true"
    assert cursors[list_key] == "2026-03-12T09:09:00Z"


def test_deletions_arrive_as_cancellations_and_tombstones(sandbox: Sandbox) -> None:
    connector = sandbox.connector([ANA, BO])
    cursors: dict[str, str | None] = {}
    for stream in ("events", "contacts", "tasks"):
        pull(connector, stream, cursors)
    state = sandbox.state
    gone = next(e for e in state.calendar.events.values() if e.summary == "Ana 2")
    state.calendar.delete_event(gone.id)
    tom = list(state.people.contacts)[1]
    state.people.delete_contact(tom)
    invoices, report = (next(t.id for t in state.tasks.tasks.values() if t.title == title)
                        for title in ("Invoices", "Monthly report"))
    state.tasks.delete_task(invoices)
    state.knobs.clock.advance(timedelta(hours=1))
    state.tasks.complete_task(report, in_google_app=True)  # hidden at once

    event_batches = pull(connector, "events", cursors)
    assert records(event_batches) == {}
    [stub] = [s for b in event_batches for s in b.stubs]
    assert stub.external_id == f"{ANA}/{gone.id}" and stub.state is RecordState.cancelled
    contact_batches = pull(connector, "contacts", cursors)
    assert [t for b in contact_batches for t in b.tombstones] == [("contact", tom)]
    task_batches = pull(connector, "tasks", cursors)
    assert [t for b in task_batches for t in b.tombstones] == [("task", invoices)]
    done = records(task_batches)[report]
    assert done.state is RecordState.completed
    assert done.completed_at == NOW + timedelta(hours=1)


def test_expired_calendar_token_relists_that_calendar_completely(sandbox: Sandbox) -> None:
    connector = sandbox.connector([ANA, BO])
    cursors: dict[str, str | None] = {}
    columns = ("calendar_id", "start_at", "end_at")
    stored = {r.external_id: {c: getattr(r, c) for c in columns}
              for r in records(pull(connector, "events", cursors)).values()}
    soon, long_ago = NOW + timedelta(days=4), NOW - timedelta(days=60)
    stored[f"{ANA}/purged-at-google"] = dict(zip(columns, (ANA, soon, soon), strict=True))
    stored[f"{BO}/purged-at-google"] = dict(zip(columns, (BO, soon, soon), strict=True))
    stored[f"{ANA}/behind-the-window"] = dict(zip(columns, (ANA, long_ago, long_ago),
                                                  strict=True))
    sandbox.state.calendar.expire_sync_tokens(ANA)
    sandbox.recorder.requests.clear()

    batches = pull(connector, "events", cursors)
    ana = sandbox.recorder.queries(f"/calendars/{ANA}/events")
    assert "syncToken" in ana[0] and "syncToken" not in ana[1] and "timeMin" in ana[1]
    window = Window(NOW - timedelta(days=30), NOW + timedelta(days=187))
    assert [b.complete for b in batches] == [
        ListingScope("event", (("calendar_id", ANA),), window), None]
    assert would_tombstone(stored, "event", batches) == {f"{ANA}/purged-at-google"}
    assert token(cursors[f"events:{ANA}"]) != ana[0]["syncToken"]


def test_expired_people_token_relists_and_the_listing_lacks_deleted_contacts(
        sandbox: Sandbox) -> None:
    connector = sandbox.connector([ANA])
    cursors: dict[str, str | None] = {}
    stored = {c: {} for c in records(pull(connector, "contacts", cursors))}
    tom = list(sandbox.state.people.contacts)[1]
    sandbox.state.people.delete_contact(tom)
    sandbox.state.people.expire_sync_tokens()
    sandbox.recorder.requests.clear()

    batches = pull(connector, "contacts", cursors)
    first, second = sandbox.recorder.queries("/connections")
    assert "syncToken" in first and "syncToken" not in second
    assert batches[-1].complete == ListingScope("contact")
    assert would_tombstone(stored, "contact", batches) == {tom}


def test_pages_never_carry_a_cursor_ahead_of_unyielded_records(sandbox: Sandbox) -> None:
    state = sandbox.state
    for n in range(150):
        state.tasks.add_task(state.tasks.default_list_id, f"Task {n}")
    state.knobs.clock.advance(timedelta(hours=1))
    connector = sandbox.connector([ANA])
    cursors: dict[str, str | None] = {}
    key = f"tasks:{state.tasks.default_list_id}"
    first = [b for b in pull(connector, "tasks", cursors) if b.stream == key]
    assert [(len(b.records), b.cursor, b.complete is not None) for b in first] == [
        (100, None, False), (52, "2026-03-12T09:59:00Z", True)]
    state.knobs.clock.advance(timedelta(hours=1))
    for task in list(state.tasks.tasks.values())[:120]:
        state.tasks.update_task(task.id, notes="touched")
    again = [b for b in pull(connector, "tasks", cursors) if b.stream == key]
    assert [(len(b.records), b.cursor) for b in again] == [
        (100, "2026-03-12T09:59:00Z"), (20, "2026-03-12T10:59:00Z")]
    assert all(b.complete is None for b in again)


def test_a_vanished_task_list_gets_an_empty_complete_listing(sandbox: Sandbox) -> None:
    connector = sandbox.connector([ANA])
    cursors: dict[str, str | None] = {"tasks:deleted-list": "2026-03-01T00:00:00Z"}
    batches = pull(connector, "tasks", cursors)
    [gone] = [b for b in batches if b.stream == "tasks:deleted-list"]
    assert gone.records == [] and gone.cursor is None
    assert gone.complete == ListingScope("task", (("project_external_id", "deleted-list"),))


def test_full_pull_ignores_stored_cursors(sandbox: Sandbox) -> None:
    connector = sandbox.connector([ANA])
    cursors: dict[str, str | None] = {}
    pull(connector, "events", cursors)
    sandbox.recorder.requests.clear()
    batches = pull(connector, "events", cursors, full=True)
    [query] = sandbox.recorder.queries("/events")
    assert "syncToken" not in query and query["singleEvents"] == "true"
    assert query["maxResults"] == "2500" and query["showDeleted"] == "true"
    assert query["timeMin"] == "2026-02-10T09:00:00Z"
    assert query["timeMax"] == "2026-09-15T09:00:00Z"  # 180 days + a week of lead
    assert batches[-1].complete is not None and len(records(batches)) == 2


def test_attendee_calendar_sees_its_own_copy_with_self_flag(sandbox: Sandbox) -> None:
    state = sandbox.state
    start = NOW + timedelta(days=5)
    state.calendar.add_event(BO, summary="Review", start=start, end=start + timedelta(hours=1),
                             attendees=[Attendee(BO, "accepted"), Attendee(ANA, "tentative")])
    batches = pull(sandbox.connector([ANA, BO]), "events", {})
    review = {r.external_id: r for b in batches for r in b.records if r.title == "Review"}
    assert len(review) == 2 and {r.organizer_email for r in review.values()} == {BO}
    ana_copy = next(k for k in review if k.startswith(ANA))
    [mine] = [a for b in batches for a in b.attendees.get(ana_copy, []) if a.is_self]
    assert (mine.email, mine.response) == (ANA, ResponseStatus.tentative)


def distinct(sandbox: Sandbox, path_part: str) -> list[dict[str, str]]:
    """Queries in order, a repeat (google-auth's retry after refreshing a token) once."""
    unique = dict.fromkeys(tuple(sorted(q.items())) for q in sandbox.recorder.queries(path_part))
    return [dict(q) for q in unique]


def test_one_pull_asks_every_calendar_for_the_same_window(sandbox: Sandbox) -> None:
    readings = iter(range(1000))
    connector = sandbox.connector([ANA, BO])
    connector.clock = lambda: NOW + timedelta(minutes=next(readings))  # time flies
    pull(connector, "events", {})
    windows = {(q["timeMin"], q["timeMax"]) for q in sandbox.recorder.queries("/events")}
    assert windows == {("2026-02-10T09:00:00Z", "2026-09-15T09:00:00Z")}


def test_the_window_moves_by_listing_the_uncovered_slice(sandbox: Sandbox) -> None:
    connector = sandbox.connector([ANA])
    cursors: dict[str, str | None] = {}
    pull(connector, "events", cursors)
    first = EventsCursor.loads(cursors[f"events:{ANA}"])
    assert first is not None
    sandbox.state.knobs.clock.advance(timedelta(days=3))  # wanted end still covered
    sandbox.recorder.requests.clear()
    pull(connector, "events", cursors)
    assert [set(q) & {"syncToken", "timeMin"} for q in distinct(sandbox, "/events")] == [
        {"syncToken"}]

    sandbox.state.knobs.clock.advance(timedelta(days=17))
    sandbox.recorder.requests.clear()
    batches = pull(connector, "events", cursors)
    changes, gap = distinct(sandbox, "/events")
    assert changes["syncToken"] == first.sync and "timeMin" not in changes
    later = NOW + timedelta(days=20)
    assert (gap["timeMin"], gap["timeMax"]) == ("2026-09-15T09:00:00Z", "2026-10-05T09:00:00Z")
    assert "syncToken" not in gap and gap["singleEvents"] == gap["showDeleted"] == "true"
    assert batches[-1].complete == ListingScope(
        "event", (("calendar_id", ANA),), Window(first.covered.end, later + timedelta(days=187)))
    moved = EventsCursor.loads(cursors[f"events:{ANA}"])
    assert moved == EventsCursor(moved.sync if moved else "", Window(
        first.covered.start, later + timedelta(days=187)))


@pytest.mark.parametrize(("covered", "expected"), [
    # covered ahead of what is wanted: nothing to list
    ((-30, 187), []),
    # time moved on: the slice ahead, reaching a week past the wanted end
    ((-50, 170), [(170, 187)]),
    # a longer `past` configured since: the slice behind as well
    ((-10, 187), [(-30, -10)]),
    # idle for a long time: the slice starts at the wanted start, not at the old end
    ((-400, -200), [(-30, 187)]),
])
def test_the_uncovered_slices_of_the_wanted_window(covered: tuple[int, int],
                                                   expected: list[tuple[int, int]]) -> None:
    def window(days: tuple[int, int]) -> Window:
        return Window(NOW + timedelta(days=days[0]), NOW + timedelta(days=days[1]))

    wanted = EventWindow(timedelta(days=30), timedelta(days=180))
    gaps = wanted.gaps(window(covered), NOW)
    assert gaps == [window(e) for e in expected]
    for gap in gaps:  # listing them leaves the wanted window covered
        covered_now = joined(window(covered), gap)
        assert covered_now.start <= gap.start and covered_now.end >= gap.end
    if gaps:
        last = joined(joined(window(covered), gaps[0]), gaps[-1])
        assert wanted.gaps(last, NOW) == []
