"""`baton status` and `baton config check` say where each source's effort came from.

Read from what sync stored on tasks (`Task.estimate_from`), never from an API; a
database from before that column, or none, has nothing to say and breaks nothing.
"""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session
from typer.testing import CliRunner

from baton import database
from baton.cli import app
from model import RecordState, Task
from tests.conftest import both_backends

runner = CliRunner()
HOURS = '"Estimate (h)" (hours)'
DAYS = '"Effort [days]" (days)'


def make_config(tmp_path: Path, database_url: str, trello_field: str = "") -> Path:
    (tmp_path / "rules.yaml").write_text("rules: []\n")
    path = tmp_path / "baton.yaml"
    extra = f", estimate_field: {trello_field}" if trello_field else ""
    path.write_text(f"""database: "{database_url}"
sources:
  - {{name: asana-main, type: asana, token: x, workspace: "1"}}
  - {{name: trello-studio, type: trello, key: k, token: t{extra}}}
  - {{name: google, type: google, calendars: [a@b.example], auth: {{kind: oauth,
      client_id: c, client_secret: s, refresh_token: r}}}}
""")
    return path


def task(n: int, source: str, hours: float | None, field: str | None,
         state: RecordState = RecordState.active) -> Task:
    return Task(source=source, external_id=str(n), title=f"t{n}", state=state,
                estimate_hours=hours, estimate_from=field)


def store(database_url: str) -> None:
    engine = database.make_engine(database_url)
    database.upgrade(engine)
    with Session(engine) as session:
        session.add_all([
            task(1, "asana-main", 4, HOURS), task(2, "asana-main", 2, HOURS),
            task(3, "asana-main", 8, DAYS), task(4, "asana-main", None, HOURS),
            task(5, "asana-main", None, None), task(6, "asana-main", 9, HOURS,
                                                    RecordState.completed),
            task(7, "asana-main", None, None, RecordState.deleted),
            task(8, "trello-studio", None, None), task(9, "trello-studio", None, None),
            task(10, "google", None, None),
        ])
        session.commit()
    engine.dispose()


ASANA_LINE = (f"effort asana-main: 5 open tasks; estimates from {HOURS} on 2, {DAYS} on 1; "
              f"2 without an estimate ({HOURS} empty on 1, no effort field on 1)")
GOOGLE_LINE = "effort google: 1 open task; 1 without an estimate (no effort field on 1)"
TRELLO_LINE = ("effort trello-studio: 2 open tasks; 2 without an estimate (no effort field "
               "on 2); no effort field found: name it with estimate_field in baton.yaml")


@both_backends
def test_status_says_which_field_and_how_many_open_tasks_lack_one(tmp_path: Path,
                                                                  database_url: str) -> None:
    config = make_config(tmp_path, database_url)
    store(database_url)
    result = runner.invoke(app, ["status", "--config", str(config)])
    assert result.exit_code == 0, result.output
    effort = [line for line in result.output.splitlines() if line.startswith("effort")]
    assert effort == [ASANA_LINE, TRELLO_LINE, GOOGLE_LINE]


def test_config_check_says_how_effort_is_found_then_what_sync_found(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'baton.db'}"
    config = make_config(tmp_path, url, trello_field='"Size (h)"')
    before = runner.invoke(app, ["config", "check", "--config", str(config)])
    assert before.exit_code == 0, before.output
    assert before.output.splitlines()[1:] == [
        "effort asana-main: fields found by name at each sync",
        'effort trello-studio: only the field "Size (h)" (estimate_field)']
    assert not (tmp_path / "baton.db").exists(), "config check creates no database"
    store(url)
    after = runner.invoke(app, ["config", "check", "--config", str(config)])
    assert after.output.splitlines()[3:] == [ASANA_LINE, TRELLO_LINE, GOOGLE_LINE]


def test_a_database_from_before_effort_was_stored_has_nothing_to_say(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'baton.db'}"
    config = make_config(tmp_path, url)
    engine = database.make_engine(url)
    database.upgrade(engine, "0002")
    engine.dispose()
    for command in (["status"], ["config", "check"]):
        result = runner.invoke(app, [*command, "--config", str(config)])
        assert result.exit_code == 0, result.output
        assert "open task" not in result.output
