"""Who is who and what is linked: the facts `baton people` and `baton links` show.

Unmatched identities are listed with everything known about them (and a
name-based suggestion, never applied), so an admin can add an alias instead
of guessing why someone's work is missing from their workload.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlmodel import Session, col, select

from model import Identity, Link, Person


@dataclass(frozen=True)
class PersonRow:
    person: Person
    identities: list[Identity]


@dataclass(frozen=True)
class UnmatchedRow:
    identity: Identity
    suggestion: Person | None


def people(session: Session) -> tuple[list[PersonRow], list[UnmatchedRow]]:
    persons = {p.id: p for p in session.exec(select(Person).order_by(col(Person.email)))}
    by_person: dict[int, list[Identity]] = defaultdict(list)
    unmatched: list[UnmatchedRow] = []
    query = select(Identity).order_by(col(Identity.source), col(Identity.external_id))
    for identity in session.exec(query):
        if identity.person_id is not None:
            by_person[identity.person_id].append(identity)
        else:
            suggestion = persons.get(identity.suggested_person_id or -1)
            unmatched.append(UnmatchedRow(identity, suggestion))
    rows = [PersonRow(p, by_person.get(p.id or -1, [])) for p in persons.values()]
    return rows, unmatched


def links(session: Session) -> list[Link]:
    return list(session.exec(select(Link).order_by(col(Link.a_source), col(Link.a_external_id),
                                                   col(Link.b_source))))
