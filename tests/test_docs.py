"""Every command has help text and a row in the README (users find commands there), and
every file the README points to is in a user's clone."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer
from typer.main import get_command
from typer.testing import CliRunner

from baton.cli import app

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text()


def command_paths() -> list[str]:
    root = get_command(app)
    paths = []
    for name, command in root.commands.items():  # type: ignore[attr-defined]
        subcommands = getattr(command, "commands", None)
        if subcommands:
            paths += [f"{name} {sub}" for sub in subcommands]
        else:
            paths.append(name)
    return sorted(paths)


@pytest.mark.parametrize("path", command_paths())
def test_command_has_help_and_a_readme_row(path: str) -> None:
    result = CliRunner().invoke(app, [*path.split(), "--help"])
    assert result.exit_code == 0, result.output
    command = get_command(app)
    for part in path.split():
        command = command.commands[part]  # type: ignore[attr-defined]
    assert command.help, f"baton {path} has no help text"
    assert f"baton {path}" in README, f"README has no row for `baton {path}`"


def test_the_app_is_a_typer_app() -> None:
    assert isinstance(app, typer.Typer) and len(command_paths()) >= 15


def readme_pointers() -> list[str]:
    """Files and folders the README names: `code` spans and link targets that look like
    a path in the clone (a known top-level folder, a Markdown file, or a way out of it)."""
    top = {entry.name for entry in ROOT.iterdir()}
    found = []
    for code, link in re.findall(r"`([^`\s]+)`|\]\(([^)\s]+)\)", README):
        target = code or link
        if "://" in target or "<" in target:
            continue
        first = target.split("/")[0]
        if first in top or target.startswith("../") or target.endswith(".md"):
            found.append(target)
    return found


def test_every_file_the_readme_points_to_is_in_a_clone() -> None:
    pointers = readme_pointers()
    assert "docs/architecture.md" in pointers and "sandbox/answer_key.yaml" in pointers
    assert [p for p in pointers if p.startswith("../") or not (ROOT / p).exists()] == []
