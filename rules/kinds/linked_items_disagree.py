"""Two records that are the same work in two tools disagree on status or due date.

**Fires when** an active link joins two tasks (or two projects) and one is
done while the other is open (the Asana task is completed, the Trello card
it links to still sits in "Doing"), or their due dates differ by more than
`tolerance_days` (Asana says 2026-05-12, the Trello card says 2026-05-19).

**Does not fire when** both are open or both are done (archived work, a
closed Trello card or a task of an archived project, counts as done), the
dates differ by no more than `tolerance_days`, one side has no due date, the
link was refuted by an admin or is below `min_link_confidence`, or the pair
mixes kinds (a won deal with open delivery work is normal, not a
disagreement).

**Why it matters:** when two tools tell two stories, people act on
whichever they look at; the coordinator has to know which one is wrong.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from model import Link, Project, RecordState, Task
from rules.findings import Finding
from rules.records import is_done_task, name_of, record_evidence, record_subject
from rules.rows import TaskRow
from rules.timeutil import due_day
from rules.view import ModelView

COMPARABLE_KINDS = ("task", "project")


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    check_status: bool = Field(True, description="done on one side, open on the other")
    check_due: bool = Field(True, description="due dates further apart than tolerance_days")
    tolerance_days: int = Field(1, ge=0, description="due dates this close agree")
    min_link_confidence: float = Field(0.8, ge=0, le=1, description="weaker links are ignored")


def evaluate(view: ModelView, params: Params, now: datetime) -> Iterator[Finding]:
    for key, others in view.links.items():
        for other, link in others:
            if key >= other or key[0] != other[0] or key[0] not in COMPARABLE_KINDS:
                continue
            if link.confidence < params.min_link_confidence:
                continue
            a, b = view.record(*key), view.record(*other)
            if a is None or b is None:
                continue
            problems = _disagreements(view, a, b, params)
            if problems:
                yield _finding(view, key[0], (a, b), link, problems)


def _disagreements(view: ModelView, a: Task | Project, b: Task | Project, params: Params
                   ) -> list[str]:
    problems = []
    done_a, done_b = _is_done(a), _is_done(b)
    if params.check_status and done_a != done_b:
        done, open_ = (a, b) if done_a else (b, a)
        problems.append(f"{name_of(done)} is {_status(done)} in {done.source} but "
                        f"{name_of(open_)} is still open in {open_.source}")
    due_a, due_b = _due(view, a), _due(view, b)
    if (params.check_due and not (done_a and done_b) and due_a and due_b
            and abs((due_a - due_b).days) > params.tolerance_days):
        problems.append(f"due {due_a} in {a.source} but {due_b} in {b.source}")
    return problems


def _is_done(record: Task | Project) -> bool:
    if isinstance(record, TaskRow):
        return is_done_task(record)
    return record.state in (RecordState.completed, RecordState.archived)


def _status(record: Task | Project) -> str:
    """Archived work (a closed card, a task of an archived project) says so: it counts as
    done, but "done" would be a claim the tool never made."""
    if record.state is RecordState.archived:
        return "archived"
    return "done" if _is_done(record) else "open"


def _due(view: ModelView, record: Task | Project) -> date | None:
    if isinstance(record, TaskRow):
        return due_day(record.due_on, record.due_at, view.task_tz(record))
    return record.due_on


def _finding(view: ModelView, kind: str, pair: tuple[Task | Project, Task | Project],
             link: Link, problems: list[str]) -> Finding:
    a, b = pair
    facts = [record_evidence(kind, r, f"{name_of(r)} in {r.source}: "
                             f"{_status(r)}, due {_due(view, r) or 'none'}")
             for r in pair]
    return Finding(
        subjects=(record_subject(kind, a), record_subject(kind, b)),
        title=f"{name_of(a)} ({a.source}) and {name_of(b)} ({b.source}) disagree",
        summary="; ".join(problems) + f". Linked by {link.method.value}.",
        evidence=tuple(facts))
