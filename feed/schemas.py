"""JSON shapes of the API, kept apart from the tables.

Only what a client needs goes out: never `raw` payloads, tokens or hashes.
Every error has one shape (`ErrorOut`, as datasette does): `ok`, `error` for
people, `code` for programs, `status` repeating the HTTP status.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from feed.actions import MAX_SNOOZE
from feed.queries import AlertItem
from model import AlertEvent


class ErrorOut(BaseModel):
    ok: bool = False
    error: str
    code: str
    status: int


class SubjectOut(BaseModel):
    type: str
    source: str | None = None
    external_id: str | None = None
    email: str | None = None


class EvidenceOut(BaseModel):
    fact: str
    url: str | None = None


class FreshnessOut(BaseModel):
    source: str
    last_success_at: datetime | None
    is_stale: bool


class PersonRefOut(BaseModel):
    email: str
    name: str


class AlertOut(BaseModel):
    id: int
    rule: str
    kind: str
    severity: str
    status: str
    title: str
    summary: str
    fingerprint: str
    people: list[PersonRefOut]
    projects: list[str]
    subjects: list[SubjectOut]
    evidence: list[EvidenceOut]
    sources: list[FreshnessOut]
    is_stale: bool
    snoozed_until: datetime | None
    first_seen: datetime
    last_seen: datetime
    resolved_at: datetime | None
    reopen_count: int

    @classmethod
    def of(cls, item: AlertItem) -> AlertOut:
        a = item.alert
        return cls(
            id=a.id or 0, rule=a.rule, kind=a.kind, severity=a.severity.value,
            status=a.status.value, title=a.title, summary=a.summary, fingerprint=a.fingerprint,
            people=[PersonRefOut(email=p.email, name=p.name) for p in item.people],
            projects=item.projects, subjects=[SubjectOut(**_pick(s, SubjectOut))
                                              for s in a.subjects],
            evidence=[EvidenceOut(**_pick(e, EvidenceOut)) for e in a.evidence],
            sources=[FreshnessOut(**f.__dict__) for f in item.freshness], is_stale=a.is_stale,
            snoozed_until=a.snoozed_until, first_seen=a.first_seen, last_seen=a.last_seen,
            resolved_at=a.resolved_at, reopen_count=a.reopen_count)


def _pick(data: dict[str, Any], model: type[BaseModel]) -> dict[str, Any]:
    return {k: data.get(k) for k in model.model_fields if k in data}


class AlertPage(BaseModel):
    ok: bool = True
    alerts: list[AlertOut]
    next_cursor: str | None = Field(description="pass as ?cursor= for the next page")


class EventOut(BaseModel):
    at: datetime
    actor: str
    action: str
    from_status: str | None
    to_status: str | None
    note: str | None

    @classmethod
    def of(cls, event: AlertEvent) -> EventOut:
        return cls(at=event.at, actor=event.actor, action=event.action,
                   from_status=event.from_status.value if event.from_status else None,
                   to_status=event.to_status.value if event.to_status else None,
                   note=event.note)


class AlertDetailOut(BaseModel):
    ok: bool = True
    alert: AlertOut
    history: list[EventOut]


class ActionIn(BaseModel):
    note: str | None = Field(None, max_length=2000)


class SnoozeIn(ActionIn):
    until: datetime = Field(description=(
        f"ISO 8601 with a UTC offset, in the future and at most {MAX_SNOOZE.days} days ahead"))


class StreamStatusOut(BaseModel):
    source: str
    stream: str | None
    status: str | None
    started_at: datetime | None
    finished_at: datetime | None
    fetched: int | None
    upserted: int | None
    deleted: int | None
    quarantined: int
    error: str | None
    cursor_updated_at: datetime | None
    next_action: str


class StatusOut(BaseModel):
    ok: bool = True
    streams: list[StreamStatusOut]


class WeekOut(BaseModel):
    week: str
    committed_hours: float
    capacity_hours: float


class PersonOut(BaseModel):
    email: str
    name: str
    active: bool
    timezone: str
    weekly_capacity_hours: float
    open_alerts: int
    weeks: list[WeekOut]


class PeopleOut(BaseModel):
    ok: bool = True
    people: list[PersonOut]
