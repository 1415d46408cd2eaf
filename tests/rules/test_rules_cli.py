"""`baton evaluate / alerts / rules check / rules preview`, run as a user would.

The commands live in baton/rules_commands.py and are registered on the real
app by cli.py; here they go on a throwaway Typer app with the same names.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from sqlmodel import Session, select
from typer.testing import CliRunner

from baton import database
from baton.rules_commands import (
    alerts_command,
    evaluate_command,
    rules_check_command,
    rules_preview_command,
)
from model import Alert, AlertStatus
from tests.rules.rules_given import Builder

NOW = "2026-03-10T09:00:00Z"
GOOD_RULES = """rules:
  - {id: late, kind: overdue, severity: warning}
  - {id: unowned, kind: due_soon_unassigned, severity: info}
"""

app = typer.Typer()
app.command("evaluate")(evaluate_command)
app.command("alerts")(alerts_command)
rules_app = typer.Typer()
rules_app.command("check")(rules_check_command)
rules_app.command("preview")(rules_preview_command)
app.add_typer(rules_app, name="rules")
runner = CliRunner()


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """A baton.yaml on a fresh SQLite file holding one late task and one unowned card."""
    (tmp_path / "rules.yaml").write_text(GOOD_RULES)
    path = tmp_path / "baton.yaml"
    path.write_text("""database: sqlite:///baton.db
timezone: Europe/Madrid
sources:
  - {name: asana-main, type: asana, token: x, workspace: "1", max_age_minutes: 60}
people:
  - {email: ana@agency.example, name: Ana Ruiz, timezone: Europe/Madrid}
