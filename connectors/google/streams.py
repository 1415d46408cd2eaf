"""Google's streams as facts, and the pull code that follows them.

- calendars: partition `calendars`; no cursor; identities only; calendarList page 250.
- events: partition `events:<calendar id>`; cursor = Calendar `nextSyncToken`; page 2500;
  deletions arrive as cancelled stubs; 410 → complete re-list of that calendar.
- contacts: partition `contacts`; cursor = People `nextSyncToken`; page 1000; deleted
  connections (`metadata.deleted`) → tombstones; EXPIRED_SYNC_TOKEN → complete re-list.
- tasks: partition `tasks` (the task lists, as projects) and `tasks:<list id>`; cursor =
  `updatedMin` signpost; page 100; `deleted: true` → tombstones.

Sync tokens come from the LAST page only, so a batch for an earlier page carries the
cursor the listing started from: a crash part-way re-reads the same changes (upserts make
that harmless) and never skips any. A listing without a cursor (first sync, `full`, or an
expired cursor) is complete and its last batch says which rows it covered.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from hashlib import sha256
from typing import Any

from connectors.batch import Batch, Quarantined, Scope
from connectors.errors import CursorExpired, RecordInvalid
from connectors.google.client import (
    PRODUCTION_ROOT,
    Auth,
    CredentialsFactory,
    GoogleClient,
    auth_secrets,
    credentials_factory,
)
from connectors.google.mapping import (
    EventContext,
    TaskContext,
    is_deleted_person,
    map_attendees,
    map_calendar_identity,
    map_contact,
    map_event,
    map_task,
    map_task_list,
)
from connectors.policy import CallPolicy, Scrubber
from model import Identity

log = logging.getLogger(__name__)

STREAMS = ["calendars", "events", "contacts", "tasks"]
CALENDAR_LIST_PAGE_SIZE = 250   # calendarList.list maximum
EVENTS_PAGE_SIZE = 2500         # events.list maximum
PEOPLE_PAGE_SIZE = 1000         # connections.list maximum
TASK_LISTS_PAGE_SIZE = 1000     # tasklists.list maximum
TASKS_PAGE_SIZE = 100           # tasks.list maximum
PERSON_FIELDS = "names,emailAddresses,organizations,metadata"
TASKS_OVERLAP = timedelta(minutes=1)
"""Tasks' `updated` has whole seconds and is the server's clock: the signpost is moved back
a minute so neither truncation nor a little clock skew can skip a change."""

Listing = Callable[[str | None], Iterator[Batch]]
Scrub = Callable[[str], str]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _record_id(raw: Any, field: str) -> str | None:
    value = raw.get(field) if isinstance(raw, dict) else None
    return value if isinstance(value, str) and value else None


def quarantined(raw: Any, key: str | None, exc: RecordInvalid, scrub: Scrub) -> Quarantined:
    """A payload set aside; keyed by its external id when it has one, else a hash."""
    payload = raw if isinstance(raw, dict) else {"value": raw}
    record_key = key or sha256(repr(payload).encode()).hexdigest()[:32]
    return Quarantined(record_key, payload, scrub(str(exc)))


def events_batch(page: dict[str, Any], ctx: EventContext, scrub: Scrub = str) -> Batch:
    """One events.list page as a batch (no cursor yet): events plus their attendee sets;
    a page may be empty and still lead on to another page."""
    batch = Batch(stream=f"events:{ctx.calendar_id}")
    for raw in page.get("items") or []:
        key = f"{ctx.calendar_id}/{raw['id']}" if _record_id(raw, "id") else None
        try:
            event, attendees = map_event(raw, ctx), map_attendees(raw)
        except RecordInvalid as exc:
            batch.quarantined.append(quarantined(raw, key, exc, scrub))
            continue
        batch.records.append(event)
        if attendees is not None:
            batch.attendees[event.external_id] = attendees
    return batch


def contacts_batch(page: dict[str, Any], source: str, scrub: Scrub = str) -> Batch:
    """One connections.list page: live people as contacts, deleted ones as tombstones."""
    batch = Batch(stream="contacts")
    for raw in page.get("connections") or []:
        key = _record_id(raw, "resourceName")
        try:
            if is_deleted_person(raw):
                if not key:
                    raise RecordInvalid("deleted person without resourceName")
                batch.tombstones.append(("contact", key))
            else:
                batch.records.append(map_contact(raw, source))
        except RecordInvalid as exc:
            batch.quarantined.append(quarantined(raw, key, exc, scrub))
    return batch


def tasks_batch(page: dict[str, Any], ctx: TaskContext, owner: str | None,
                scrub: Scrub = str) -> Batch:
    """One tasks.list page: tasks assigned to the Tasks account's owner (Google Tasks
    has no assignee of its own), deleted ones as tombstones."""
    batch = Batch(stream=f"tasks:{ctx.tasklist_id}")
    for raw in page.get("items") or []:
        key = _record_id(raw, "id")
        try:
            if isinstance(raw, dict) and raw.get("deleted"):
                if not key:
                    raise RecordInvalid("deleted task without id")
                batch.tombstones.append(("task", key))
                continue
            task = map_task(raw, ctx)
        except RecordInvalid as exc:
            batch.quarantined.append(quarantined(raw, key, exc, scrub))
            continue
        batch.records.append(task)
        batch.assignees[task.external_id] = [owner] if owner else []
    return batch


class GoogleConnector:
    """Calendar events, People contacts and Google Tasks of one Google account."""

    def __init__(self, source: str, *, calendars: Sequence[str],
                 base_url: str = PRODUCTION_ROOT, auth: Auth | None = None,
                 credentials: CredentialsFactory | None = None,
                 tasks_owner: str | None = None, window_past_days: int = 30,
                 window_future_days: int = 180, timeout_seconds: float | None = None,
                 policy: CallPolicy | None = None,
                 clock: Callable[[], datetime] = _utc_now) -> None:
        if auth is not None and credentials is not None:
            raise ValueError("give auth= or credentials=, not both")
        factory = credentials_factory(auth) if auth is not None else credentials
        if factory is None:
            raise ValueError("give auth= (the config's auth block) or credentials=")
        self.source = source
        self.calendars = list(calendars)
        self.tasks_owner = tasks_owner or (self.calendars[0] if self.calendars else None)
        self.window = (timedelta(days=window_past_days), timedelta(days=window_future_days))
        self.policy = policy or CallPolicy()
        self.clock = clock
        self.scrub = Scrubber.of(auth_secrets(auth))
        self.client = GoogleClient(
            source=source, base_url=base_url,
            credentials=factory,
            timeout_seconds=timeout_seconds or self.policy.timeout_seconds,
            policy=self.policy, scrubber=self.scrub)
        self._counted = 0

    def streams(self) -> list[str]:
        return list(STREAMS)

    def pull(self, stream: str, cursors: Mapping[str, str | None], full: bool
             ) -> Iterator[Batch]:
        pullers: dict[str, Callable[[Mapping[str, str | None], bool], Iterator[Batch]]] = {
            "calendars": self._calendars, "events": self._events,
            "contacts": self._contacts, "tasks": self._tasks}
        if stream not in pullers:
            raise ValueError(f"unknown Google stream {stream!r}; known: {STREAMS}")
        return pullers[stream](cursors, full)

    # -- shared ----------------------------------------------------------------------

    def _calls(self) -> int:
        """API calls made since the previous batch (retries included)."""
        calls, self._counted = self.policy.calls - self._counted, self.policy.calls
        return calls

    def _resumable(self, listing: Listing, cursor: str | None) -> Iterator[Batch]:
        """Incremental from `cursor`; when the source says it expired, a complete re-list."""
        if cursor:
            try:
                yield from listing(cursor)
                return
            except CursorExpired as exc:
                log.info("%s; re-listing the whole partition", exc)
        yield from listing(None)

    def _finish(self, batch: Batch, page: dict[str, Any], *, resume: str | None,
                new_cursor: str | None, scope: Scope) -> Batch:
        """Set cursor and completeness: only the last page may move the cursor, and only a
        listing that started without a cursor is complete."""
        last = not page.get("nextPageToken")
        batch.cursor = new_cursor if last else resume
        if last and resume is None:
            batch.complete = scope
        batch.api_calls = self._calls()
        return batch

    # -- calendars -------------------------------------------------------------------

    def _calendars(self, cursors: Mapping[str, str | None], full: bool) -> Iterator[Batch]:
        """One identity per configured calendar, named from the account's calendar list
        (a configured calendar missing from the list still gets its identity)."""
        entries: dict[str, dict[str, Any]] = {}
        calendar_list = self.client.service("calendar").calendarList()
        for page in self.client.pages("calendar", lambda token: calendar_list.list(
                maxResults=CALENDAR_LIST_PAGE_SIZE, showHidden=True, pageToken=token)):
            entries |= {e["id"]: e for e in page.get("items") or [] if e.get("id")}
        yield Batch(stream="calendars", api_calls=self._calls(), identities=[
            map_calendar_identity(c, entries.get(c), self.source) for c in self.calendars])

    # -- events ----------------------------------------------------------------------

    def _events(self, cursors: Mapping[str, str | None], full: bool) -> Iterator[Batch]:
        for calendar_id in self.calendars:
            cursor = None if full else cursors.get(f"events:{calendar_id}")
            yield from self._resumable(
                lambda token, c=calendar_id: self._list_events(c, token), cursor)

    def _list_events(self, calendar_id: str, sync_token: str | None) -> Iterator[Batch]:
        """`singleEvents` expands series inside the window; `showDeleted` brings cancelled
        events in. With a sync token, timeMin/timeMax are refused by the API, and changes
        come with the flags of the listing that issued the token."""
        params: dict[str, Any] = {"calendarId": calendar_id, "singleEvents": True,
                                  "showDeleted": True, "maxResults": EVENTS_PAGE_SIZE}
        if sync_token:
            params["syncToken"] = sync_token
        else:
            now = self.clock()
            params |= {"timeMin": _rfc3339(now - self.window[0]),
                       "timeMax": _rfc3339(now + self.window[1])}
        events = self.client.service("calendar").events()
        for page in self.client.pages("calendar",
                                      lambda token: events.list(**params, pageToken=token)):
            ctx = EventContext(self.source, calendar_id, page.get("timeZone"))
            yield self._finish(events_batch(page, ctx, self.scrub), page, resume=sync_token,
                               new_cursor=page.get("nextSyncToken"),
                               scope=Scope("event", (("calendar_id", calendar_id),)))

    # -- contacts --------------------------------------------------------------------

    def _contacts(self, cursors: Mapping[str, str | None], full: bool) -> Iterator[Batch]:
        yield from self._resumable(self._list_contacts,
                                   None if full else cursors.get("contacts"))

    def _list_contacts(self, sync_token: str | None) -> Iterator[Batch]:
        """Deleted connections come back in incremental pages as a bare person with
        `metadata.deleted`; an expired token is 400 EXPIRED_SYNC_TOKEN (CursorExpired)."""
        params: dict[str, Any] = {"resourceName": "people/me", "personFields": PERSON_FIELDS,
                                  "pageSize": PEOPLE_PAGE_SIZE, "requestSyncToken": True}
        if sync_token:
            params["syncToken"] = sync_token
        connections = self.client.service("people").people().connections()
        for page in self.client.pages("people",
                                      lambda token: connections.list(**params, pageToken=token)):
            yield self._finish(contacts_batch(page, self.source, self.scrub), page,
                               resume=sync_token, new_cursor=page.get("nextSyncToken"),
                               scope=Scope("contact"))

    # -- tasks -----------------------------------------------------------------------

    def _tasks(self, cursors: Mapping[str, str | None], full: bool) -> Iterator[Batch]:
        """The task lists (as projects), then each list's tasks, then an empty complete
        listing for every list synced before that no longer exists."""
        lists_batch, list_ids = self._task_lists()
        yield lists_batch
        for list_id in list_ids:
            cursor = None if full else cursors.get(f"tasks:{list_id}")
            yield from self._resumable(
                lambda updated_min, i=list_id: self._list_tasks(i, updated_min), cursor)
        for key, cursor in cursors.items():
            gone = key.removeprefix("tasks:")
            if key.startswith("tasks:") and cursor and gone not in list_ids:
                yield Batch(stream=key, complete=Scope("task", (("project_external_id", gone),)),
                            api_calls=self._calls())

    def _task_lists(self) -> tuple[Batch, list[str]]:
        batch = Batch(stream="tasks", complete=Scope("project"))
        task_lists = self.client.service("tasks").tasklists()
        list_ids = []
        for page in self.client.pages("tasks", lambda token: task_lists.list(
                maxResults=TASK_LISTS_PAGE_SIZE, pageToken=token)):
            for raw in page.get("items") or []:
                try:
                    batch.records.append(map_task_list(raw, self.source))
                    list_ids.append(raw["id"])
                except RecordInvalid as exc:
                    batch.quarantined.append(quarantined(raw, _record_id(raw, "id"), exc,
                                                           self.scrub))
        if self.tasks_owner and self.tasks_owner not in self.calendars:
            batch.identities.append(Identity(source=self.source, external_id=self.tasks_owner,
                                             email=self.tasks_owner))
        batch.api_calls = self._calls()
        return batch, list_ids

    def _list_tasks(self, list_id: str, updated_min: str | None) -> Iterator[Batch]:
        """`updatedMin` is inclusive and the cursor is a signpost taken BEFORE the first
        request (minus `TASKS_OVERLAP`), so boundary tasks repeat and none are skipped.
        Deleted and hidden (completed, then cleared) tasks only show with their flags."""
        signpost = _rfc3339(self.clock() - TASKS_OVERLAP)
        params: dict[str, Any] = {"tasklist": list_id, "maxResults": TASKS_PAGE_SIZE,
                                  "showCompleted": True, "showDeleted": True,
                                  "showHidden": True}
        if updated_min:
            params["updatedMin"] = updated_min
        tasks = self.client.service("tasks").tasks()
        ctx = TaskContext(self.source, list_id)
        for page in self.client.pages("tasks", lambda token: tasks.list(**params,
                                                                         pageToken=token)):
            yield self._finish(tasks_batch(page, ctx, self.tasks_owner, self.scrub), page,
                               resume=updated_min, new_cursor=signpost,
                               scope=Scope("task", (("project_external_id", list_id),)))
