"""`ModelView`: an in-memory, indexed snapshot of the model that rule kinds read.

Loading everything once and indexing it (tasks by assignee, a person's
calendar sorted by start, links by record, contacts by email) lets every kind
be a pure function with dictionary lookups and interval sweeps instead of
queries in loops. Deleted rows (tombstones) are left out, so a record gone at
the source simply stops producing findings and its alert resolves.

A task's `state` in the view is its effective state: work inside an archived
container (an archived Asana project, a closed Trello board) is `archived`
like a closed card, unless the task also lives in a live project, and work
inside a deleted container (a deleted Google Tasks list) is left out like a
tombstone. It is derived here, from the containers' own rows, so every rule
and the workload view agree, and archiving a project later takes its tasks
out of live work although none of them changed.

Things only baton's config knows (people's capacity, holidays, the default
timezone, how old each source may get) arrive as a `RulesContext`: rules/
never imports baton/.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from model import (
    Account,
    Contact,
    Deal,
    Event,
    EventAttendee,
    Identity,
    Link,
    LinkStatus,
    Person,
    Project,
    RecordState,
    ResponseStatus,
    SourceState,
    Task,
    TaskAssignee,
    TaskDependency,
)
from rules import rows
from rules.containers import contain
from rules.timeutil import Interval, event_interval, is_all_day, zone

RecordKey = tuple[str, str, str]
"""(kind, source, external_id): how links and subjects address any record."""
Occurrence = tuple[str, datetime | date | None]
"""(iCal UID, original start): one meeting, or one instance of a series."""


@dataclass(frozen=True)
class PersonSettings:
    """A person as configured in baton.yaml; wins over the synced Person row."""

    name: str = ""
    weekly_capacity_hours: float = 40.0
    working_days: tuple[int, ...] = (1, 2, 3, 4, 5)
    timezone: str | None = None
    active: bool = True


@dataclass(frozen=True)
class RulesContext:
    """Facts from baton's configuration that rules need, passed in as plain data."""

    default_timezone: str = "UTC"
    holidays: frozenset[date] = frozenset()
    source_max_age_minutes: Mapping[str, int] = field(default_factory=dict)
    people: Mapping[str, PersonSettings] = field(default_factory=dict)


@dataclass(frozen=True)
class PersonInfo:
    id: int | None
    email: str
    name: str
    weekly_capacity_hours: float
    working_days: frozenset[int]
    tz: ZoneInfo
    active: bool

    @property
    def label(self) -> str:
        return self.name or self.email


@dataclass(frozen=True)
class CalendarEntry:
    """One event on one person's calendar, with that person's answer to it."""

    event: Event
    interval: Interval
    response: ResponseStatus
    all_day: bool

    @property
    def is_live(self) -> bool:
        """Not cancelled, not archived, still happening as far as the tool knows."""
        return self.event.state is RecordState.active and self.event.status != "cancelled"


