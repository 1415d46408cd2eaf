"""A meeting with a client ended days ago and nothing followed it.

**Fires when** a meeting attended by a Salesforce contact (someone who is
not staff) ended at least `after_days` ago (and not more than
`max_age_days`), and since then no task in any tool refers to that contact
or their account with a due date or completion after the meeting, and no
later meeting with them is booked: "Venue walkthrough with Acme" on Monday,
still nothing by Thursday.

**Does not fire when** the contact declined, the meeting was cancelled,
only staff attended, a Salesforce task "Send proposal" for that contact or
account is due after the meeting, or a follow-up meeting with the contact
is on a calendar.

**Why it matters:** the meeting is in Google Calendar, the client in
Salesforce and the follow-up (if any) in Asana; promises made in a client
meeting are what an agency is judged on.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

from model import Contact, Event, EventKind, RecordState, ResponseStatus, Task
from rules.findings import Finding
from rules.records import local, name_of, record_evidence, record_subject
from rules.timeutil import due_deadline, local_date, start_of_day
from rules.view import ModelView


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    after_days: int = Field(2, ge=0, description="days after the meeting ended")
    max_age_days: int = Field(14, ge=1, description="older meetings are not news")
    later_meeting_counts: bool = Field(True, description="a later meeting with the contact "
                                       "is a follow-up")


def evaluate(view: ModelView, params: Params, now: datetime) -> Iterator[Finding]:
    meetings = _meetings(view, now, params)
    if not meetings:
        return
    tasks = _tasks_by_party(view)
    # every source holding tasks (see won_deal_no_kickoff for why never-synced ones are not)
    searched = frozenset({t.source for t in view.tasks})
    later = _meetings_by_contact(view) if params.later_meeting_counts else {}
    for key, copies in sorted(meetings.items()):
        event = min(copies, key=lambda e: (e.source, e.external_id))
        for contact in _client_contacts(view, copies):
            if not (_task_after(view, contact, event, tasks)
                    or _meeting_after(contact, key, event, later)):
                yield _finding(view, event, contact, now, searched)


def _meetings(view: ModelView, now: datetime, params: Params) -> dict[str, list[Event]]:
    """Finished timed meetings in the window, copies of one meeting grouped by iCal UID."""
    newest, oldest = now - timedelta(days=params.after_days), now - timedelta(
        days=params.max_age_days)
    found: dict[str, list[Event]] = defaultdict(list)
    for event in view.events:
        if (event.start_at is None or event.end_at is None or event.state is not RecordState.active
                or event.status == "cancelled" or event.kind is not EventKind.meeting):
            continue
        if oldest <= event.end_at <= newest:
            found[_group(event)].append(event)
    return dict(found)


def _client_contacts(view: ModelView, copies: list[Event]) -> list[Contact]:
    """Client contacts who attended (did not decline). A client contact belongs to an
    account (a CRM contact): the same person in someone's address book (Google People)
    is not a second client, and staff addresses never count."""
    found: dict[tuple[str, str], Contact] = {}
    for event in copies:
        for attendee in view.attendees.get(event.id or -1, []):
            email = attendee.email.lower()
            if attendee.response is ResponseStatus.declined or email in view.people_by_email:
                continue
            for contact in view.contacts_by_email.get(email, []):
                if contact.account_external_id:
                    found[(contact.source, contact.external_id)] = contact
        contact = view.contacts.get((event.source, event.contact_external_id or ""))
        if contact is not None and contact.account_external_id:
            found[(contact.source, contact.external_id)] = contact
    return [found[k] for k in sorted(found)]


def _meetings_by_contact(view: ModelView) -> dict[str, list[Event]]:
    """Live events by the contact ids and emails they involve."""
    found: dict[str, list[Event]] = defaultdict(list)
    for event in view.events:
        if event.state is not RecordState.active or event.status == "cancelled":
            continue
        if event.contact_external_id:
            found[f"id:{event.contact_external_id}"].append(event)
        for attendee in view.attendees.get(event.id or -1, []):
            if attendee.response is not ResponseStatus.declined:
                found[f"email:{attendee.email.lower()}"].append(event)
    return dict(found)


def _group(event: Event) -> str:
    """One meeting seen on several calendars shares its iCal UID."""
    return event.ical_uid or f"{event.source}/{event.external_id}"


def _tasks_by_party(view: ModelView) -> dict[str, list[Task]]:
    found: dict[str, list[Task]] = defaultdict(list)
    for task in view.tasks:
        if task.contact_external_id:
            found[f"contact:{task.contact_external_id}"].append(task)
        if task.account_external_id:
            found[f"account:{task.account_external_id}"].append(task)
    return dict(found)


def _task_after(view: ModelView, contact: Contact, meeting: Event,
                tasks: dict[str, list[Task]]) -> bool:
    """A task for the contact or their account, due or completed after the meeting began."""
    start = meeting.start_at
    if start is None:
        return False
    day_start = start_of_day(local_date(start, view.default_tz), view.default_tz)
    candidates = tasks.get(f"contact:{contact.external_id}", [])
    if contact.account_external_id:
        candidates = candidates + tasks.get(f"account:{contact.account_external_id}", [])
    for task in candidates:
        deadline = due_deadline(task.due_on, task.due_at, view.task_tz(task))
        if (task.completed_at and task.completed_at >= start) or (
                deadline and deadline > day_start):
            return True
    return False


def _meeting_after(contact: Contact, group: str, meeting: Event,
                   later: dict[str, list[Event]]) -> bool:
    end = meeting.end_at
    keys = [f"id:{contact.external_id}", f"email:{(contact.email or '').lower()}"]
    return end is not None and any(
        e.start_at is not None and e.start_at >= end and _group(e) != group
        for key in keys for e in later.get(key, []))


def _finding(view: ModelView, event: Event, contact: Contact, now: datetime,
             searched: frozenset[str]) -> Finding:
    """`searched`: every source a follow-up could be in; absence is only news if all are fresh."""
    owner = view.people.get(event.owner_person_id) if event.owner_person_id else None
    email = owner.email if owner else None
    tz = owner.tz if owner else view.default_tz
    end = event.end_at or now
    days = (now - end).days
    return Finding(
        subjects=(record_subject("event", event, email), record_subject("contact", contact)),
        title=f"No follow-up after {name_of(event)} with {name_of(contact)}",
        summary=f"The meeting ended {local(end, tz)} ({days} days ago); no task or "
                "later meeting for this contact or their account exists since.",
        evidence=(record_evidence("event", event, f"{name_of(event)} ended "
                                  f"{local(end, tz)}", email),
                  record_evidence("contact", contact, f"client contact {name_of(contact)} "
                                  f"<{contact.email}>")),
        extra_sources=searched)
