"""Open work is still owned by someone who has left or been deactivated.

**Fires when** a person marked `active: false` in baton.yaml (or in the
synced people), or an account deactivated in its tool (Salesforce user
IsActive false, removed from the Asana workspace), still owns open tasks,
open deals or future meetings. One alert per owner lists all of it: "Ben
(inactive) still owns 3 Asana tasks, 1 open opportunity and 2 meetings
next week".

**Does not fire when** the owner is active, their work is done, archived or
closed, their meetings are in the past or cancelled, or the work was
reassigned (the alert resolves on its own once nothing is left).

**Why it matters:** when someone leaves, their work does not leave with
them in the tools; it sits assigned to an account nobody reads.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from model import Event, Identity, RecordState, SyncedRecord
from rules.findings import Evidence, Finding, Subject
from rules.records import is_open_task, local, name_of, record_evidence
from rules.rows import DealRow, EventRow, TaskRow
from rules.view import ModelView

Owner = tuple[str, ...]


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    include_tasks: bool = Field(True, description="open tasks assigned to them")
    include_deals: bool = Field(True, description="open deals they own")
    include_meetings: bool = Field(True, description="future meetings they own")
    evidence_max_items: int = Field(10, ge=1, description="records listed in the evidence")


def evaluate(view: ModelView, params: Params, now: datetime) -> Iterator[Finding]:
    owned: dict[Owner, list[tuple[str, SyncedRecord]]] = defaultdict(list)
    subjects: dict[Owner, Subject] = {}
    if params.include_tasks:
        for task in view.tasks:
            if is_open_task(task):
                for assignee in view.assignees.get(task.id or -1, []):
                    _add(view, owned, subjects, ("task", task), assignee.person_id,
                         view.identities.get((task.source, assignee.user_external_id)))
    if params.include_deals:
        for deal in view.deals:
            if not deal.is_closed and deal.state is RecordState.active:
                identity = view.identities.get((deal.source, deal.owner_external_id or ""))
                _add(view, owned, subjects, ("deal", deal),
                     identity.person_id if identity else None, identity)
    if params.include_meetings:
        for event in view.events:
            if _future_meeting(event, now):
                _add(view, owned, subjects, ("event", event), event.owner_person_id,
                     view.identities.get((event.source, event.owner_external_id or "")))
    for owner in sorted(owned):
        yield _finding(view, subjects[owner], owned[owner], params, now)


def _future_meeting(event: Event, now: datetime) -> bool:
    starts = event.start_at
    return (event.state is RecordState.active and event.status != "cancelled"
            and starts is not None and starts > now)


def _add(view: ModelView, owned: dict[Owner, list[tuple[str, SyncedRecord]]],
         subjects: dict[Owner, Subject], item: tuple[str, SyncedRecord],
         person_id: int | None, identity: Identity | None) -> None:
    """File a record under its inactive owner: the person if they left, else the account."""
    person = view.people.get(person_id) if person_id is not None else None
    if person is not None and not person.active:
        owner: Owner = ("person", person.email)
        subjects[owner] = Subject(type="person", email=person.email)
    elif identity is not None and not identity.active:
        owner = ("user", identity.source, identity.external_id)
        subjects[owner] = Subject(type="user", source=identity.source,
                                  external_id=identity.external_id,
                                  email=(identity.email or "").lower() or None)
    else:
        return
    if item not in owned[owner]:
        owned[owner].append(item)


def _finding(view: ModelView, owner: Subject, items: list[tuple[str, SyncedRecord]],
             params: Params, now: datetime) -> Finding:
    who = _owner_label(view, owner)
    counts: dict[str, int] = defaultdict(int)
    for kind, _ in items:
        counts[kind] += 1
    words = {"task": "open task", "deal": "open deal", "event": "future meeting"}
    listed = ", ".join(f"{n} {words[k]}{'s' if n != 1 else ''}" for k, n in sorted(counts.items()))
    evidence: list[Evidence] = [Evidence(f"{who} is inactive")]
    for kind, record in sorted(items, key=lambda i: (i[0], i[1].source, i[1].external_id)
                               )[:params.evidence_max_items]:
        evidence.append(record_evidence(kind, record, _describe(kind, record, view, now)))
    return Finding(
        subjects=(owner,), title=f"{who} is inactive but still owns {listed}",
        summary="Reassign the work or close it; nobody reads an inactive account.",
        evidence=tuple(evidence), extra_sources=frozenset(r.source for _, r in items))


def _owner_label(view: ModelView, owner: Subject) -> str:
    """People are named by their name, never their address: `Felix Wagner`, or `Felix
    Wagner's salesforce account` when only that account was deactivated."""
    if owner.type == "person":
        person = view.people_by_email.get(owner.email or "")
        return person.label if person is not None else owner.email or "someone"
    identity = view.identities.get((owner.source or "", owner.external_id or ""))
    person = view.people.get(identity.person_id) if identity is not None \
        and identity.person_id is not None else None
    names = (person.name if person else None, identity.display_name if identity else None,
             owner.email, owner.external_id)
    return f"{next((n for n in names if n), 'someone')}'s {owner.source} account"


def _describe(kind: str, record: SyncedRecord, view: ModelView, now: datetime) -> str:
    if isinstance(record, TaskRow):
        return f"task {name_of(record)} in {record.source}"
    if isinstance(record, DealRow):
        return f"deal {name_of(record)} ({record.stage or 'open'})"
    if isinstance(record, EventRow) and record.start_at is not None:
        return f"meeting {name_of(record)} {local(record.start_at, view.default_tz)}"
    return f"{kind} {name_of(record)}"
