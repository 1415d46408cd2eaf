"""Shared vocabulary of the kinds: what "open", "busy" and "a subject" mean.

Every kind asks the same questions (is this task still open? does this
event take the person's time? how is this record named in an alert?), and
two kinds answering them differently would make alerts contradict each
other, so the answers live here once.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from model import EventKind, RecordState, ResponseStatus, SyncedRecord, Task
from rules.findings import Evidence, Subject
from rules.view import CalendarEntry, PersonInfo

DONE_STATES = frozenset({RecordState.completed, RecordState.archived})
MEETING_KINDS = frozenset({EventKind.meeting, EventKind.other})


def is_open_task(task: Task) -> bool:
    """Active and not completed: archived (closed Trello) cards are not open work."""
    return task.state is RecordState.active and task.completed_at is None


def is_done_task(task: Task) -> bool:
    return task.completed_at is not None or task.state in DONE_STATES


def takes_time(entry: CalendarEntry, *, ignore_declined: bool = True,
               ignore_tentative: bool = False) -> bool:
    """A timed, live, opaque meeting the person has not turned down.

    All-day events are not meetings, transparent ("free") events block
    nothing, and focus / working-location / out-of-office blocks are not
    commitments to other people.
    """
    if entry.all_day or not entry.is_live or not entry.event.busy:
        return False
    if entry.event.kind not in MEETING_KINDS:
        return False
    if ignore_declined and entry.response is ResponseStatus.declined:
        return False
    return not (ignore_tentative and entry.response is ResponseStatus.tentative)


def person_subject(person: PersonInfo) -> Subject:
    return Subject(type="person", email=person.email)


def record_subject(kind: str, record: SyncedRecord, email: str | None = None) -> Subject:
    return Subject(type=kind, source=record.source, external_id=record.external_id,
                   email=email)


def record_evidence(kind: str, record: SyncedRecord, fact: str,
                    email: str | None = None) -> Evidence:
    """A fact about a record with its deep link (the record's `url`)."""
    return Evidence(fact=fact, url=record.url, subject=record_subject(kind, record, email))


def name_of(record: SyncedRecord) -> str:
    """A record's human name, quoted; synced text is untrusted, so it is only ever data."""
    text = getattr(record, "title", None) or getattr(record, "name", None) or record.external_id
    return f'"{text}"'


def local(instant: datetime, tz: ZoneInfo) -> str:
    """`Tue 2026-03-10 14:00 Europe/Madrid`: times in alerts are the person's own."""
    return f"{instant.astimezone(tz):%a %Y-%m-%d %H:%M} {tz.key}"


def due_text(due_on: date | None, due_at: datetime | None, tz: ZoneInfo) -> str:
    """A deadline as alerts word it, summary and evidence alike: a due date stays a date
    (`Sun 2026-11-29`, never the midnight after it), a due time is shown in `tz`."""
    if due_at is not None:
        return local(due_at, tz)
    return f"{due_on:%a %Y-%m-%d}" if due_on is not None else "no due date"