@dataclass
class ModelView:
    context: RulesContext
    people: dict[int, PersonInfo]
    people_by_email: dict[str, PersonInfo]
    tasks: list[Task]
    tasks_by_key: dict[tuple[str, str], Task]
    assignees: dict[int, list[TaskAssignee]]
    tasks_by_person: dict[int, list[Task]]
    blockers_of: dict[tuple[str, str], list[str]]
    dependents_of: dict[tuple[str, str], list[str]]
    events: list[Event]
    attendees: dict[int, list[EventAttendee]]
    calendars: dict[int, list[CalendarEntry]]
    projects: dict[tuple[str, str], Project]
    accounts: dict[tuple[str, str], Account]
    contacts: dict[tuple[str, str], Contact]
    contacts_by_email: dict[str, list[Contact]]
    deals: list[Deal]
    deals_by_key: dict[tuple[str, str], Deal]
    events_by_key: dict[tuple[str, str], Event]
    identities: dict[tuple[str, str], Identity]
    links: dict[RecordKey, list[tuple[RecordKey, Link]]]
    source_last_success: dict[str, datetime | None]
    default_tz: ZoneInfo
    archived_in: dict[tuple[str, str], Project] = field(default_factory=dict)
    """Tasks archived because of their container, by task key: that container."""

    @classmethod
    def load(cls, session: Session, context: RulesContext) -> ModelView:
        """Read every live row once, as plain rows (`rules.rows`): columns, never `raw`."""
        return cls.build(
            context, people=rows.load(session, Person), tasks=rows.load(session, Task),
            assignees=rows.load_children(session, TaskAssignee, Task, "task_id"),
            dependencies=rows.load(session, TaskDependency), events=rows.load(session, Event),
            attendees=rows.load_children(session, EventAttendee, Event, "event_id"),
            projects=rows.load(session, Project, live=False),
            accounts=rows.load(session, Account), contacts=rows.load(session, Contact),
            deals=rows.load(session, Deal), identities=rows.load(session, Identity),
            links=rows.load(session, Link), source_states=rows.load(session, SourceState))

    @classmethod
    def build(cls, context: RulesContext, *, people: Iterable[Person] = (),
              tasks: Iterable[Task] = (), assignees: Iterable[TaskAssignee] = (),
              dependencies: Iterable[TaskDependency] = (), events: Iterable[Event] = (),
              attendees: Iterable[EventAttendee] = (), projects: Iterable[Project] = (),
              accounts: Iterable[Account] = (), contacts: Iterable[Contact] = (),
              deals: Iterable[Deal] = (), identities: Iterable[Identity] = (),
              links: Iterable[Link] = (), source_states: Iterable[SourceState] = ()
              ) -> ModelView:
        """Index the rows (as loaded, or model objects as tests build them: they become
        plain rows first, so kinds see one type per table).

        The view owns the rows it is given: a task's `state` is set to its effective
        state (see the module doc). `projects` may include tombstones; they only
        tell which containers are gone."""
        people, tasks = rows.as_rows(Person, people), rows.as_rows(Task, tasks)
        assignees = rows.as_rows(TaskAssignee, assignees)
        dependencies = rows.as_rows(TaskDependency, dependencies)
        events, attendees = rows.as_rows(Event, events), rows.as_rows(EventAttendee, attendees)
        projects, accounts = rows.as_rows(Project, projects), rows.as_rows(Account, accounts)
        contacts, deals = rows.as_rows(Contact, contacts), rows.as_rows(Deal, deals)
        identities, links = rows.as_rows(Identity, identities), rows.as_rows(Link, links)
        source_states = rows.as_rows(SourceState, source_states)
        default_tz = zone(context.default_timezone)
        infos = _people(people, context, default_tz)
        live_tasks = [t for t in tasks if t.state is not RecordState.deleted]
        tasks_by_key = {(t.source, t.external_id): t for t in live_tasks}
        live_tasks, archived_in = contain(live_tasks, tasks_by_key, projects)
        task_ids = {t.id for t in live_tasks}
        by_task: dict[int, list[TaskAssignee]] = defaultdict(list)
        for assignee in assignees:
            if assignee.task_id in task_ids:
                by_task[assignee.task_id].append(assignee)
        live_events = [e for e in events if e.state is not RecordState.deleted]
        by_event: dict[int, list[EventAttendee]] = defaultdict(list)
        for attendee in attendees:
            by_event[attendee.event_id].append(attendee)
        live_contacts = _live(contacts)
        view = cls(
            context=context, people={p.id: p for p in infos if p.id is not None},
            people_by_email={p.email: p for p in infos}, tasks=live_tasks,
            tasks_by_key=tasks_by_key,
            assignees=dict(by_task), tasks_by_person=_tasks_by_person(live_tasks, by_task),
            blockers_of={}, dependents_of={}, events=live_events, attendees=dict(by_event),
            calendars={}, projects=_keyed(_live(projects)), accounts=_keyed(_live(accounts)),
            contacts=_keyed(live_contacts), contacts_by_email=_by_email(live_contacts),
            deals=_live(deals), deals_by_key=_keyed(_live(deals)),
            events_by_key=_keyed(live_events),
            identities={(i.source, i.external_id): i for i in identities},
            links=_links(links), default_tz=default_tz,
            source_last_success={s.name: s.last_success_at for s in source_states},
            archived_in=archived_in)
        view.blockers_of, view.dependents_of = _dependencies(dependencies)
        view.calendars = _calendars(view, live_events, by_event)
        return view

    def tz_of(self, person_id: int | None) -> ZoneInfo:
        person = self.people.get(person_id) if person_id is not None else None
        return person.tz if person is not None else self.default_tz

    def assignees_of(self, task: Task) -> list[PersonInfo]:
        found = [self.people.get(a.person_id) for a in self.assignees.get(task.id or -1, [])
                 if a.person_id is not None]
        return sorted({p.email: p for p in found if p is not None}.values(),
                      key=lambda p: p.email)

    def is_assigned(self, task: Task) -> bool:
        return bool(self.assignees.get(task.id or -1))

    def task_tz(self, task: Task) -> ZoneInfo:
        """The first assignee's timezone (a date-only due date is theirs), else the default."""
        people = self.assignees_of(task)
        return people[0].tz if people else self.default_tz

    def record(self, kind: str, source: str, external_id: str) -> Any:
        """The live record addressed by (kind, source, external_id), or None if gone."""
        tables: dict[str, Mapping[tuple[str, str], Any]] = {
            "task": self.tasks_by_key, "project": self.projects, "account": self.accounts,
            "contact": self.contacts, "deal": self.deals_by_key, "event": self.events_by_key}
        return tables.get(kind, {}).get((source, external_id))

    def linked(self, kind: str, source: str, external_id: str
               ) -> list[tuple[RecordKey, Link]]:
        return self.links.get((kind, source, external_id), [])

    def person_for_identity(self, source: str, external_id: str | None) -> PersonInfo | None:
        identity = self.identities.get((source, external_id or ""))
        if identity is None or identity.person_id is None:
            return None
        return self.people.get(identity.person_id)

    def stale_sources(self, now: datetime, max_age_minutes: Mapping[str, int] | None = None
                      ) -> dict[str, datetime | None]:
        """Configured sources without a successful sync within their max age."""
        limits = self.context.source_max_age_minutes if max_age_minutes is None \
            else max_age_minutes
        stale: dict[str, datetime | None] = {}
        for name, minutes in limits.items():
            last = self.source_last_success.get(name)
            if last is None or last < now - timedelta(minutes=minutes):
                stale[name] = last
        return stale


