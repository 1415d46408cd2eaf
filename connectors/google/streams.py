"""Google's streams as facts, and the pull code that follows them.

- calendars: partition `calendars`; no cursor; identities only; calendarList page 250.
- events: partition `events:<calendar id>`; cursor = Calendar `nextSyncToken` + the window
  it covers (see `events.py`); page 2500; cancelled stubs keep stored details.
- contacts: partition `contacts`; cursor = People `nextSyncToken`; page 1000; deleted
  connections (`metadata.deleted`) → tombstones; EXPIRED_SYNC_TOKEN → complete re-list.
- tasks: partition `tasks` (the task lists, as projects) and `tasks:<list id>`; cursor =
  `updatedMin` signpost; page 100; `deleted: true` → tombstones.

Sync tokens come from the LAST page only, so a batch for an earlier page carries the
cursor the listing started from: a crash part-way re-reads the same changes (upserts make
that harmless) and never skips any. A listing without a cursor (first sync, `full`, or an
expired cursor) is complete — unless a record in it could not be mapped
(`connectors.listing`) — and its last batch says which rows it covered.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.batch import Batch, Scope
from connectors.errors import CursorExpired, RecordInvalid
from connectors.google.client import (
    PRODUCTION_ROOT,
    Auth,
    CredentialsFactory,
    GoogleClient,
    auth_secrets,
    credentials_factory,
)
from connectors.google.events import EventsPull, EventWindow, rfc3339
from connectors.google.mapping import (
    TaskContext,
    is_deleted_person,
    map_calendar_identity,
    map_contact,
    map_task,
    map_task_list,
)
from connectors.listing import Listing, Scrub, quarantine, text_id, vanished
from connectors.policy import CallPolicy, Scrubber
from model import Identity

log = logging.getLogger(__name__)

STREAMS = ["calendars", "events", "contacts", "tasks"]
CALENDAR_LIST_PAGE_SIZE = 250   # calendarList.list maximum
PEOPLE_PAGE_SIZE = 1000         # connections.list maximum
TASK_LISTS_PAGE_SIZE = 1000     # tasklists.list maximum
TASKS_PAGE_SIZE = 100           # tasks.list maximum
PERSON_FIELDS = "names,emailAddresses,organizations,metadata"
TASKS_OVERLAP = timedelta(minutes=1)
"""Tasks' `updated` has whole seconds and is the server's clock: the signpost is moved back
a minute so neither truncation nor a little clock skew can skip a change."""

Listed = Callable[[str | None], Iterator[Batch]]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def contacts_batch(page: dict[str, Any], source: str, scrub: Scrub = str) -> Batch:
    """One connections.list page: live people as contacts, deleted ones as tombstones."""
    batch = Batch(stream="contacts")
    for raw in page.get("connections") or []:
        key = text_id(raw, "resourceName")
        try:
            if is_deleted_person(raw):
                if not key:
                    raise RecordInvalid("deleted person without resourceName")
                batch.tombstones.append(("contact", key))
            else:
                batch.records.append(map_contact(raw, source))
        except RecordInvalid as exc:
            batch.quarantined.append(quarantine(raw, key, exc, scrub))
    return batch


def tasks_batch(page: dict[str, Any], ctx: TaskContext, owner: str | None,
                scrub: Scrub = str) -> Batch:
    """One tasks.list page: tasks assigned to the Tasks account's owner (Google Tasks
    has no assignee of its own), deleted ones as tombstones."""
    batch = Batch(stream=f"tasks:{ctx.tasklist_id}")
    for raw in page.get("items") or []:
        key = text_id(raw, "id")
        try:
            if isinstance(raw, dict) and raw.get("deleted"):
                if not key:
                    raise RecordInvalid("deleted task without id")
                batch.tombstones.append(("task", key))
                continue
            task = map_task(raw, ctx)
        except RecordInvalid as exc:
            batch.quarantined.append(quarantine(raw, key, exc, scrub))
            continue
        batch.records.append(task)
        batch.assignees[task.external_id] = [owner] if owner else []
    return batch


class GoogleConnector:
    """Calendar events, People contacts and Google Tasks of one Google account.

    `clock` is read once per pull: sync passes the run's `now`, so windows and signposts
    do not depend on how long the run takes."""

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
        self.window = EventWindow(timedelta(days=window_past_days),
                                  timedelta(days=window_future_days))
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

    def _resumable(self, listed: Listed, cursor: str | None) -> Iterator[Batch]:
        """Incremental from `cursor`; when the source says it expired, a complete re-list."""
        if cursor:
            try:
                yield from listed(cursor)
                return
            except CursorExpired as exc:
                log.info("%s; re-listing the whole partition", exc)
        yield from listed(None)

    def _finish(self, batch: Batch, page: dict[str, Any], listing: Listing, *,
                resume: str | None, new_cursor: str | None) -> Batch:
        """Only the last page may move the cursor (and claim completeness)."""
        last = not page.get("nextPageToken")
        batch.cursor = new_cursor if last else resume
        batch.api_calls = self._calls()
        return listing.add(batch, last=last)

    # -- calendars -------------------------------------------------------------------

    def _calendars(self, cursors: Mapping[str, str | None], full: bool) -> Iterator[Batch]:
        """One identity per configured calendar, named from the account's calendar list
        (a configured calendar missing from the list still gets its identity)."""
        entries: dict[str, dict[str, Any]] = {}
        calendar_list = self.client.service("calendar").calendarList()
        for page in self.client.pages("calendar", lambda token: calendar_list.list(
                maxResults=CALENDAR_LIST_PAGE_SIZE, showHidden=True, pageToken=token)):
            entries |= {key: e for e in page.get("items") or [] if (key := text_id(e, "id"))}
        yield Batch(stream="calendars", api_calls=self._calls(), identities=[
            map_calendar_identity(c, entries.get(c), self.source) for c in self.calendars])

    # -- events ----------------------------------------------------------------------

    def _events(self, cursors: Mapping[str, str | None], full: bool) -> Iterator[Batch]:
        now = self.clock()
        events = EventsPull(self.client, self.source, self.window, self.scrub, self._calls)
        for calendar_id in self.calendars:
            stored = None if full else cursors.get(f"events:{calendar_id}")
            yield from events.calendar(calendar_id, stored, now)

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
        listing = Listing(None if sync_token else Scope("contact"))
        connections = self.client.service("people").people().connections()
        for page in self.client.pages("people",
                                      lambda token: connections.list(**params, pageToken=token)):
            yield self._finish(contacts_batch(page, self.source, self.scrub), page, listing,
                               resume=sync_token, new_cursor=page.get("nextSyncToken"))

    # -- tasks -----------------------------------------------------------------------

    def _tasks(self, cursors: Mapping[str, str | None], full: bool) -> Iterator[Batch]:
        """The task lists (as projects), then each list's tasks, then an empty complete
        listing for every list synced before that a complete list of lists lacks."""
        signpost = rfc3339(self.clock() - TASKS_OVERLAP)
        lists = Listing(Scope("project"))
        lists_batch, list_ids = self._task_lists(lists)
        yield lists_batch
        for list_id in list_ids:
            cursor = None if full else cursors.get(f"tasks:{list_id}")
            yield from self._resumable(
                lambda updated_min, i=list_id: self._list_tasks(i, updated_min, signpost),
                cursor)
        for gone in vanished(cursors, "tasks:", list_ids, complete=lists.complete):
            yield Batch(stream=f"tasks:{gone}", api_calls=self._calls(),
                        complete=Scope("task", (("project_external_id", gone),)))

    def _task_lists(self, listing: Listing) -> tuple[Batch, list[str]]:
        batch = Batch(stream="tasks")
        task_lists = self.client.service("tasks").tasklists()
        list_ids = []
        for page in self.client.pages("tasks", lambda token: task_lists.list(
                maxResults=TASK_LISTS_PAGE_SIZE, pageToken=token)):
            for raw in page.get("items") or []:
                try:
                    project = map_task_list(raw, self.source)
                except RecordInvalid as exc:
                    batch.quarantined.append(quarantine(raw, text_id(raw, "id"), exc,
                                                        self.scrub))
                    continue
                batch.records.append(project)
                list_ids.append(project.external_id)
        if self.tasks_owner and self.tasks_owner not in self.calendars:
            batch.identities.append(Identity(source=self.source, external_id=self.tasks_owner,
                                             email=self.tasks_owner))
        batch.api_calls = self._calls()
        return listing.add(batch, last=True), list_ids

    def _list_tasks(self, list_id: str, updated_min: str | None,
                    signpost: str) -> Iterator[Batch]:
        """`updatedMin` is inclusive and the cursor is a signpost taken BEFORE the first
        request (minus `TASKS_OVERLAP`), so boundary tasks repeat and none are skipped.
        Deleted and hidden (completed, then cleared) tasks only show with their flags."""
        params: dict[str, Any] = {"tasklist": list_id, "maxResults": TASKS_PAGE_SIZE,
                                  "showCompleted": True, "showDeleted": True,
                                  "showHidden": True}
        if updated_min:
            params["updatedMin"] = updated_min
        listing = Listing(None if updated_min else Scope(
            "task", (("project_external_id", list_id),)))
        tasks = self.client.service("tasks").tasks()
        ctx = TaskContext(self.source, list_id)
        for page in self.client.pages("tasks", lambda token: tasks.list(**params,
                                                                         pageToken=token)):
            yield self._finish(tasks_batch(page, ctx, self.tasks_owner, self.scrub), page,
                               listing, resume=updated_min, new_cursor=signpost)
