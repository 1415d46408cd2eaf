"""`baton users …` and the settings `baton serve` builds (commands tested through Typer)."""

from __future__ import annotations

import re
import socket
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from baton.config import load_config
from baton.feed_commands import feed_settings, public_root, serve, users_app
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


def test_sign_in_tokens_are_short_lived_and_api_tokens_are_listed_and_revoked(
        config: Path) -> None:
    added = run("add", "ana", "--valid-minutes", "30", "--config", str(config))
    assert added.exit_code == 0, added.output
    assert "it works once, until" in added.stderr
    api = run("token", "ana", "--api", "--label", "nightly report", "--config", str(config))
    assert api.exit_code == 0, api.output
    secret = api.stdout.strip()
    run("token", "ana", "--api", "--config", str(config))
    listed = run("tokens", "ana", "--config", str(config)).stdout.splitlines()
    rows = [line.split("\t") for line in listed]
    assert [(r[2], r[3], r[7]) for r in rows] == [
        ("login", "-", "live"), ("api", "nightly report", "live"), ("api", "-", "live")]
    created, expires = (datetime.fromisoformat(v.replace("Z", "+00:00")) for v in rows[0][4:6])
    assert expires - created == timedelta(minutes=30)
    assert secret not in "\n".join(listed)
    revoked = run("revoke-token", rows[1][0], "--config", str(config))
    assert revoked.exit_code == 0 and "revoked" in revoked.stdout
    states = [line.split("\t")[7] for line in run("tokens", "--config", str(config))
              .stdout.splitlines()]
    assert states == ["live", "revoked", "live"]
    run("token", "ana", "--config", str(config))  # a new sign-in token replaces the unused one
    states = [line.split("\t")[7] for line in run("tokens", "--config", str(config))
              .stdout.splitlines()]
    assert states == ["revoked", "revoked", "live", "live"]


@pytest.mark.parametrize("args", [
    ["token", "ana", "--valid-minutes", "0"],
    ["token", "ana", "--valid-minutes", "1441"],
    ["token", "ana", "--api", "--valid-minutes", "30"],
    ["token", "ana", "--label", "x"],
    ["token", "ana", "--api", "--label", "x" * 101],
    ["revoke-token", "abc"],
])
def test_token_usage_errors(config: Path, args: list[str]) -> None:
    run("add", "ana", "--config", str(config))
    answer = run(*args, "--config", str(config))
    assert answer.exit_code == 2, answer.output
    assert "Traceback" not in answer.output


def test_unknown_token_is_one_line(config: Path) -> None:
    run("add", "ana", "--config", str(config))
    answer = run("revoke-token", "99", "--config", str(config))
    assert answer.exit_code == 1 and "no token 99" in answer.output


@pytest.mark.parametrize(("base_url", "host", "root", "secure"), [
    ("", "127.0.0.1", "http://127.0.0.1:8750", False),
    ("", "::1", "http://[::1]:8750", False),
    ("", "0.0.0.0", f"http://{socket.getfqdn()}:8750", False),
    ("https://feed.example/", "0.0.0.0", "https://feed.example", True),
    ("https://example.org/baton", "127.0.0.1", "https://example.org/baton", True),
    ("http://feed.internal", "127.0.0.1", "http://feed.internal", False),
])
def test_links_use_the_base_url_else_the_bind_address(config: Path, base_url: str, host: str,
                                                      root: str, secure: bool) -> None:
    settings = feed_settings(load_config(config), base_url=public_root(base_url, host, 8750))
    assert settings.base_url == root
    assert settings.use_secure_cookies is secure and settings.https is secure


@pytest.mark.parametrize("base_url", ["ftp://feed.example", "feed.example",
                                      "https://feed.example/?x=1", "https://"])
def test_a_bad_base_url_is_a_usage_error(config: Path, base_url: str) -> None:
    app = typer.Typer()
    app.command()(serve)
    app.command()(lambda: None)  # two commands, so `serve` is addressed by name
    answer = CliRunner().invoke(app, ["serve", "--base-url", base_url, "--config", str(config)])
    words = " ".join(re.sub("[│╭╮╰╯─]", " ", answer.output).split())  # unwrap the box
    assert answer.exit_code == 2 and "is not a root URL" in words
