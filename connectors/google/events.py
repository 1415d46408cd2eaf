"""Calendar events: a sync token per calendar, and the window of time it covers.

`events.list` expands recurring series (`singleEvents`) only inside a window (timeMin /
timeMax), and a sync token then reports *changes* only: an event nobody touches never
comes again, however close its date gets. So the window moves with time. The cursor of
`events:<calendar>` keeps the token AND the window its listings covered; each run reads
the changes, then lists, as a complete listing of its own, every slice of the wanted
window (`now - past` .. `now + future`) that is not covered yet. An event that enters the
horizon by the passage of time arrives; one that merely fell behind the window stays as
it is, because a listing only vouches for the window it asked for (its `Scope.window`).

- no cursor, `full`, an expired token (410) or an old plain-token cursor: a complete
  listing of `now - past` .. `now + future + LEAD`.
- a cursor: the changes since its token, then the uncovered slices (normally the one
  ahead, `covered end` .. `now + future + LEAD`).

`LEAD` takes each listing a week past the wanted end, so a calendar needs a slice about
once a week rather than on every run. `now` is the run's one reading of the clock, so
every calendar of a run asks for the same window whatever the run's length.

A cancelled event may come as a stub (id + status): it goes out as `Batch.stubs`, so a
stored event keeps its title and times and only turns cancelled.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.batch import Batch, Scope, Window
from connectors.errors import CursorExpired, RecordInvalid
from connectors.google.client import GoogleClient
from connectors.google.mapping import EventContext, is_stub, map_attendees, map_event
from connectors.listing import Listing, Scrub, quarantine, text_id

log = logging.getLogger(__name__)

EVENTS_PAGE_SIZE = 2500  # events.list maximum
LEAD = timedelta(days=7)
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
Pages = Generator[Batch, None, "EventsCursor | None"]


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(TIME_FORMAT)


def _instant(text: object) -> datetime:
    return datetime.strptime(str(text), TIME_FORMAT).replace(tzinfo=UTC)


@dataclass(frozen=True)
class EventWindow:
    """The one place the events window is derived: `past` and `future` of `now`."""

    past: timedelta
    future: timedelta

    def wanted(self, now: datetime) -> Window:
        return Window(now - self.past, now + self.future)

    def first(self, now: datetime) -> Window:
        return Window(now - self.past, now + self.future + LEAD)

    def gaps(self, covered: Window, now: datetime) -> list[Window]:
        """Slices of the wanted window outside `covered`: ahead (time moved on) and
        behind (a longer `past` configured since)."""
        wanted, found = self.wanted(now), []
        if wanted.start < covered.start:
            found.append(Window(wanted.start, min(covered.start, wanted.end)))
        if wanted.end > covered.end:
            found.append(Window(max(covered.end, wanted.start), wanted.end + LEAD))
        return found


def joined(covered: Window, listed: Window) -> Window:
    """What is covered after listing `listed`: their span when they touch, else `listed`
    (a gap between them was behind the wanted window and is not wanted again)."""
    if listed.start <= covered.end and listed.end >= covered.start:
        return Window(min(covered.start, listed.start), max(covered.end, listed.end))
    return listed


@dataclass(frozen=True)
class EventsCursor:
    """A calendar's sync token and the window of time its listings covered."""

    sync: str
    covered: Window

    def dumps(self) -> str:
        return json.dumps({"sync": self.sync, "from": rfc3339(self.covered.start),
                           "to": rfc3339(self.covered.end)}, sort_keys=True)

    @classmethod
    def loads(cls, text: str | None) -> EventsCursor | None:
        """None (→ a complete listing) for no cursor, an unreadable one, or a bare token
        stored before windows were kept (which window it covers is unknown)."""
        try:
            value = json.loads(text or "")
            return cls(str(value["sync"]), Window(_instant(value["from"]),
                                                  _instant(value["to"])))
        except (ValueError, TypeError, KeyError):
            return None


