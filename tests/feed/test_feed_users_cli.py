"""`baton users …` and the settings `baton serve` builds (commands tested through Typer)."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from baton.config import load_config
from baton.feed_commands import feed_settings, users_app
from baton.rules_commands import context_for
from tests.feed.feed_factories import RULES_TEXT


@pytest.fixture
def config(tmp_path: Path) -> Path:
    (tmp_path / "rules.yaml").write_text(RULES_TEXT)
    path = tmp_path / "baton.yaml"
    path.write_text("database: sqlite:///feed.db\ntimezone: Europe/Berlin\n"
                    "people:\n  - {email: ana@agency.example, name: Ana}\n")
    return path


def run(*args: str) -> typer.testing.Result:
    app = typer.Typer()
    app.add_typer(users_app, name="users")
    return CliRunner().invoke(app, ["users", *args])


def test_add_prints_a_token_once_and_list_shows_the_user(config: Path) -> None:
    added = run("add", "ana", "--role", "coordinator", "--config", str(config))
    assert added.exit_code == 0, added.output
    token = added.stdout.strip().splitlines()[0]
    assert len(token) >= 40
    listed = run("list", "--config", str(config))
    assert "ana\tcoordinator\tactive" in listed.stdout
    assert token not in listed.stdout


def test_duplicate_unknown_and_revoke(config: Path) -> None:
    run("add", "ana", "--config", str(config))
    again = run("add", "ana", "--config", str(config))
    assert again.exit_code == 1 and "exists" in again.output
    missing = run("revoke", "bob", "--config", str(config))
    assert missing.exit_code == 1 and 'no user "bob"' in missing.output
    assert run("revoke", "ana", "--config", str(config)).exit_code == 0
    assert "revoked" in run("list", "--config", str(config)).stdout


def test_bad_role_and_missing_config_are_usage_errors(config: Path, tmp_path: Path) -> None:
    assert run("add", "ana", "--role", "boss", "--config", str(config)).exit_code == 2
    gone = run("add", "ana", "--config", str(tmp_path / "nope.yaml"))
    assert gone.exit_code == 2 and "config file not found" in gone.output


def test_feed_settings_come_from_the_config(config: Path) -> None:
    loaded = load_config(config)
    settings = feed_settings(loaded, base_url="https://feed.example/")
    assert settings.rules_file == loaded.rules_file
    assert settings.rules_context == context_for(loaded)
    assert list(settings.known_people) == ["ana@agency.example"]
    assert settings.base_url == "https://feed.example"
    assert settings.timezone == "Europe/Berlin"
