"""rules.yaml validation messages, and the last good config staying live."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from baton import database
from model import RuleConfigVersion
from rules.config import activate, live_version, load_rules, parse_rules
from rules.configfile import ConfigError
from rules.kinds import KINDS
from tests.conftest import both_backends

DEFAULT_RULES = Path(__file__).parents[2] / "config" / "rules.yaml"
NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def problems(text: str, **kwargs: list[str]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_rules(text, "rules.yaml", environ={}, **kwargs)
    return [str(p) for p in caught.value.problems]


def test_default_rules_file_is_valid_and_enables_every_kind() -> None:
    config = load_rules(DEFAULT_RULES)
    assert {rule.kind for rule in config.rules} == set(KINDS)
    assert len({rule.id for rule in config.rules}) == len(config.rules)


def test_unknown_param_points_at_the_key_with_a_suggestion() -> None:
    assert problems("""rules:
  - id: double-booked
    kind: double_booking
    params: {min_overlap_minute: 15}
""") == ['rules.yaml:4:14: rule "double-booked": unknown param "min_overlap_minute" '
         '(did you mean "min_overlap_minutes"?)']


def test_unknown_param_without_a_close_match_lists_the_allowed_ones() -> None:
    [message] = problems("rules:\n  - {id: x, kind: due_soon_unassigned, params: {zzz: 1}}\n")
    assert message.endswith('unknown param "zzz"; allowed params: within_days')


def test_unknown_kind_suggests_the_closest() -> None:
    assert problems("rules:\n  - id: busy\n    kind: overlaod\n") == [
        'rules.yaml:3:11: rule "busy": unknown kind "overlaod" (did you mean "overload"?)']
    [message] = problems("rules:\n  - {id: busy, kind: qqq}\n")
    assert "known kinds: blocker_done_dependent_idle, client_meeting_no_followup" in message


def test_bad_param_value_names_rule_and_param() -> None:
    assert problems("rules:\n  - id: soon\n    kind: due_soon_unassigned\n"
                    "    params:\n      within_days: -1\n") == [
        'rules.yaml:5:20: rule "soon": param within_days: Input should be greater than or '
        'equal to 0']


def test_rule_shape_errors() -> None:
    found = problems("""rules:
  - kind: overdue
  - {id: "Not An Id", kind: overdue}
  - {id: loud, kind: overdue, severity: huge}
  - {id: loud, kind: overdue, min_duration_minutes: -5, colour: red}
""")
    assert found == [
        'rules.yaml:2:5: missing required key "id" in rules[0]',
        "rules.yaml:3:10: rules[1].id: String should match pattern '^[a-z0-9][a-z0-9_.-]*$'",
        "rules.yaml:4:41: rules[2].severity: Input should be 'info', 'warning' or 'critical'",
        'rules.yaml:5:10: duplicate rule id "loud" (also rules[2]); ids must be unique because '
        "alerts are keyed by them",
        "rules.yaml:5:53: rules[3].min_duration_minutes: Input should be greater than or "
        "equal to 0",
        'rules.yaml:5:57: unknown key "colour" in rules[3]; allowed keys: description, enabled, '
        "id, kind, min_duration_minutes, params, scope, severity",
    ]


def test_silence_problems() -> None:
    found = problems("""rules:
  - {id: late, kind: overdue}
silences:
  - match: {}
    until: 2026-04-01T00:00:00Z
    author: lead
    reason: x
  - match: {rule: lat, kind: overdew}
    until: 2026-04-01T00:00:00
    author: lead
    reason: x
  - match: {rule: late}
    starts_at: 2026-05-01T00:00:00Z
    until: 2026-06-01T00:00:00Z
    author: ""
    reason: x
""")
    assert found == [
        "rules.yaml:4:12: silences[0].match: a silence needs at least one of rule, kind, "
        "email, source",
        'rules.yaml:8:19: silence matches unknown rule "lat" (did you mean "late"?)',
        'rules.yaml:8:30: silence matches unknown kind "overdew" (did you mean "overdue"?)',
        "rules.yaml:9:12: silences[1].until: Input should have timezone info",
        "rules.yaml:15:13: silences[2].author: String should have at least 1 character",
    ]


def test_silence_ending_before_it_starts() -> None:
    [message] = problems("""rules: []
silences:
  - match: {kind: overdue}
    starts_at: 2026-05-01T00:00:00Z
    until: 2026-04-01T00:00:00Z
    author: lead
    reason: x
""")
    assert message == ("rules.yaml:3:5: silences[0]: silence ends (until) before it starts "
                       "(starts_at)")


def test_scope_names_are_checked_against_baton_yaml() -> None:
    found = problems("""rules:
  - id: late
    kind: overdue
    scope: {sources: [asana-mian], people: [ana@agency.example, zed@agency.example]}
""", known_sources=["asana-main", "google"], known_people=["ana@agency.example"])
    assert found == [
        'rules.yaml:4:23: rule "late": scope names unknown source "asana-mian" '
        '(did you mean "asana-main"?)',
        'rules.yaml:4:65: rule "late": scope names unknown person "zed@agency.example" '
        '(did you mean "ana@agency.example"?)',
    ]


def test_yaml_syntax_and_missing_environment_variable() -> None:
    [syntax] = problems("rules:\n  - {id: x, kind: overdue\n")
    assert syntax.startswith("rules.yaml:3:1: YAML syntax error")
    [env] = problems("rules:\n  - {id: x, kind: stale_source, description: '${TEAM}'}\n")
    assert env.startswith("rules.yaml:2:46: environment variable TEAM is not set")


def test_disabled_rules_are_validated_but_not_run() -> None:
    config = parse_rules("rules:\n  - {id: a, kind: overdue, enabled: false}\n"
                         "  - {id: b, kind: overdue}\n", "rules.yaml")
    assert [r.id for r in config.rules] == ["b"]
    assert problems("rules:\n  - {id: a, kind: overdue, enabled: false, params: {x: 1}}\n")


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    database.upgrade(engine)
    with Session(engine) as session:
        yield session


@both_backends
def test_invalid_file_never_replaces_the_last_good_config(session: Session,
                                                          tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    good = "rules:\n  - {id: late, kind: overdue}\n"
    path.write_text(good)
    first = activate(session, path, "ana", NOW)
    session.commit()
    assert first.rejected is None and first.version.author == "ana"
    assert first.version.sha256 == first.config.sha256 and first.version.text == good

    path.write_text("rules:\n  - {id: late, kind: overdew}\n")
    kept = activate(session, path, "ben", NOW)
    session.commit()
    assert kept.rejected is not None and "overdew" in str(kept.rejected)
    assert kept.version.id == first.version.id
    assert [r.kind for r in kept.config.rules] == ["overdue"]

    path.write_text(good)
    assert activate(session, path, "cy", NOW).version.id == first.version.id, "same text"
    path.write_text(good + "  - {id: soon, kind: due_soon_unassigned}\n")
    newer = activate(session, path, "dee", NOW)
    session.commit()
    assert newer.version.id != first.version.id
    assert live_version(session).author == "dee"
    assert len(session.exec(select(RuleConfigVersion)).all()) == 2


@both_backends
def test_invalid_file_with_nothing_stored_is_an_error(session: Session,
                                                      tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("rules: [{id: x, kind: nope}]\n")
    with pytest.raises(ConfigError, match="unknown kind"):
        activate(session, path, "ana", NOW)