def _people(rows: Iterable[Person], context: RulesContext, default_tz: ZoneInfo
            ) -> list[PersonInfo]:
    """Synced people with baton.yaml's settings laid over them (config wins)."""
    infos: list[PersonInfo] = []
    seen: set[str] = set()
    for person in rows:
        email = person.email.lower()
        conf = context.people.get(email)
        seen.add(email)
        infos.append(PersonInfo(
            id=person.id, email=email, name=(conf.name if conf and conf.name else person.name),
            weekly_capacity_hours=conf.weekly_capacity_hours if conf
            else person.weekly_capacity_hours,
            working_days=frozenset(conf.working_days if conf else person.working_days),
            tz=zone(conf.timezone if conf and conf.timezone else person.timezone,
                    context.default_timezone),
            active=person.active and (conf.active if conf else True)))
    for email, conf in context.people.items():
        if email.lower() not in seen:
            infos.append(PersonInfo(None, email.lower(), conf.name, conf.weekly_capacity_hours,
                                    frozenset(conf.working_days),
                                    zone(conf.timezone, context.default_timezone), conf.active))
    return infos


def _live(rows: Iterable[Any]) -> list[Any]:
    return [r for r in rows if r.state is not RecordState.deleted]


def _keyed(rows: Iterable[Any]) -> dict[tuple[str, str], Any]:
    return {(r.source, r.external_id): r for r in rows}


