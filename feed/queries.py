"""Alert queries shared by the HTML pages and their /api/ JSON twins.

Filters that need joins across the model (person, project, source) are
applied in Python on the active alerts: a team has hundreds of alerts, not
millions, and one code path for both backends beats clever SQL. Pending
alerts (still inside `min_duration_minutes`) and retired ones (their rule is
gone) are shown only when asked for by status. An alert about no person
names who should act instead: the owner of its project, else the
coordinator on duty.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from feed.records import RecordKey, RecordRef, look_up
from feed.settings import Coordinator
from model import (
    RECORD_KINDS,
    Alert,
    AlertEvent,
    AlertStatus,
    Identity,
    Person,
    Project,
    Severity,
    SourceState,
    Task,
)
from rules.lifecycle import UNLISTED
from rules.view import PersonSettings, RulesContext

ACTIVE = (AlertStatus.open, AlertStatus.acked, AlertStatus.snoozed)
SEVERITY_ORDER = (Severity.critical, Severity.warning, Severity.info)
STATUS_CHOICES = ("active", *(s.value for s in AlertStatus), "all")
STATUS_PILLS = ("active", *(s.value for s in AlertStatus if s not in UNLISTED))


@dataclass(frozen=True)
class AlertFilters:
    """What the alerts page and `GET /api/v1/alerts` filter by; empty means any."""

    person: str = ""
    project: str = ""
    rule: str = ""
    source: str = ""
    status: str = "active"
    severity: str = ""

    def statuses(self) -> tuple[AlertStatus, ...]:
        if self.status == "all":
            return tuple(s for s in AlertStatus if s not in UNLISTED)
        if self.status in {s.value for s in AlertStatus}:
            return (AlertStatus(self.status),)
        return ACTIVE

    def as_query(self) -> dict[str, str]:
        return {k: v for k, v in self.__dict__.items() if v and not (k == "status"
                                                                     and v == "active")}


@dataclass(frozen=True)
class PersonRef:
    email: str
    name: str

    @property
    def label(self) -> str:
        return self.name or self.email


@dataclass(frozen=True)
class Freshness:
    source: str
    last_success_at: datetime | None
    is_stale: bool


@dataclass(frozen=True)
class ActBy:
    """Who should act on an alert that is about no person, and why them."""

    name: str
    why: str

    @property
    def label(self) -> str:
        return f"Unassigned: {self.name} to act ({self.why})"


@dataclass(frozen=True)
class AlertItem:
    alert: Alert
    people: list[PersonRef]
    projects: list[str]
    freshness: list[Freshness]
    act_by: ActBy | None = None
    """Set when no person is a subject: then someone still has to act."""

    @property
    def person_label(self) -> str:
        if self.people:
            return self.people[0].label
        return self.act_by.label if self.act_by is not None else "Unassigned"


@dataclass
class Lookup:
    """Names for emails and projects, project owners, and source health, loaded once per
    request."""

    names: dict[str, str]
    projects: dict[tuple[str, str], str]
    task_projects: dict[tuple[str, str], str | None]
    sources: dict[str, datetime | None]
    max_age_minutes: Mapping[str, int] = field(default_factory=dict)
    owners: dict[tuple[str, str], PersonRef] = field(default_factory=dict)
    coordinator: Coordinator | None = None

    @classmethod
    def load(cls, session: Session, context: RulesContext, alerts: Iterable[Alert],
             coordinator: Coordinator | None = None) -> Lookup:
        people = list(session.exec(select(Person)))
        names = {p.email.lower(): p.name for p in people}
        names.update({e.lower(): s.name for e, s in context.people.items() if s.name})
        project_rows = list(session.exec(select(Project)))
        projects = {(p.source, p.external_id): p.name for p in project_rows}
        wanted = {(s.get("source"), s.get("external_id")) for a in alerts for s in a.subjects
                  if s.get("type") == "task"}
        ids = [external_id for _, external_id in wanted if external_id]
        tasks = session.exec(select(Task).where(col(Task.external_id).in_(ids))) if ids else []
        task_projects = {(t.source, t.external_id): t.project_external_id for t in tasks}
        sources = {s.name: s.last_success_at for s in session.exec(select(SourceState))}
        owners = _project_owners(session, context, project_rows, people, names)
        return cls(names, projects, task_projects, sources, context.source_max_age_minutes,
                   owners, coordinator)

    def item(self, alert: Alert, now: datetime) -> AlertItem:
        emails = sorted({str(s["email"]).lower() for s in alert.subjects if s.get("email")},
                        key=lambda e: (not _is_person(alert, e), e))
        people = [PersonRef(e, self.names.get(e, "")) for e in emails]
        return AlertItem(alert, people, self._projects(alert),
                         [self._fresh(name, now) for name in alert.sources],
                         None if people else self._act_by(alert))

    def _project_keys(self, alert: Alert) -> list[tuple[str, str]]:
        """The stored projects of the alert's tasks and projects."""
        found: set[tuple[str, str]] = set()
        for s in alert.subjects:
            key = (s.get("source") or "", s.get("external_id") or "")
            if s.get("type") == "task":
                key = (key[0], self.task_projects.get(key) or "")
            if s.get("type") in ("task", "project") and key in self.projects:
                found.add(key)
        return sorted(found)

    def _projects(self, alert: Alert) -> list[str]:
        return sorted({self.projects[key] for key in self._project_keys(alert)})

    def _act_by(self, alert: Alert) -> ActBy:
        """The project's owner when it has an active one, else the coordinator on duty."""
        for key in self._project_keys(alert):
            owner = self.owners.get(key)
            if owner is not None:
                return ActBy(owner.label, f"owner of {self.projects[key]}")
        if self.coordinator is not None:
            return ActBy(self.coordinator.label, "coordinator on duty")
        return ActBy("the coordinator on duty", "name one under coordinator: in baton.yaml")

    def _fresh(self, source: str, now: datetime) -> Freshness:
        last = self.sources.get(source)
        limit = self.max_age_minutes.get(source)
        stale = last is None or (limit is not None and last < now - timedelta(minutes=limit))
        return Freshness(source, last, stale)