""")
    engine = database.make_engine(f"sqlite:///{tmp_path / 'baton.db'}")
    database.upgrade(engine)
    with Session(engine) as session:
        Builder().rows({
            "people": [{"email": "ana@agency.example"}],
            "tasks": [
                {"id": "t1", "title": "Brief caterer", "due_at": "2026-03-09T17:00:00Z",
                 "assignees": ["ana@agency.example"]},
                {"id": "t2", "title": "Print badges", "due_on": "2026-03-11"}],
            "sources": [{"name": "asana-main", "last_success": "2026-03-10T08:30:00Z"}],
        }).save(session)
    engine.dispose()
    return path


def invoke(*args: str) -> typer.testing.Result:
    return runner.invoke(app, list(args))


def test_evaluate_then_alerts_json_has_the_contract_shape(config: Path) -> None:
    result = invoke("evaluate", "--config", str(config), "--now", NOW)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("opened 2, kept 0, resolved 0")
    listed = json.loads(invoke("alerts", "-c", str(config), "--format", "json").stdout)
    assert sorted(a["rule"] for a in listed) == ["late", "unowned"]
    late = next(a for a in listed if a["rule"] == "late")
    assert set(late) == {"id", "rule", "kind", "severity", "status", "title", "fingerprint",
                         "subjects", "first_seen", "last_seen"}
    assert late["kind"] == "overdue" and late["status"] == "open"
    assert late["severity"] == "warning" and late["first_seen"] == "2026-03-10T09:00:00+00:00"
    assert {"type": "task", "source": "asana-main", "external_id": "t1",
            "email": "ana@agency.example"} in late["subjects"]


def test_alerts_filter_by_status_and_plain_table(config: Path) -> None:
    invoke("evaluate", "-c", str(config), "--now", NOW)
    assert json.loads(invoke("alerts", "-c", str(config), "--status", "resolved",
                             "--format", "json").stdout) == []
    table = invoke("alerts", "-c", str(config), "--status", "open").stdout
    assert len(table.splitlines()) == 2 and "\topen\tlate\t" in table


def test_hand_edited_rules_file_retires_then_restores(config: Path) -> None:
    """Dropping a rule from the file puts its alerts aside; putting it back restores them."""
    invoke("evaluate", "-c", str(config), "--now", NOW)
    rules_file = config.parent / "rules.yaml"
    rules_file.write_text(GOOD_RULES.replace(
        "  - {id: unowned, kind: due_soon_unassigned, severity: info}\n", ""))
    result = invoke("evaluate", "-c", str(config), "--now", "2026-03-10T09:05:00Z")
    assert "resolved 0" in result.stdout and "retired 1" in result.stdout
    listed = json.loads(invoke("alerts", "-c", str(config), "--format", "json").stdout)
    assert [a["rule"] for a in listed] == ["late"]
    retired = json.loads(invoke("alerts", "-c", str(config), "--status", "retired",
                                "--format", "json").stdout)
    assert [(a["rule"], a["status"]) for a in retired] == [("unowned", "retired")]
    rules_file.write_text(GOOD_RULES)
    result = invoke("evaluate", "-c", str(config), "--now", "2026-03-10T09:10:00Z")
    assert "restored 1" in result.stdout
    back = json.loads(invoke("alerts", "-c", str(config), "--format", "json").stdout)
    assert {a["rule"]: (a["id"], a["status"]) for a in back} == {
        "late": (listed[0]["id"], "open"), "unowned": (retired[0]["id"], "open")}


def test_invalid_rules_file_keeps_the_last_good_rules_and_exits_2(config: Path) -> None:
    assert invoke("evaluate", "-c", str(config), "--now", NOW).exit_code == 0
    (config.parent / "rules.yaml").write_text("rules:\n  - {id: late, kind: overdew}\n")
    result = invoke("evaluate", "-c", str(config), "--now", "2026-03-10T09:05:00Z")
    assert result.exit_code == 2
    assert 'rules.yaml:2:22: rule "late": unknown kind "overdew"' in result.stderr
    assert "evaluating with the last good rules (version 1" in result.stderr
    assert result.stdout.startswith("opened 0, kept 2, resolved 0")


def test_invalid_rules_file_with_nothing_stored_exits_2_without_traceback(
        config: Path) -> None:
    (config.parent / "rules.yaml").write_text("rules:\n  - {id: late, kind: overdew}\n")
    result = invoke("evaluate", "-c", str(config), "--now", NOW)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "did you mean \"overdue\"" in result.stderr


def test_bad_now_is_a_usage_error(config: Path) -> None:
    result = invoke("evaluate", "-c", str(config), "--now", "next tuesday")
    assert result.exit_code == 2 and "not ISO 8601" in result.output


def test_rules_check(config: Path, tmp_path: Path) -> None:
    ok = invoke("rules", "check", "-c", str(config))
    assert ok.exit_code == 0 and "2 rule(s), 0 silence(s)" in ok.stdout
    bad = tmp_path / "candidate.yaml"
    bad.write_text("rules:\n  - id: late\n    kind: overdue\n"
                   "    scope: {sources: [asana-mian]}\n    params: {min_overdue_hour: 1}\n")
    result = invoke("rules", "check", str(bad), "-c", str(config))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f'{bad}:4:23: rule "late": scope names unknown source "asana-mian" '
        '(did you mean "asana-main"?)',
        f'{bad}:5:14: rule "late": unknown param "min_overdue_hour" '
        '(did you mean "min_overdue_hours"?)',
        "2 problems found"]


def test_rules_check_of_a_file_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BATON_CONFIG", raising=False)
    (tmp_path / "r.yaml").write_text(GOOD_RULES)
    result = invoke("rules", "check", "r.yaml")
    assert result.exit_code == 0 and result.stdout.startswith("rules ok: r.yaml: 2 rule(s)")


def test_preview_shows_what_a_change_would_open_and_resolve_without_writing(
        config: Path, tmp_path: Path) -> None:
    invoke("evaluate", "-c", str(config), "--now", NOW)
    candidate = tmp_path / "candidate.yaml"
    candidate.write_text("rules:\n  - {id: late, kind: overdue, severity: warning}\n"
                         "  - {id: late-critical, kind: overdue, severity: critical}\n")
    result = invoke("rules", "preview", str(candidate), "-c", str(config), "--now", NOW)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"preview of {candidate} at 2026-03-10T09:00:00+00:00 "
                               "(live rules: version 1)")
    assert lines[1:] == [
        "would open: 1",
        '  [critical] late-critical: "Brief caterer" is overdue <new, open>',
        "would resolve: 0",
        "would retire: 1",
        '  [info] unowned: "Print badges" is due soon and nobody owns it <#2 open, retire> '
        '(rule "unowned" is no longer configured)',
        "would restore: 0",
        "would keep: 1",
        '  [warning] late: "Brief caterer" is overdue <#1 open, keep>',
        "held (stale data): 0"]
    engine = database.make_engine(f"sqlite:///{tmp_path / 'baton.db'}")
    with Session(engine) as session:
        stored = session.exec(select(Alert)).all()
    assert sorted((a.rule, a.status) for a in stored) == [("late", AlertStatus.open),
                                                          ("unowned", AlertStatus.open)]
