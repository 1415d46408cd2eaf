"""Alert queries shared by the HTML pages and their /api/ JSON twins.

Filters that need joins across the model (person, project, source) are
applied in Python on the active alerts: a team has hundreds of alerts, not
millions, and one code path for both backends beats clever SQL. Pending
alerts (still inside `min_duration_minutes`) are never shown, as in
`baton alerts`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from model import (
    RECORD_KINDS,
    Alert,
    AlertEvent,
    AlertStatus,
    Person,
    Project,
    Severity,
    SourceState,
    Task,
)
from rules.view import RulesContext

ACTIVE = (AlertStatus.open, AlertStatus.acked, AlertStatus.snoozed)
SEVERITY_ORDER = (Severity.critical, Severity.warning, Severity.info)
STATUS_CHOICES = ("active", *(s.value for s in AlertStatus), "all")
NOBODY = "No one in particular"


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
            return tuple(s for s in AlertStatus if s is not AlertStatus.pending)
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
class AlertItem:
    alert: Alert
    people: list[PersonRef]
    projects: list[str]
    freshness: list[Freshness]

    @property
    def person_label(self) -> str:
        return self.people[0].label if self.people else NOBODY


@dataclass
class Lookup:
    """Names for emails and projects, and source health, loaded once per request."""

    names: dict[str, str]
    projects: dict[tuple[str, str], str]
    task_projects: dict[tuple[str, str], str | None]
    sources: dict[str, datetime | None]
    max_age_minutes: Mapping[str, int] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session, context: RulesContext, alerts: Iterable[Alert]) -> Lookup:
        names = {p.email.lower(): p.name for p in session.exec(select(Person))}
        names.update({e.lower(): s.name for e, s in context.people.items() if s.name})
        projects = {(p.source, p.external_id): p.name for p in session.exec(select(Project))}
        wanted = {(s.get("source"), s.get("external_id")) for a in alerts for s in a.subjects
                  if s.get("type") == "task"}
        ids = [external_id for _, external_id in wanted if external_id]
        tasks = session.exec(select(Task).where(col(Task.external_id).in_(ids))) if ids else []
        task_projects = {(t.source, t.external_id): t.project_external_id for t in tasks}
        sources = {s.name: s.last_success_at for s in session.exec(select(SourceState))}
        return cls(names, projects, task_projects, sources, context.source_max_age_minutes)

    def item(self, alert: Alert, now: datetime) -> AlertItem:
        emails = sorted({str(s["email"]).lower() for s in alert.subjects if s.get("email")},
                        key=lambda e: (not _is_person(alert, e), e))
        people = [PersonRef(e, self.names.get(e, "")) for e in emails]
        return AlertItem(alert, people, self._projects(alert),
                         [self._fresh(name, now) for name in alert.sources])

    def _projects(self, alert: Alert) -> list[str]:
        found: set[str] = set()
        for s in alert.subjects:
            key = (s.get("source") or "", s.get("external_id") or "")
            if s.get("type") == "task":
                key = (key[0], self.task_projects.get(key) or "")
            if s.get("type") in ("task", "project") and key in self.projects:
                found.add(self.projects[key])
        return sorted(found)

    def _fresh(self, source: str, now: datetime) -> Freshness:
        last = self.sources.get(source)
        limit = self.max_age_minutes.get(source)
        stale = last is None or (limit is not None and last < now - timedelta(minutes=limit))
        return Freshness(source, last, stale)


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
                now: datetime) -> tuple[list[AlertItem], Lookup]:
    alerts = _candidates(session, filters)
    lookup = Lookup.load(session, context, alerts)
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
    """By severity (critical first), then by person (alphabetical, "no one" last)."""
    groups = []
    for severity in SEVERITY_ORDER:
        by_person: dict[str, list[AlertItem]] = defaultdict(list)
        for item in items:
            if item.alert.severity is severity:
                by_person[item.person_label].append(item)
        if by_person:
            ordered = sorted(by_person.items(), key=lambda kv: (kv[0] == NOBODY, kv[0].lower()))
            groups.append(Group(severity, ordered))
    return groups


@dataclass(frozen=True)
class Facets:
    """Choices for the filter menus, from the alerts that exist."""

    people: list[PersonRef]
    projects: list[str]
    rules: list[str]
    sources: list[str]
    status_counts: Counter[str]


def facets(session: Session, context: RulesContext, now: datetime) -> Facets:
    alerts = list(session.exec(select(Alert).where(Alert.status != AlertStatus.pending)))
    lookup = Lookup.load(session, context, alerts)
    items = [lookup.item(a, now) for a in alerts]
    people = {p.email: p for i in items for p in i.people}
    counts = Counter(a.status.value for a in alerts)
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


def alert_detail(session: Session, context: RulesContext, alert_id: int, now: datetime
                 ) -> AlertDetail | None:
    alert = session.get(Alert, alert_id)
    if alert is None:
        return None
    lookup = Lookup.load(session, context, [alert])
    events = list(session.exec(select(AlertEvent).where(AlertEvent.alert_id == alert_id)
                               .order_by(col(AlertEvent.at).desc(),
                                         col(AlertEvent.id).desc())).all())
    subjects = [_subject(session, s, lookup) for s in alert.subjects]
    return AlertDetail(lookup.item(alert, now), events, subjects)


def _subject(session: Session, subject: Mapping[str, Any], lookup: Lookup) -> dict[str, Any]:
    """A subject with a human label and its deep link (a task's title, not its id)."""
    kind = str(subject.get("type") or "")
    source, external_id = str(subject.get("source") or ""), str(subject.get("external_id") or "")
    if kind == "person":
        email = str(subject.get("email") or "")
        return {**subject, "label": lookup.names.get(email.lower()) or email, "url": None}
    if kind == "source":
        return {**subject, "label": f"source {source}", "url": None}
    table = RECORD_KINDS.get(kind)
    row = session.exec(select(table).where(col(table.source) == source,
                                           col(table.external_id) == external_id)
                       ).first() if table is not None else None
    name = (getattr(row, "title", None) or getattr(row, "name", None)) if row else None
    return {**subject, "label": name or f"{kind} {external_id}",
            "url": row.url if row is not None else None}
