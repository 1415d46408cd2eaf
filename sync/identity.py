"""Who is who across tools: identities → people, then people onto work and time.

Order of evidence: a config alias (an admin said so) beats an email match
(same normalised address), which beats nothing. A name match is only a
*suggestion* — stored, shown by `baton people`, never applied — because two
"Alex"es merged silently corrupt every workload number after. Identities an
admin matched by hand (`manual`) are never touched. Identities with an email
and no person create a discovered person, so colleagues who are in Asana or
Salesforce but not in the config still get their workload computed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from model import (
    Event,
    EventAttendee,
    Identity,
    IdentityMethod,
    Person,
    PersonOrigin,
    Task,
    TaskAssignee,
)
from sync.upsert import upsert_rows


@dataclass(frozen=True)
class PersonSpec:
    """A person as the admin configured them (baton passes its config in as these)."""

    email: str
    name: str = ""
    weekly_capacity_hours: float = 40.0
    working_days: tuple[int, ...] = (1, 2, 3, 4, 5)
    timezone: str | None = None
    active: bool = True
    aliases: dict[str, str] = field(default_factory=dict)


def resolve(connection: Connection, people: Sequence[PersonSpec], now: datetime) -> None:
    _upsert_config_people(connection, people, now)
    persons = {p.email: p.id for p in connection.execute(sa.select(Person.email, Person.id))}
    names = {name.lower(): pid for name, pid in connection.execute(
        sa.select(Person.name, Person.id)) if name}
    aliases = {(source, value): persons[spec.email]
               for spec in people for source, value in spec.aliases.items()}
    identities = connection.execute(sa.select(Identity).where(
        sa.or_(Identity.method.is_(None), Identity.method != IdentityMethod.manual))).all()
    for identity in identities:
        match = _match(identity, aliases, persons)
        if match is None and identity.email:
            persons[identity.email] = _discover(connection, identity, now)
            match = (persons[identity.email], IdentityMethod.email)
        person_id, method = match if match else (None, None)
        suggestion = None if match else names.get((identity.display_name or "").lower())
        connection.execute(sa.update(Identity).where(Identity.id == identity.id).values(
            person_id=person_id, method=method, confidence=1.0 if match else 0.0,
            suggested_person_id=suggestion))
    propagate(connection)


def _match(identity: Identity, aliases: dict[tuple[str, str], int],
           persons: dict[str, int]) -> tuple[int, IdentityMethod] | None:
    for value in (identity.external_id, identity.username, identity.email):
        if value and (identity.source, value) in aliases:
            return aliases[(identity.source, value)], IdentityMethod.config
    if identity.email and identity.email.lower() in persons:
        return persons[identity.email.lower()], IdentityMethod.email
    return None


def _discover(connection: Connection, identity: Identity, now: datetime) -> int:
    return int(connection.execute(sa.insert(Person).values(
        email=identity.email, name=identity.display_name or "", weekly_capacity_hours=40.0,
        working_days=[1, 2, 3, 4, 5], active=True, origin=PersonOrigin.discovered,
        created_at=now, updated_at=now).returning(Person.id)).scalar_one())


def _upsert_config_people(connection: Connection, people: Sequence[PersonSpec],
                          now: datetime) -> None:
    rows = [{"email": p.email.lower(), "name": p.name,
             "weekly_capacity_hours": p.weekly_capacity_hours,
             "working_days": list(p.working_days), "timezone": p.timezone, "active": p.active,
             "origin": PersonOrigin.config, "created_at": now, "updated_at": now}
            for p in people]
    if rows:
        upsert_rows(connection, Person, rows, ("email",), change_columns=(
            "name", "weekly_capacity_hours", "working_days", "timezone", "active", "origin"),
            insert_only=("created_at",))


def propagate(connection: Connection) -> None:
    """Copy resolved people onto assignees, event owners and attendees (set-based SQL)."""
    identity_person = sa.select(Identity.person_id).where(
        Identity.source == Task.source, Identity.external_id == TaskAssignee.user_external_id,
        Task.id == TaskAssignee.task_id).scalar_subquery()
    connection.execute(sa.update(TaskAssignee).values(person_id=identity_person))
    owner = sa.select(Identity.person_id).where(
        Identity.source == Event.source,
        Identity.external_id == Event.owner_external_id).scalar_subquery()
    connection.execute(sa.update(Event).values(owner_person_id=owner))
    by_email = sa.func.coalesce(
        sa.select(Person.id).where(Person.email == EventAttendee.email).scalar_subquery(),
        sa.select(Identity.person_id).where(Identity.email == EventAttendee.email,
                                            Identity.person_id.is_not(None))
        .limit(1).scalar_subquery())
    connection.execute(sa.update(EventAttendee).values(person_id=by_email))
