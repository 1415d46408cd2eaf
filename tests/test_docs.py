"""Every command has help text and a row in the README (users find commands there)."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.main import get_command
from typer.testing import CliRunner

from baton.cli import app

README = (Path(__file__).parent.parent / "README.md").read_text()


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