def _by_email(contacts: Iterable[Contact]) -> dict[str, list[Contact]]:
    found: dict[str, list[Contact]] = defaultdict(list)
    for contact in contacts:
        if contact.email:
            found[contact.email.lower()].append(contact)
    return dict(found)


def _tasks_by_person(tasks: list[Task], by_task: Mapping[int, list[TaskAssignee]]
                     ) -> dict[int, list[Task]]:
    found: dict[int, list[Task]] = defaultdict(list)
    for task in tasks:
        for person_id in {a.person_id for a in by_task.get(task.id or -1, [])}:
            if person_id is not None:
                found[person_id].append(task)
    return dict(found)


def _dependencies(rows: Iterable[TaskDependency]
                  ) -> tuple[dict[tuple[str, str], list[str]], dict[tuple[str, str], list[str]]]:
    blockers: dict[tuple[str, str], list[str]] = defaultdict(list)
    dependents: dict[tuple[str, str], list[str]] = defaultdict(list)
    for dep in rows:
        blockers[(dep.source, dep.task_external_id)].append(dep.blocked_by_external_id)
        dependents[(dep.source, dep.blocked_by_external_id)].append(dep.task_external_id)
    return dict(blockers), dict(dependents)


def _links(rows: Iterable[Link]) -> dict[RecordKey, list[tuple[RecordKey, Link]]]:
    """Active links indexed from both ends; refuted links are ignored (admins said no)."""
    found: dict[RecordKey, list[tuple[RecordKey, Link]]] = defaultdict(list)
    for link in rows:
        if link.status is not LinkStatus.active:
            continue
        a = (link.a_kind, link.a_source, link.a_external_id)
        b = (link.b_kind, link.b_source, link.b_external_id)
        found[a].append((b, link))
        found[b].append((a, link))
    return dict(found)


def _calendars(view: ModelView, events: list[Event],
               attendees: Mapping[int, list[EventAttendee]]) -> dict[int, list[CalendarEntry]]:
    """Each person's calendar: the events they own, sorted by start for sweeps.

    Only owned rows count (one row per calendar copy): an invitation seen on
    someone else's calendar is not evidence of the invitee's own plans. The
    same meeting mirrored twice onto one calendar (same `occurrence_key`) counts
    once; the instances of a series share their iCal UID but are many meetings.
    """
    found: dict[int, list[CalendarEntry]] = defaultdict(list)
    seen: set[tuple[int, Occurrence]] = set()
    for event in sorted(events, key=lambda e: (e.source, e.external_id)):
        owner = event.owner_person_id
        if owner is None or owner not in view.people:
            continue
        occurrence = occurrence_key(event)
        if occurrence is not None:
            if (owner, occurrence) in seen:
                continue
            seen.add((owner, occurrence))
        interval = event_interval(event, view.tz_of(owner))
        if interval is None:
            continue
        response = _response(event, attendees.get(event.id or -1, []), owner,
                             view.people[owner].email)
        found[owner].append(CalendarEntry(event, interval, response, is_all_day(event)))
    for entries in found.values():
        entries.sort(key=lambda entry: (entry.interval, entry.event.external_id))
    return dict(found)


def occurrence_key(event: Event) -> Occurrence | None:
    """Which meeting an event row is, across calendars and sources: its iCal UID (every
    copy of a meeting has it, and so has every instance of a recurring series) plus the
    instance's original start. None for an event without a UID."""
    if not event.ical_uid:
        return None
    return event.ical_uid, event.original_start_at or event.start_at or event.start_date


def _response(event: Event, attendees: list[EventAttendee], owner: int, email: str
              ) -> ResponseStatus:
    """The owner's own answer; an event with no attendee row for them is their own (accepted)."""
    for attendee in attendees:
        if attendee.is_self or attendee.person_id == owner or attendee.email.lower() == email:
            return attendee.response
    return ResponseStatus.accepted