def _project_owners(session: Session, context: RulesContext, projects: list[Project],
                    people: list[Person], names: Mapping[str, str]
                    ) -> dict[tuple[str, str], PersonRef]:
    """Each project's owner as a person, when their tool account is matched to an active
    one (a deactivated owner reads nothing, so the coordinator acts instead)."""
    wanted = {(p.source, p.owner_external_id) for p in projects if p.owner_external_id}
    if not wanted:
        return {}
    ids = sorted({external_id for _, external_id in wanted})
    accounts = {(i.source, i.external_id): i.person_id for i in session.exec(
        select(Identity).where(col(Identity.external_id).in_(ids),
                               col(Identity.person_id).is_not(None)))}
    active = {p.id: p.email.lower() for p in people
              if p.active and context.people.get(p.email.lower(), PersonSettings()).active}
    owners: dict[tuple[str, str], PersonRef] = {}
    for project in projects:
        email = active.get(accounts.get((project.source, project.owner_external_id or "")))
        if email is not None:
            owners[(project.source, project.external_id)] = PersonRef(email,
                                                                      names.get(email, ""))
    return owners


def _is_person(alert: Alert, email: str) -> bool:
    return any(s.get("type") == "person" and s.get("email") == email for s in alert.subjects)


def matches(item: AlertItem, filters: AlertFilters) -> bool:
    alert = item.alert
    sources = set(alert.sources) | {str(s["source"]) for s in alert.subjects if s.get("source")}
    return ((not filters.person or filters.person.lower() in {p.email for p in item.people})
            and (not filters.project or filters.project in item.projects)
            and (not filters.rule or filters.rule == alert.rule)
            and (not filters.source or filters.source in sources)
            and (not filters.severity or filters.severity == alert.severity.value))


def _candidates(session: Session, filters: AlertFilters) -> list[Alert]:
    statement = (select(Alert).where(col(Alert.status).in_(filters.statuses()))
                 .order_by(col(Alert.last_seen).desc(), col(Alert.id).desc()))
    return list(session.exec(statement).all())


def list_alerts(session: Session, context: RulesContext, filters: AlertFilters,
                now: datetime, coordinator: Coordinator | None = None
                ) -> tuple[list[AlertItem], Lookup]:
    alerts = _candidates(session, filters)
    lookup = Lookup.load(session, context, alerts, coordinator)
    items = [lookup.item(a, now) for a in alerts]
    return [i for i in items if matches(i, filters)], lookup


