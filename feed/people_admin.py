"""Admin edits to people, identities and links, each a small, recorded change.

People listed in baton.yaml are owned by that file (sync rewrites them), so
only discovered people are edited here. Assigning an identity is stored with
method `manual`, which sync never re-resolves, then copied onto assignees and
calendars at once. A manual link joins two records that exist: a configured
source and a stored, not deleted, record at each end (a link to nothing would
silently feed `linked_items_disagree` nothing). A refuted link stays (status
refuted) so detection does not bring it back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session, col, select

from feed.deps import MAX_ROW_ID
from feed.records import RecordKey, RecordRef, look_up
from model import (
    RECORD_KINDS,
    Identity,
    IdentityMethod,
    Link,
    LinkMethod,
    LinkStatus,
    Person,
    PersonOrigin,
)
from sync.identity import propagate


class AdminError(ValueError):
    """A rejected edit; the message says what to change."""


def people(session: Session) -> list[Person]:
    return list(session.exec(select(Person).order_by(col(Person.name), col(Person.email))))


def update_person(session: Session, person_id: int, *, name: str, capacity: str,
                  timezone: str, active: bool, now: datetime) -> Person:
    person = session.get(Person, person_id)
    if person is None:
        raise AdminError(f"no person {person_id}")
    if person.origin is PersonOrigin.config:
        raise AdminError(f"{person.email} is set in baton.yaml; change it there")
    try:
        hours = float(capacity)
    except ValueError:
        raise AdminError(f'capacity "{capacity}" is not a number of hours') from None
    if not 0 <= hours <= 168:
        raise AdminError("weekly capacity must be between 0 and 168 hours")
    if timezone:
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise AdminError(f'unknown timezone "{timezone}"; use an IANA name such as '
                             '"Europe/Berlin"') from None
    person.name, person.weekly_capacity_hours = name.strip(), hours
    person.timezone, person.active, person.updated_at = timezone or None, active, now
    session.add(person)
    session.commit()
    return person


def assign_identity(session: Session, identity_id: int, chosen: str) -> Identity:
    """`chosen` is the form's person id; empty unassigns."""
    identity = session.get(Identity, identity_id)
    if identity is None:
        raise AdminError(f"no identity {identity_id}")
    person_id = _person_id(session, chosen.strip())
    identity.person_id = person_id
    identity.method = IdentityMethod.manual if person_id is not None else None
    identity.confidence = 1.0 if person_id is not None else 0.0
    session.add(identity)
    session.flush()
    propagate(session.connection())
    session.commit()
    return identity


def _person_id(session: Session, chosen: str) -> int | None:
    if not chosen:
        return None
    if not chosen.isdigit() or not 1 <= int(chosen) <= MAX_ROW_ID \
            or session.get(Person, int(chosen)) is None:
        raise AdminError(f'"{chosen[:40]}" is not one of the people listed; choose a person '
                         "from the list (reload the page if it is out of date)")
    return int(chosen)


@dataclass(frozen=True)
class LinkRow:
    """A link with both ends as people see them: title and deep link, or why not."""

    link: Link
    a: RecordRef
    b: RecordRef


def links(session: Session) -> list[LinkRow]:
    rows = list(session.exec(select(Link).order_by(col(Link.status), col(Link.id).desc())))
    ends = [(_a(link), _b(link)) for link in rows]
    refs = look_up(session, [key for pair in ends for key in pair])
    return [LinkRow(link, refs[a], refs[b]) for link, (a, b) in zip(rows, ends, strict=True)]


def _a(link: Link) -> RecordKey:
    return (link.a_kind, link.a_source, link.a_external_id)


def _b(link: Link) -> RecordKey:
    return (link.b_kind, link.b_source, link.b_external_id)


def add_link(session: Session, a: RecordKey, b: RecordKey, actor: str, note: str,
             now: datetime, sources: Sequence[str]) -> Link:
    """A manual link between two live records of configured `sources`, stored in
    canonical order so both directions are one row."""
    for kind, source, external_id in (a, b):
        if kind not in RECORD_KINDS:
            raise AdminError(f'unknown kind "{kind}"; one of {", ".join(RECORD_KINDS)}')
        if not source or not external_id:
            raise AdminError("both ends need a source and an id")
        if source not in sources:
            raise AdminError(f'unknown source "{source}"; configured sources: '
                             f'{", ".join(sources) or "none"}')
    refs = look_up(session, [a, b])
    for end in (a, b):
        _check_end(refs[end])
    first, second = sorted([a, b])
    if first == second:
        raise AdminError("a record cannot be linked to itself")
    existing = session.exec(select(Link).where(
        Link.a_kind == first[0], Link.a_source == first[1],
        Link.a_external_id == first[2], Link.b_kind == second[0],
        Link.b_source == second[1], Link.b_external_id == second[2])).first()
    link = existing or Link(a_kind=first[0], a_source=first[1], a_external_id=first[2],
                               b_kind=second[0], b_source=second[1], b_external_id=second[2],
                               method=LinkMethod.manual, created_at=now)
    link.status, link.method, link.confidence = LinkStatus.active, LinkMethod.manual, 1.0
    link.created_by, link.evidence, link.updated_at = actor, note[:2048] or None, now
    session.add(link)
    session.commit()
    return link


def _check_end(ref: RecordRef) -> None:
    what = f'{ref.kind} "{ref.external_id}" in {ref.source}'
    if ref.state is None:
        raise AdminError(f"no {what}: check the id (as shown in the tool's URL) or run "
                         f"`baton sync --source {ref.source}` if it is new")
    if not ref.is_live:
        raise AdminError(f"{what} ({ref.label}) was deleted at the source; a link to it "
                         "would never count")


def set_link_status(session: Session, link_id: int, status: LinkStatus, actor: str,
                    now: datetime) -> Link:
    link = session.get(Link, link_id)
    if link is None:
        raise AdminError(f"no link {link_id}")
    link.status, link.updated_at = status, now
    if status is LinkStatus.refuted:
        link.evidence = f"refuted by {actor}" + (f"; was: {link.evidence}" if link.evidence
                                                 else "")
    session.add(link)
    session.commit()
    return link
