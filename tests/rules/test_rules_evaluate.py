"""Evaluation glue: rule scopes, fingerprints, and what a finding depends on."""

from __future__ import annotations

from datetime import UTC, datetime

from rules.config import parse_rules
from rules.evaluate import evaluate_rules
from rules.view import RulesContext
from tests.rules.rules_given import Builder

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
GIVEN = {
    "people": [{"email": "ana@agency.example"}, {"email": "ben@agency.example"}],
    "projects": [{"id": "p1", "name": "Acme Gala"}, {"id": "b1", "source": "trello-studio",
                                                     "name": "Studio"}],
    "tasks": [
        {"id": "t1", "project": "p1", "due_on": "2026-03-01", "assignees": ["ana@agency.example"]},
        {"id": "c1", "source": "trello-studio", "project": "b1", "due_on": "2026-03-01",
         "assignees": ["ben@agency.example"]},
    ],
}


def fired(rules_text: str, context: RulesContext | None = None) -> list[str]:
    view = Builder().rows(GIVEN).view(context or RulesContext())
    config = parse_rules(rules_text, "rules.yaml")
    return sorted(f.finding.subjects[0].external_id or "" for f in
                  evaluate_rules(view, config, NOW))


def test_scope_by_person_project_and_source() -> None:
    assert fired("rules: [{id: a, kind: overdue}]") == ["c1", "t1"]
    assert fired("rules: [{id: a, kind: overdue, scope: {people: [BEN@agency.example]}}]") \
        == ["c1"]
    assert fired("rules: [{id: a, kind: overdue, scope: {projects: [Acme Gala]}}]") == ["t1"]
    assert fired("rules: [{id: a, kind: overdue, scope: {projects: [b1]}}]") == ["c1"]
    assert fired("rules: [{id: a, kind: overdue, scope: {sources: [asana-main]}}]") == ["t1"]
    assert fired("rules: [{id: a, kind: overdue, scope: {sources: [google]}}]") == []


def test_fingerprint_is_rule_id_plus_identity_not_wording() -> None:
    view = Builder().rows(GIVEN).view(RulesContext())
    first = list(evaluate_rules(view, parse_rules(
        "rules: [{id: a, kind: overdue, severity: info}]", "r.yaml"), NOW))
    renamed = list(evaluate_rules(view, parse_rules(
        "rules: [{id: a, kind: overdue, severity: critical, description: x}]", "r.yaml"), NOW))
    other_id = list(evaluate_rules(view, parse_rules(
        "rules: [{id: b, kind: overdue}]", "r.yaml"), NOW))
    assert [f.fingerprint for f in first] == [f.fingerprint for f in renamed]
    assert not {f.fingerprint for f in first} & {f.fingerprint for f in other_id}


def test_absence_findings_depend_on_every_source_searched() -> None:
    """'No kickoff anywhere' is only true if every source holding tasks is fresh; a
    configured source that never delivered a task (trello-archive) is not searched."""
    given = {**GIVEN, "deals": [{"id": "o1", "name": "Helios Launch", "is_closed": True,
                                 "is_won": True, "close_on": "2026-03-01"}]}
    context = RulesContext(source_max_age_minutes={"asana-main": 60, "trello-studio": 60,
                                                   "trello-archive": 60, "salesforce": 60})
    view = Builder().rows(given).view(context)
    [firing] = evaluate_rules(view, parse_rules(
        "rules: [{id: k, kind: won_deal_no_kickoff}]", "r.yaml"), NOW)
    assert firing.finding.sources == {"asana-main", "trello-studio", "salesforce"}