def page_alerts(items: list[AlertItem], after_id: int | None, limit: int
                ) -> tuple[list[AlertItem], int | None]:
    """Cursor paging in id order (newest first): ids never shift when alerts change."""
    ordered = sorted(items, key=lambda i: -(i.alert.id or 0))
    if after_id is not None:
        ordered = [i for i in ordered if (i.alert.id or 0) < after_id]
    page = ordered[:limit]
    more = len(ordered) > limit
    return page, (page[-1].alert.id if more and page else None)


@dataclass(frozen=True)
class Group:
    severity: Severity
    people: list[tuple[str, list[AlertItem]]]

    @property
    def count(self) -> int:
        return sum(len(items) for _, items in self.people)


def group_alerts(items: list[AlertItem]) -> list[Group]:
    """By severity (critical first), then by person (alphabetical), unassigned work last."""
    groups = []
    for severity in SEVERITY_ORDER:
        by_person: dict[tuple[bool, str], list[AlertItem]] = defaultdict(list)
        for item in items:
            if item.alert.severity is severity:
                by_person[(not item.people, item.person_label)].append(item)
        if by_person:
            ordered = sorted(by_person.items(), key=lambda kv: (kv[0][0], kv[0][1].lower()))
            groups.append(Group(severity, [(label, found) for (_, label), found in ordered]))
    return groups


@dataclass(frozen=True)
class Facets:
    """Choices for the filter menus, from the alerts that exist."""

    people: list[PersonRef]
    projects: list[str]
    rules: list[str]
    sources: list[str]
    status_counts: Counter[str]


def facets(session: Session, context: RulesContext, now: datetime,
           filters: AlertFilters | None = None) -> Facets:
    """Menus list every choice; status counts follow the other filters, so each pill says
    what clicking it would show."""
    alerts = list(session.exec(select(Alert).where(col(Alert.status).not_in(UNLISTED))))
    lookup = Lookup.load(session, context, alerts)
    items = [lookup.item(a, now) for a in alerts]
    people = {p.email: p for i in items for p in i.people}
    counts = Counter(i.alert.status.value for i in items
                     if filters is None or matches(i, filters))
    counts["active"] = sum(counts[s.value] for s in ACTIVE)
    return Facets(sorted(people.values(), key=lambda p: p.label.lower()),
                  sorted({p for i in items for p in i.projects}),
                  sorted({a.rule for a in alerts}),
                  sorted({s for a in alerts for s in a.sources}), counts)


@dataclass(frozen=True)
class AlertDetail:
    item: AlertItem
    events: list[AlertEvent]
    subjects: list[dict[str, Any]]


def alert_detail(session: Session, context: RulesContext, alert_id: int, now: datetime,
                 coordinator: Coordinator | None = None) -> AlertDetail | None:
    alert = session.get(Alert, alert_id)
    if alert is None:
        return None
    lookup = Lookup.load(session, context, [alert], coordinator)
    events = list(session.exec(select(AlertEvent).where(AlertEvent.alert_id == alert_id)
                               .order_by(col(AlertEvent.at).desc(),
                                         col(AlertEvent.id).desc())).all())
    keys = [_key(s) for s in alert.subjects]
    refs = look_up(session, [k for k in keys if k[0] in RECORD_KINDS])
    subjects = [_subject(s, key, lookup, refs) for s, key in zip(alert.subjects, keys,
                                                                   strict=True)]
    return AlertDetail(lookup.item(alert, now), events, subjects)


def _key(subject: Mapping[str, Any]) -> RecordKey:
    return (str(subject.get("type") or ""), str(subject.get("source") or ""),
            str(subject.get("external_id") or ""))


def _subject(subject: Mapping[str, Any], key: RecordKey, lookup: Lookup,
             refs: Mapping[RecordKey, RecordRef]) -> dict[str, Any]:
    """A subject with a human label and its deep link (a task's title, not its id)."""
    kind, source, _ = key
    if kind == "person":
        email = str(subject.get("email") or "")
        return {**subject, "label": lookup.names.get(email.lower()) or email, "url": None}
    if kind == "source":
        return {**subject, "label": f"source {source}", "url": None}
    ref = refs.get(key) or RecordRef(*key)
    return {**subject, "label": ref.label, "url": ref.url}
