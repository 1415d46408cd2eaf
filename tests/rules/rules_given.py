"""Build model rows from the short `given:` blocks the YAML cases and lifecycle tests use.

Cases name records by short ids and people by email; this turns them into
the model objects sync would store (ids assigned, assignees and attendees
pointing at people), so the same rows can feed `ModelView.build` directly or
be written to a real database for `ModelView.load`.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlmodel import Session

from model import (
    Account,
    Contact,
    Deal,
    Event,
    EventAttendee,
    EventKind,
    Identity,
    Link,
    LinkMethod,
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
from rules.view import ModelView, PersonSettings, RulesContext


def instant(value: Any) -> datetime | None:
    """YAML gives datetimes or strings; naive means UTC (cases always write Z anyway)."""
    if value is None:
        return None
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def day(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


@dataclass
class Rows:
    people: list[Person] = field(default_factory=list)
    identities: list[Identity] = field(default_factory=list)
    projects: list[Project] = field(default_factory=list)
    accounts: list[Account] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    deals: list[Deal] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    assignees: list[TaskAssignee] = field(default_factory=list)
    dependencies: list[TaskDependency] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    attendees: list[EventAttendee] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    source_states: list[SourceState] = field(default_factory=list)

    def all(self) -> list[Any]:
        """Every row in an order foreign keys accept."""
        return [*self.people, *self.identities, *self.projects, *self.accounts,
                *self.contacts, *self.deals, *self.tasks, *self.assignees, *self.dependencies,
                *self.events, *self.attendees, *self.links, *self.source_states]

    def view(self, context: RulesContext) -> ModelView:
        return ModelView.build(context, **{k: getattr(self, k) for k in (
            "people", "tasks", "assignees", "dependencies", "events", "attendees", "projects",
            "accounts", "contacts", "deals", "identities", "links", "source_states")})

    def save(self, session: Session) -> None:
        for row in self.all():
            session.add(row)
            session.flush()
        session.commit()


def context_from(spec: dict[str, Any] | None) -> RulesContext:
    spec = spec or {}
    people = {email: PersonSettings(**settings)
              for email, settings in (spec.get("people") or {}).items()}
    return RulesContext(default_timezone=spec.get("default_timezone", "UTC"),
                        holidays=frozenset(day(h) for h in spec.get("holidays", [])),
                        source_max_age_minutes=spec.get("source_max_age_minutes", {}),
                        people=people)


class Builder:
    """Turns a `given:` mapping into `Rows`; ids continue across calls for later additions."""

    def __init__(self) -> None:
        self.ids = itertools.count(1)
        self.person_ids: dict[str, int] = {}

    def rows(self, given: dict[str, Any]) -> Rows:
        rows = Rows()
        for spec in given.get("people", []):
            rows.people.append(self.person(spec))
        for spec in given.get("identities", []):
            rows.identities.append(Identity(
                id=next(self.ids), source=spec["source"], external_id=spec["id"],
                email=spec.get("email"), active=spec.get("active", True),
                display_name=spec.get("display_name"),
                person_id=self.person_ids.get(spec.get("person", ""))))
        rows.projects += [Project(id=next(self.ids), source=s.get("source", "asana-main"),
                                  external_id=s["id"], name=s["name"], url=s.get("url"),
                                  account_external_id=s.get("account"), due_on=day(s.get("due_on")),
                                  state=RecordState(s.get("state", "active")))
                          for s in given.get("projects", [])]
        rows.accounts += [Account(id=next(self.ids), source=s.get("source", "salesforce"),
                                  external_id=s["id"], name=s["name"])
                          for s in given.get("accounts", [])]
        rows.contacts += [Contact(id=next(self.ids), source=s.get("source", "salesforce"),
                                  external_id=s["id"], name=s.get("name", ""),
                                  email=s.get("email"), account_external_id=s.get("account"))
                          for s in given.get("contacts", [])]
        rows.deals += [self.deal(s) for s in given.get("deals", [])]
        for spec in given.get("tasks", []):
            self.task(spec, rows)
        for spec in given.get("events", []):
            self.event(spec, rows)
        rows.links += [self.link(s) for s in given.get("links", [])]
        rows.source_states += [SourceState(id=next(self.ids), name=s["name"],
                                           type=s.get("type", "asana"),
                                           last_success_at=instant(s.get("last_success")))
                               for s in given.get("sources", [])]
        return rows

    def person(self, spec: dict[str, Any]) -> Person:
        person_id = next(self.ids)
        self.person_ids[spec["email"]] = person_id
        return Person(id=person_id, email=spec["email"], name=spec.get("name", ""),
                      timezone=spec.get("timezone"), active=spec.get("active", True),
                      weekly_capacity_hours=spec.get("weekly_capacity_hours", 40.0),
                      working_days=spec.get("working_days", [1, 2, 3, 4, 5]))

    def deal(self, spec: dict[str, Any]) -> Deal:
        return Deal(id=next(self.ids), source=spec.get("source", "salesforce"),
                    external_id=spec["id"], name=spec["name"], url=spec.get("url"),
                    account_external_id=spec.get("account"), stage=spec.get("stage", ""),
                    is_closed=spec.get("is_closed", False), is_won=spec.get("is_won", False),
                    close_on=day(spec.get("close_on")), owner_external_id=spec.get("owner"),
                    state=RecordState(spec.get("state", "active")))

    def task(self, spec: dict[str, Any], rows: Rows) -> Task:
        source = spec.get("source", "asana-main")
        task = Task(
            id=next(self.ids), source=source, external_id=spec["id"],
            title=spec.get("title", spec["id"]), url=spec.get("url"),
            project_external_id=spec.get("project"),
            project_external_ids=list(spec.get("projects", [])),
            parent_external_id=spec.get("parent"), description=spec.get("description"),
            start_on=day(spec.get("start_on")),
            due_on=day(spec.get("due_on")), due_at=instant(spec.get("due_at")),
            completed_at=instant(spec.get("completed_at")),
            estimate_hours=spec.get("estimate_hours"),
            remote_updated_at=instant(spec.get("updated_at")),
            state=RecordState(spec.get("state", "active")),
            contact_external_id=spec.get("contact"), account_external_id=spec.get("account"),
            deal_external_id=spec.get("deal"))
        rows.tasks.append(task)
        for who in spec.get("assignees", []):
            rows.assignees.append(TaskAssignee(
                id=next(self.ids), task_id=task.id, user_external_id=f"user:{who}",
                person_id=self.person_ids.get(who)))
        for blocker in spec.get("blocked_by", []):
            rows.dependencies.append(TaskDependency(
                id=next(self.ids), source=source, task_external_id=task.external_id,
                blocked_by_external_id=blocker))
        return task

    def event(self, spec: dict[str, Any], rows: Rows) -> Event:
        owner = spec.get("owner")
        event = Event(
            id=next(self.ids), source=spec.get("source", "google"), external_id=spec["id"],
            title=spec.get("title", spec["id"]), url=spec.get("url"),
            start_at=instant(spec.get("start")), end_at=instant(spec.get("end")),
            start_date=day(spec.get("start_date")), end_date=day(spec.get("end_date")),
            kind=EventKind(spec.get("kind", "meeting")), busy=spec.get("busy", True),
            status=spec.get("status", "confirmed"), ical_uid=spec.get("ical_uid"),
            original_start_at=instant(spec.get("original_start")),
            owner_person_id=self.person_ids.get(owner) if owner else None,
            owner_external_id=spec.get("owner_external_id"),
            contact_external_id=spec.get("contact"), account_external_id=spec.get("account"),
            deal_external_id=spec.get("deal"), state=RecordState(spec.get("state", "active")))
        rows.events.append(event)
        if owner and "response" in spec:
            rows.attendees.append(EventAttendee(
                id=next(self.ids), event_id=event.id, email=owner, is_self=True,
                response=ResponseStatus(spec["response"]), person_id=self.person_ids.get(owner)))
        for attendee in spec.get("attendees", []):
            rows.attendees.append(EventAttendee(
                id=next(self.ids), event_id=event.id, email=attendee["email"],
                response=ResponseStatus(attendee.get("response", "accepted")),
                person_id=self.person_ids.get(attendee["email"])))
        return event

    def link(self, spec: dict[str, Any]) -> Link:
        a_kind, a_source, a_id = spec["a"].split(":", 2)
        b_kind, b_source, b_id = spec["b"].split(":", 2)
        return Link(id=next(self.ids), a_kind=a_kind, a_source=a_source, a_external_id=a_id,
                    b_kind=b_kind, b_source=b_source, b_external_id=b_id,
                    method=LinkMethod(spec.get("method", "url_in_description")),
                    confidence=spec.get("confidence", 1.0),
                    status=LinkStatus(spec.get("status", "active")))
