"""baton.yaml: every error class gives file:line:col, all at once, exit 2, no secrets shown."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from baton.cli import app
from baton.config import load_config
from baton.sources import AsanaSource, SalesforceSource
from rules.configfile import ConfigError

EXAMPLE = Path(__file__).parent.parent / "config" / "baton.example.yaml"
EXAMPLE_ENV = {"ASANA_TOKEN": "asana-secret-value", "TRELLO_KEY": "k", "TRELLO_TOKEN": "t",
               "GOOGLE_SECRET": "g", "GOOGLE_REFRESH": "r", "SF_SESSION": "sf-secret-value"}
runner = CliRunner()


def write(tmp_path: Path, text: str, rules: bool = True) -> Path:
    if rules:
        (tmp_path / "rules.yaml").write_text("rules: []\n")
    path = tmp_path / "baton.yaml"
    path.write_text(textwrap.dedent(text).lstrip())
    return path


def problems(path: Path, env: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ=env or {})
    return [str(p) for p in caught.value.problems]


def test_example_config_is_valid_with_its_variables_set() -> None:
    config = load_config(EXAMPLE, environ=EXAMPLE_ENV)
    assert [s.name for s in config.sources] == ["asana-main", "trello-studio", "google",
                                                "salesforce"]
    asana = config.sources[0]
    assert isinstance(asana, AsanaSource)
    assert asana.token.get_secret_value() == "asana-secret-value"
    assert "asana-secret-value" not in repr(config)
    assert config.people[0].working_days == [1, 2, 3, 4]
    assert config.rules_file == (EXAMPLE.parent / "rules.yaml").resolve()
    assert config.coordinator is not None
    assert (config.coordinator.email, config.coordinator.name) == ("lea@agency.example",
                                                                   "Lea Park")


def test_example_config_without_its_variables_names_each_one(tmp_path: Path) -> None:
    found = problems(EXAMPLE)
    assert len(found) == 6
    assert found[0].startswith(f"{EXAMPLE}:19:12: environment variable ASANA_TOKEN is not set")


def test_bad_yaml_points_at_the_syntax_error(tmp_path: Path) -> None:
    path = write(tmp_path, """
        timezone: UTC
        sources: [
          {name: a
        """)
    [problem] = problems(path)
    assert problem.startswith(f"{path}:4:1: YAML syntax error")


def test_duplicate_yaml_key_is_a_syntax_error(tmp_path: Path) -> None:
    path = write(tmp_path, "timezone: UTC\ntimezone: Europe/Berlin\n")
    [problem] = problems(path)
    assert f"{path}:2:1:" in problem and "duplicate" in problem


def test_unknown_key_suggests_the_right_one(tmp_path: Path) -> None:
    path = write(tmp_path, """
        sources:
          - name: asana-main
            type: asana
            token: x
            workspace: "1"
            max_age_minute: 5
        """)
    assert problems(path) == [
        f'{path}:6:5: unknown key "max_age_minute" in sources[0] '
        '(did you mean "max_age_minutes"?)']


def test_wrong_type_names_the_key_not_the_value(tmp_path: Path) -> None:
    path = write(tmp_path, """
        people:
          - email: ana@agency.example
            weekly_capacity_hours: lots
        """)
    [problem] = problems(path)
    assert problem.startswith(f"{path}:3:28: people[0].weekly_capacity_hours: Input should be "
                              "a valid number")


def test_missing_env_var_in_nested_auth(tmp_path: Path) -> None:
    path = write(tmp_path, """
        sources:
          - name: crm
            type: salesforce
            instance_url: https://acme.my.salesforce.com
            auth: {kind: session, session_id: "${SF_SESSION}"}
        """)
    assert problems(path) == [
        f"{path}:5:39: environment variable SF_SESSION is not set (used by "
        "sources[0].auth.session_id); export SF_SESSION before running baton, or remove the "
        "reference"]


def test_duplicate_source_name(tmp_path: Path) -> None:
    path = write(tmp_path, """
        sources:
          - {name: tasks, type: asana, token: x, workspace: "1"}
          - {name: tasks, type: trello, key: k, token: t}
        """)
    assert problems(path) == [f'{path}:3:12: duplicate source name "tasks" (also sources[0]); '
                              "every source needs its own name"]


def test_unknown_source_type(tmp_path: Path) -> None:
    path = write(tmp_path, """
        sources:
          - name: jira
            type: jria
        """)
    [problem] = problems(path)
    assert problem.startswith(f'{path}:3:11: sources[0]: unknown type "jria"; expected one of')
    assert "'asana', 'trello', 'google', 'salesforce'" in problem


def test_coordinator_is_checked_with_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, """
        timezone: UTC
        coordinator:
          name: Lea Park
          emial: lea@agency.example
        """)
    assert sorted(problems(path)) == [
        f'{path}:2:1: missing required key "email" in coordinator',
        f'{path}:4:3: unknown key "emial" in coordinator (did you mean "email"?)']
    path = write(tmp_path, "coordinator: {email: lea}\n")
    [problem] = problems(path)
    assert problem.startswith(f"{path}:1:22: coordinator.email: String should match pattern")
    path = write(tmp_path, "coordinator: {email: Lea@Agency.example}\n")
    coordinator = load_config(path, environ={}).coordinator
    assert coordinator is not None and coordinator.email == "lea@agency.example"


def test_missing_required_key_points_at_its_parent(tmp_path: Path) -> None:
    path = write(tmp_path, """
        sources:
          - name: studio
            type: trello
            key: k
        """)
    assert problems(path) == [f'{path}:2:5: missing required key "token" in sources[0]']


def test_alias_for_unknown_source_and_missing_rules_file(tmp_path: Path) -> None:
    path = write(tmp_path, """
        people:
          - email: Ana@Agency.example
            aliases: {trelo: anaruiz}
        """, rules=False)
    found = problems(path)
    assert found[0].startswith(f"{path}:1:1: rules file ")
    assert found[1] == (f'{path}:3:15: alias for unknown source "trelo"; configured sources: '
                        "none")


def test_all_problems_are_reported_together(tmp_path: Path) -> None:
    path = write(tmp_path, """
        timezone: Mars/Olympus
        database: mysql://x
        holidays: [2026-13-01]
        """)
    found = problems(path)
    assert [p.split(":")[1] for p in found] == ["1", "2", "3"]
    assert 'unknown timezone "Mars/Olympus"' in found[0]
    assert "unsupported database" in found[1]


def test_relative_paths_resolve_against_the_config_file(tmp_path: Path) -> None:
    path = write(tmp_path, """
        database: sqlite:///data/baton.db
        sources:
          - name: crm
            type: salesforce
            instance_url: https://127.0.0.1:8443
            auth: {kind: session, session_id: s}
            ca_bundle: certs/ca.pem
        """)
    config = load_config(path, environ={})
    assert config.database == f"sqlite:///{tmp_path.resolve()}/data/baton.db"
    crm = config.sources[0]
    assert isinstance(crm, SalesforceSource) and crm.ca_bundle == tmp_path / "certs/ca.pem"


def test_cli_config_check_exits_2_with_the_report_and_no_secret(tmp_path: Path) -> None:
    path = write(tmp_path, """
        sources:
          - name: main
            type: asana
            token: "${ASANA_TOKEN}"
            workspace: [not, a, string]
        """)
    result = runner.invoke(app, ["config", "check", "--config", str(path)],
                           env={"ASANA_TOKEN": "hunter2-very-secret"})
    assert result.exit_code == 2
    assert f"{path}:5:16: sources[0].workspace: Input should be a valid string" in result.output
    assert "1 problem found" in result.output
    assert "hunter2-very-secret" not in result.output
    assert "Traceback" not in result.output


def test_cli_config_check_accepts_the_example(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in EXAMPLE_ENV.items():
        monkeypatch.setenv(name, value)
    result = runner.invoke(app, ["config", "check", "--config", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    assert "config ok: 4 source(s), 1 person(s), 12 rule(s)" in result.output


def test_cli_config_check_validates_the_rules_file_too(tmp_path: Path) -> None:
    path = write(tmp_path, "timezone: UTC\n", rules=False)
    (tmp_path / "rules.yaml").write_text("rules:\n  - id: x\n    kind: overdoo\n")
    result = runner.invoke(app, ["config", "check", "--config", str(path)])
    assert result.exit_code == 2
    assert f'{tmp_path / "rules.yaml"}:3:11: rule "x": unknown kind "overdoo"' in result.output


def test_cli_without_a_config_file_says_how_to_give_one(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BATON_CONFIG", raising=False)
    result = runner.invoke(app, ["config", "check"])
    assert result.exit_code == 2
    assert "baton.yaml:1:1: config file not found; pass --config FILE or set BATON_CONFIG" \
        in result.output
