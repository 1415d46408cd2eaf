"""The `baton` command line: thin commands that load config, call the library, print.

stdout carries results (tables, JSON), stderr diagnostics. User mistakes end
in one line and a documented exit code, never a traceback (unless --debug):
0 ok, 1 a source or the database failed, 2 bad config, 75 locked.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from baton import __version__, database, sandbox_command
from baton.config import BatonConfig, load_config
from baton.settings import EnvSettings
from baton.status_view import render_status
from rules.configfile import ConfigError, Problem
from sync import status as sync_status

EXIT_FAILED, EXIT_CONFIG = 1, 2

app = typer.Typer(name="baton", help="Cross-tool coordination alerts for Asana, Trello, "
                  "Google and Salesforce.", no_args_is_help=True, add_completion=False,
                  pretty_exceptions_enable=False)
config_app = typer.Typer(help="Check the configuration.", no_args_is_help=True)
db_app = typer.Typer(help="Manage the database schema.", no_args_is_help=True)
sandbox_app = typer.Typer(help="Offline replicas of the four APIs.", no_args_is_help=True)
app.add_typer(config_app, name="config")
app.add_typer(db_app, name="db")
app.add_typer(sandbox_app, name="sandbox")
sandbox_app.command("serve")(sandbox_command.serve)

ConfigOption = Annotated[Path | None, typer.Option(
    "--config", "-c", help="baton.yaml to use (default: $BATON_CONFIG, else ./baton.yaml).",
    dir_okay=False)]
DebugOption = Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"baton {__version__}")
        raise typer.Exit()


@app.callback()
def main(version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="Print the version and exit.")] = False,
         ) -> None:
    """baton pulls tasks, calendars and CRM records into one model and flags conflicts,
    overload and missed handoffs across tools."""


def fail(message: str, code: int = EXIT_FAILED) -> NoReturn:
    typer.echo(f"baton: {message}", err=True)
    raise typer.Exit(code)


@contextmanager
def user_errors(debug: bool) -> Iterator[None]:
    """Turn known user-facing failures into one line and an exit code."""
    try:
        yield
    except ConfigError as exc:
        if debug:
            raise
        typer.echo(exc.report(), err=True)
        raise typer.Exit(EXIT_CONFIG) from None
    except OperationalError as exc:
        if debug:
            raise
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else "cannot connect"
        fail(f"database: {reason}; check `database` in your config and that the server is up")


def load(config_path: Path | None) -> BatonConfig:
    path = config_path or EnvSettings().config
    if not path.exists():
        raise ConfigError([Problem(str(path), 1, 1, (
            "config file not found; pass --config FILE or set BATON_CONFIG "
            "(start from config/baton.example.yaml)"))])
    return load_config(path)


@config_app.command("check")
def config_check(config: ConfigOption = None, debug: DebugOption = False) -> None:
    """Validate baton.yaml (and that its rules file exists); exit 2 listing every problem."""
    with user_errors(debug):
        loaded = load(config)
        typer.echo(f"config ok: {len(loaded.sources)} source(s), {len(loaded.people)} "
                   f"person(s), rules file {loaded.rules_file}")


@db_app.command("upgrade")
def db_upgrade(config: ConfigOption = None, debug: DebugOption = False) -> None:
    """Create or migrate the database schema to the latest version."""
    with user_errors(debug):
        loaded = load(config)
        engine = database.make_engine(loaded.database)
        database.upgrade(engine)
        typer.echo(f"database at revision {database.current_revision(engine)}")


@app.command("status")
def status(config: ConfigOption = None, debug: DebugOption = False) -> None:
    """Per source and stream: last run, result, cursor age, counts, quarantined, what to do."""
    with user_errors(debug):
        loaded = load(config)
        engine = database.make_engine(loaded.database)
        revision = database.current_revision(engine)
        if revision is None:
            typer.echo("nothing has synced yet: the database is empty "
                       "(`baton sync` or `baton db upgrade` creates it)")
            return
        with Session(engine) as session:
            rows = sync_status.collect(session, [s.name for s in loaded.sources])
        render_status(rows, EnvSettings().now, tty=sys.stdout.isatty())
