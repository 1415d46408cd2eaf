"""Evaluation: view + rules + now → firings → alert transitions (or a preview of them).

`evaluate_rules` is pure: the same snapshot, config and `now` always give
the same firings, which is what makes `--now`/`BATON_NOW` runs and previews
reproducible. `run` writes through the lifecycle; `preview` plans the same
steps and writes nothing, so an admin sees what a rules change would open
and resolve before it is live.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from model import RecordState, Task
from rules import lifecycle
from rules.config import RulesConfig, Scope
from rules.findings import Finding, Firing
from rules.kinds import evaluator, kind_module
from rules.records import is_done_task, name_of
from rules.view import ModelView, RulesContext

OPENS = ("open", "reopen", "confirm", "unsnooze", "unsilence")
PREVIEW_SECTIONS = (
    ("would open", (*OPENS, "pending", "silence")),
    ("would resolve", ("resolve", "drop_pending")),
    ("would retire", ("retire",)),
    ("would restore", ("restore",)),
    ("would keep", ("keep",)),
    ("held (stale data)", ("stale", "held")),
)
"""How a preview groups steps (by `Step.kind`), for the admin page and the CLI alike."""
DESTRUCTIVE = ("resolve", "retire")
"""Kinds of step that take an alert out of people's view: a save doing them is confirmed."""


def evaluate_rules(view: ModelView, config: RulesConfig, now: datetime) -> Iterator[Firing]:
    """Every finding of every enabled rule that falls inside the rule's scope."""
    for rule in config.rules:
        for finding in evaluator(rule.kind)(view, rule.params, now):
            if in_scope(view, rule.scope, finding):
                yield Firing(rule.id, rule.kind, rule.severity, finding)


def in_scope(view: ModelView, scope: Scope, finding: Finding) -> bool:
    """All non-empty scope lists must match some subject of the finding."""
    if scope.sources and not (finding.sources | {s.source for s in finding.subjects
                                                 if s.source}) & set(scope.sources):
        return False
    if scope.people and not _emails(view, finding) & set(scope.people):
        return False
    return not scope.projects or bool(_projects(view, finding) & set(scope.projects))


def _emails(view: ModelView, finding: Finding) -> frozenset[str]:
    found = {s.email for s in finding.subjects if s.email}
    for subject in finding.subjects:
        if subject.type == "task":
            task = view.tasks_by_key.get((subject.source or "", subject.external_id or ""))
            if task is not None:
                found |= {p.email for p in view.assignees_of(task)}
    return frozenset(found)


def _projects(view: ModelView, finding: Finding) -> set[str]:
    """Names and ids of the projects the finding's tasks and projects belong to."""
    found: set[str] = set()
    for subject in finding.subjects:
        key = (subject.source or "", subject.external_id or "")
        if subject.type == "task" and key in view.tasks_by_key:
            key = (key[0], view.tasks_by_key[key].project_external_id or "")
        project = view.projects.get(key) if subject.type in ("task", "project") else None
        if project is not None:
            found |= {project.external_id, project.name}
    return found


def resolve_reason(view: ModelView, config: RulesConfig, now: datetime
                   ) -> Callable[[lifecycle.StoredAlert], str]:
    """Say why an alert stopped firing: in its kind's words where the kind has them
    (what a kickoff search found), else its record went away or got done, else plain."""
    explain = _kind_reasons(view, config, now)

    def reason(alert: lifecycle.StoredAlert) -> str:
        told = explain(alert)
        if told:
            return told
        for subject in alert.subjects:
            kind, source, external_id = (subject.get(k) for k in ("type", "source",
                                                                  "external_id"))
            if kind in ("person", "source", "user") or not source or not external_id:
                continue
            record = view.record(kind, source, external_id)
            if record is None:
                return f"{kind} {external_id} is gone from {source}"
            if kind == "task" and record.state is RecordState.archived:
                return f"task {external_id} is archived in {source}" + _container(
                    view, record)
            if kind == "task" and is_done_task(record):
                return f"task {external_id} is done in {source}"
        return "no longer firing on fresh data"
    return reason


def _kind_reasons(view: ModelView, config: RulesConfig, now: datetime
                  ) -> Callable[[lifecycle.StoredAlert], str | None]:
    """A kind may define `quiet_reasons(view, params, now)`, returning a function from an
    alert's subjects to why it is quiet; it is built once per rule, on first use."""
    rules = {rule.id: rule for rule in config.rules}
    built: dict[str, Callable[[list[dict[str, Any]]], str | None] | None] = {}

    def explain(alert: lifecycle.StoredAlert) -> str | None:
        if alert.rule not in built:
            rule = rules.get(alert.rule)
            factory = getattr(kind_module(rule.kind), "quiet_reasons", None) if rule else None
            built[alert.rule] = factory(view, rule.params, now) if rule and factory else None
        function = built[alert.rule]
        return function(alert.subjects) if function is not None else None
    return explain


def _container(view: ModelView, task: Task) -> str:
    project = view.archived_in.get((task.source, task.external_id))
    return f" (with its project {name_of(project)})" if project is not None else ""


@dataclass(frozen=True)
class Outcome:
    steps: list[lifecycle.Step]

    def counts(self) -> Counter[str]:
        """Steps by `kind`: a retired alert coming back counts as a restore."""
        return Counter(step.kind for step in self.steps)

    def of(self, *kinds: str) -> list[lifecycle.Step]:
        return [step for step in self.steps if step.kind in kinds]

    def summary(self) -> str:
        counts = self.counts()
        opened = sum(counts[a] for a in OPENS)
        return (f"opened {opened}, kept {counts['keep']}, resolved {counts['resolve']}, "
                f"pending {counts['pending']}, silenced {counts['silence']}, "
                f"stale {counts['stale'] + counts['held']}, retired {counts['retire']}, "
                f"restored {counts['restore']}")


def plan(session: Session, config: RulesConfig, context: RulesContext, now: datetime
         ) -> tuple[Outcome, ModelView]:
    view = ModelView.load(session, context)
    firings = list(evaluate_rules(view, config, now))
    state = lifecycle.load_state(session, view.stale_sources(now), view.source_last_success)
    steps = lifecycle.plan(state, firings, config, now, resolve_reason(view, config, now))
    return Outcome(steps), view


def run(session: Session, config: RulesConfig, context: RulesContext, now: datetime
        ) -> Outcome:
    """Evaluate and write alert transitions in one transaction."""
    outcome, _ = plan(session, config, context, now)
    lifecycle.apply(session, outcome.steps, config, now)
    session.commit()
    return outcome


def preview(session: Session, config: RulesConfig, context: RulesContext, now: datetime
            ) -> Outcome:
    """What `run` would do with `config` against the stored alerts; nothing is written."""
    outcome, _ = plan(session, config, context, now)
    session.rollback()
    return outcome
