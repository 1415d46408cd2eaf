"""The baton command line: help, version, db upgrade and status, as a user runs them."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlmodel import Session
from typer.testing import CliRunner

from baton import __version__, database
from baton.cli import app
from model import Quarantine, RunStatus, SyncRun, SyncState
from rules.configfile import ConfigError
from tests.conftest import both_backends

runner = CliRunner()
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def make_config(tmp_path: Path, database_url: str) -> Path:
    (tmp_path / "rules.yaml").write_text("rules: []\n")
    path = tmp_path / "baton.yaml"
    path.write_text(f"""database: "{database_url}"
sources:
  - {{name: asana-main, type: asana, token: x, workspace: "1"}}
  - {{name: trello-studio, type: trello, key: k, token: t}}
""")
    return path


def test_help_lists_the_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for name in ("status", "config", "db"):
        assert name in result.output


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"baton {__version__}"


def test_console_script_runs_as_a_real_process() -> None:
    done = subprocess.run([sys.executable, "-m", "baton", "--version"], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0 and done.stdout.strip() == f"baton {__version__}"


@both_backends
def test_db_upgrade_then_status_says_nothing_synced(tmp_path: Path, database_url: str) -> None:
    config = make_config(tmp_path, database_url)
    result = runner.invoke(app, ["status", "--config", str(config)])
    assert result.exit_code == 0
    assert "nothing has synced yet" in result.output
    result = runner.invoke(app, ["db", "upgrade", "--config", str(config)])
    head = ScriptDirectory.from_config(database.alembic_config()).get_current_head()
    assert result.exit_code == 0 and f"database at revision {head}" in result.output
    result = runner.invoke(app, ["status", "--config", str(config)])
    assert result.exit_code == 0
    assert result.output.splitlines()[0] == "nothing has synced yet"
    assert "source=asana-main stream=(all) last_run=never" in result.output
    assert "next_action=never synced: run `baton sync --source asana-main`" in result.output


@both_backends
def test_status_reports_runs_cursors_and_quarantine(tmp_path: Path, database_url: str) -> None:
    config = make_config(tmp_path, database_url)
    engine = database.make_engine(database_url)
    database.upgrade(engine)
    started = NOW - timedelta(minutes=5)
    with Session(engine) as session:
        session.add_all([
            SyncRun(run_id="r1", source="asana-main", started_at=started, finished_at=NOW,
                    status=RunStatus.partial, fetched=12, upserted=11, api_calls=4),
            SyncRun(run_id="r1", source="asana-main", stream="tasks:42", started_at=started,
                    finished_at=NOW, status=RunStatus.ok, fetched=12, upserted=11, deleted=1,
                    api_calls=3),
            SyncRun(run_id="r1", source="asana-main", stream="users", started_at=started,
                    finished_at=NOW, status=RunStatus.failed, api_calls=1,
                    error="HTTP 401 GET /users"),
            SyncState(source="asana-main", stream="tasks:42", cursor="c",
                      updated_at=NOW - timedelta(hours=2)),
            Quarantine(source="asana-main", stream="tasks:42", record_key="9", error="bad due"),
        ])
        session.commit()
    engine.dispose()
    result = runner.invoke(app, ["status", "--config", str(config)],
                           env={"BATON_NOW": NOW.isoformat()})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "nothing has synced yet" not in result.output
    tasks = next(line for line in lines if "stream=tasks:42" in line)
    assert "last_run=5m ago result=ok cursor_age=2h fetched=12 upserted=11 deleted=1 " \
           "quarantined=1 api_calls=3" in tasks
    assert "1 record(s) quarantined" in tasks
    users = next(line for line in lines if "stream=users" in line)
    assert "result=failed" in users and "(HTTP 401 GET /users)" in users
    assert "next_action=never synced" in next(line for line in lines if "trello-studio" in line)


def test_unreachable_database_is_one_line_exit_1(tmp_path: Path) -> None:
    config = make_config(tmp_path, "postgresql+psycopg://nobody@127.0.0.1:9/baton")
    result = runner.invoke(app, ["db", "upgrade", "--config", str(config)])
    assert result.exit_code == 1
    assert result.output.startswith("baton: database: ")
    assert "Traceback" not in result.output


@pytest.mark.parametrize("args", [["status"], ["db", "upgrade"], ["config", "check"]])
def test_every_command_takes_config_and_exits_2_on_bad_config(tmp_path: Path,
                                                             args: list[str]) -> None:
    path = tmp_path / "baton.yaml"
    path.write_text("sources: 3\n")
    result = runner.invoke(app, [*args, "--config", str(path)])
    assert result.exit_code == 2
    assert f"{path}:1:10: sources: Input should be a valid list" in result.output


def test_baton_debug_shows_the_traceback_a_user_normally_does_not_see(tmp_path: Path) -> None:
    path = tmp_path / "baton.yaml"
    path.write_text("sources: 3\n")
    quiet = runner.invoke(app, ["config", "check", "--config", str(path)])
    loud = runner.invoke(app, ["config", "check", "--config", str(path)],
                         env={"BATON_DEBUG": "1"})
    assert quiet.exit_code == 2 and not isinstance(quiet.exception, ConfigError)
    assert isinstance(loud.exception, ConfigError)
