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
from baton.settings import EnvSettings, parse_instant
from model import Quarantine, RunStatus, SyncRun, SyncState
from rules.configfile import ConfigError
from sandbox.run import RunningSandbox, sandbox_config
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
    assert result.exit_code == 0 and f"database at revision {head}\n" in result.output
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


READ_AND_SYNC = [["status"], ["alerts"], ["people"], ["links"], ["evaluate"], ["sync"],
                 ["config", "check"], ["db", "upgrade"], ["rules", "check"],
                 ["rules", "preview"], ["serve"], ["users", "list"]]
BAD_ENV = [
    ("BATON_NOW", "garbage",
     'baton: BATON_NOW: "garbage" is not an ISO 8601 instant such as 2026-03-10T09:00:00Z'),
    ("BATON_NOW", "2026-13-45",
     'baton: BATON_NOW: "2026-13-45" is not an ISO 8601 instant such as 2026-03-10T09:00:00Z'),
    ("BATON_DEBUG", "maybe",
     'baton: BATON_DEBUG: "maybe" is not 1 or 0 (or true/false, yes/no, on/off)'),
]


@pytest.mark.parametrize(("variable", "value", "line"), BAD_ENV, ids=lambda v: str(v)[:12])
@pytest.mark.parametrize("command", READ_AND_SYNC, ids=" ".join)
def test_a_bad_baton_variable_is_one_line_and_exit_2(tmp_path: Path, command: list[str],
                                                      variable: str, value: str,
                                                      line: str) -> None:
    config = make_config(tmp_path, f"sqlite:///{tmp_path / 'baton.db'}")
    result = runner.invoke(app, [*command, "--config", str(config)], env={variable: value})
    assert (result.exit_code, result.output.splitlines()) == (2, [line])
    assert not (tmp_path / "baton.db").exists()


@pytest.mark.parametrize("command", [["sync"], ["evaluate"], ["rules", "preview"],
                                     ["sandbox", "serve"]], ids=" ".join)
def test_a_bad_now_flag_is_one_line_and_exit_2(tmp_path: Path, command: list[str]) -> None:
    config = make_config(tmp_path, f"sqlite:///{tmp_path / 'baton.db'}")
    options = ["--dir", str(tmp_path / "sandbox")] if command[0] == "sandbox" else [
        "--config", str(config)]
    result = runner.invoke(app, [*command, *options, "--now", "garbage"])
    assert (result.exit_code, result.output.splitlines()) == (2, [
        'baton: --now: "garbage" is not an ISO 8601 instant such as 2026-03-10T09:00:00Z'])
    assert not (tmp_path / "baton.db").exists() and not (tmp_path / "sandbox").exists()


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-11-23T09:00:00Z", NOW), ("2026-11-23T10:00:00+01:00", NOW),
    ("2026-11-23T09:00:00", NOW), ("2026-11-23 09:00", NOW)])
def test_now_and_baton_now_read_instants_the_same_way(text: str, expected: datetime) -> None:
    assert parse_instant(text) == expected
    assert EnvSettings(now=text).now == expected  # type: ignore[arg-type]


def requests_served(sandbox: RunningSandbox) -> int:
    replicas = sandbox.replicas
    return sum(sum(state.knobs.counters.values()) for state in (
        replicas.asana, replicas.trello, replicas.google, replicas.salesforce))


def test_sync_checks_the_rules_file_before_fetching_anything(sandbox: RunningSandbox,
                                                             tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n  - id: late\n    kind: overdoo\n")
    config = tmp_path / "baton.yaml"
    config.write_text(sandbox_config(sandbox, rules_file=rules,
                                     database=f"sqlite:///{tmp_path / 'baton.db'}"))
    result = runner.invoke(app, ["sync", "--config", str(config), "--now", NOW.isoformat()])
    assert result.exit_code == 2, result.output
    assert result.output.startswith(f'{rules}:3:11: rule "late": unknown kind "overdoo"')
    assert requests_served(sandbox) == 0 and not (tmp_path / "baton.db").exists()
    skipped = runner.invoke(app, ["sync", "--config", str(config), "--now", NOW.isoformat(),
                                  "--no-rules", "--source", "asana-main"])
    assert skipped.exit_code == 0, skipped.output
    assert requests_served(sandbox) > 0


@pytest.mark.parametrize("command", [["status"], ["db", "upgrade"], ["alerts"], ["sync"]],
                         ids=" ".join)
def test_a_database_in_a_missing_folder_names_the_folder(tmp_path: Path,
                                                         command: list[str]) -> None:
    config = make_config(tmp_path, "sqlite:///data/baton.db")
    result = runner.invoke(app, [*command, "--config", str(config)])
    assert result.exit_code == 2
    assert result.output.splitlines()[0] == (
        f"{config}:1:11: database folder {tmp_path.resolve() / 'data'} does not exist; "
        "create it, or point database elsewhere")
    assert "server is up" not in result.output and not (tmp_path / "data").exists()


def test_a_sqlite_database_that_cannot_be_opened_says_so_without_blaming_a_server(
        tmp_path: Path) -> None:
    (tmp_path / "baton.db").mkdir()
    config = make_config(tmp_path, "sqlite:///baton.db")
    result = runner.invoke(app, ["db", "upgrade", "--config", str(config)])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "baton: database: unable to open database file; check `database` in your config "
        "and that baton may write to its folder"]


def test_the_sqlite_database_and_its_wal_files_are_private(tmp_path: Path) -> None:
    config = make_config(tmp_path, "sqlite:///baton.db")
    assert runner.invoke(app, ["db", "upgrade", "--config", str(config)]).exit_code == 0
    engine = database.make_engine(f"sqlite:///{tmp_path / 'baton.db'}")
    with engine.connect() as connection:
        connection.exec_driver_sql("INSERT INTO person (email, name, weekly_capacity_hours, "
                                   "working_days, active, origin, created_at, updated_at) "
                                   "VALUES ('a@b.c', 'A', 40, '[]', 1, 'config', "
                                   "'2026-01-01', '2026-01-01')")
        connection.commit()
        files = sorted(p.name for p in tmp_path.glob("baton.db*"))
        modes = {p.name: p.stat().st_mode & 0o777 for p in tmp_path.glob("baton.db*")}
    engine.dispose()
    assert files == ["baton.db", "baton.db-shm", "baton.db-wal"]
    assert modes == dict.fromkeys(files, 0o600)


def test_an_existing_database_keeps_the_mode_its_admin_gave_it(tmp_path: Path) -> None:
    (tmp_path / "baton.db").touch(mode=0o640)
    (tmp_path / "baton.db").chmod(0o640)
    database.make_engine(f"sqlite:///{tmp_path / 'baton.db'}").dispose()
    assert (tmp_path / "baton.db").stat().st_mode & 0o777 == 0o640