def events_batch(page: dict[str, Any], ctx: EventContext, scrub: Scrub = str) -> Batch:
    """One events.list page as a batch (no cursor yet): events with their attendee sets,
    and stubs; a page may be empty and still lead on to another page."""
    batch = Batch(stream=f"events:{ctx.calendar_id}")
    for raw in page.get("items") or []:
        event_id = text_id(raw, "id")
        try:
            event, attendees = map_event(raw, ctx), map_attendees(raw)
        except RecordInvalid as exc:
            key = f"{ctx.calendar_id}/{event_id}" if event_id else None
            batch.quarantined.append(quarantine(raw, key, exc, scrub))
            continue
        if is_stub(raw):
            batch.stubs.append(event)
            continue
        batch.records.append(event)
        if attendees is not None:
            batch.attendees[event.external_id] = attendees
    return batch


class EventsPull:
    """The events of the configured calendars, as of one `now`."""

    def __init__(self, client: GoogleClient, source: str, window: EventWindow,
                 scrub: Scrub, calls: Callable[[], int]) -> None:
        self.client, self.source, self.window = client, source, window
        self.scrub, self.calls = scrub, calls

    def calendar(self, calendar_id: str, stored: str | None, now: datetime
                 ) -> Iterator[Batch]:
        cursor = EventsCursor.loads(stored)
        if cursor is not None:
            try:
                cursor = yield from self._changes(calendar_id, stored, cursor)
            except CursorExpired as exc:
                log.info("%s; re-listing the calendar's window", exc)
            else:
                for gap in self.window.gaps(cursor.covered, now):
                    cursor = yield from self._slice(calendar_id, cursor, gap)
                return
        yield from self._complete(calendar_id, self.window.first(now))

    def _complete(self, calendar_id: str, window: Window) -> Pages:
        return self._pages(calendar_id, self._windowed(window), self._scope(calendar_id, window),
                           None, lambda token: EventsCursor(token, window) if token else None)

    def _changes(self, calendar_id: str, stored: str | None, cursor: EventsCursor
                 ) -> Generator[Batch, None, EventsCursor]:
        """With a sync token the API refuses timeMin/timeMax; changes come with the flags of
        the listing that issued the token (and, as far as the replica knows, from any date)."""
        final = yield from self._pages(
            calendar_id, {"syncToken": cursor.sync}, Listing(None), stored,
            lambda token: EventsCursor(token or cursor.sync, cursor.covered))
        return final or cursor

    def _slice(self, calendar_id: str, cursor: EventsCursor, gap: Window
               ) -> Generator[Batch, None, EventsCursor]:
        """A complete listing of `gap`; the token is kept (its changes cover every date)."""
        covered = joined(cursor.covered, gap)
        final = yield from self._pages(calendar_id, self._windowed(gap),
                                       self._scope(calendar_id, gap), cursor.dumps(),
                                       lambda _: EventsCursor(cursor.sync, covered))
        return final or cursor

    @staticmethod
    def _windowed(window: Window) -> dict[str, Any]:
        return {"timeMin": rfc3339(window.start), "timeMax": rfc3339(window.end)}

    @staticmethod
    def _scope(calendar_id: str, window: Window) -> Listing:
        return Listing(Scope("event", (("calendar_id", calendar_id),), window))

    def _pages(self, calendar_id: str, query: dict[str, Any], listing: Listing,
               resume: str | None, done: Callable[[str | None], EventsCursor | None]
               ) -> Pages:
        """`singleEvents` expands series inside the window; `showDeleted` brings cancelled
        events in. Pages before the last carry `resume` (a crash re-reads, never skips);
        the last carries `done(nextSyncToken)`, which is also returned."""
        params = {"calendarId": calendar_id, "singleEvents": True, "showDeleted": True,
                  "maxResults": EVENTS_PAGE_SIZE, **query}
        events = self.client.service("calendar").events()
        final: EventsCursor | None = None
        for page in self.client.pages("calendar",
                                      lambda token: events.list(**params, pageToken=token)):
            last = not page.get("nextPageToken")
            ctx = EventContext(self.source, calendar_id, page.get("timeZone"))
            batch = events_batch(page, ctx, self.scrub)
            if last:
                final = done(page.get("nextSyncToken"))
            batch.cursor = (final.dumps() if final else None) if last else resume
            batch.api_calls = self.calls()
            yield listing.add(batch, last=last)
        return final
