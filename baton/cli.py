"""The `baton` command line: thin commands that load config, call the library, print.

stdout carries results (tables, JSON), stderr diagnostics. User mistakes end
in one line and a documented exit code, never a traceback (unless --debug):
0 ok, 1 a source or the database failed, 2 bad config, 75 locked.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from sqlmodel import Session

from baton import (
    __version__,
    database,
    demo_command,
    feed_commands,
    people_command,
    rules_commands,
    sandbox_command,
    sync_command,
)
from baton.cli_common import EXIT_CONFIG, ConfigOption, DebugOption, fail, load, user_errors
from baton.connect import UnknownSource
from baton.effort_view import configured_effort, stored_effort
from baton.settings import EnvSettings
from baton.status_view import render_status
from rules.config import load_rules
from sync import status as sync_status

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


@config_app.command("check")
def config_check(config: ConfigOption = None, debug: DebugOption = False) -> None:
    """Validate baton.yaml and its rules file; exit 2 listing every problem."""
    with user_errors(debug):
        loaded = load(config)
        rules = load_rules(loaded.rules_file, known_sources=[s.name for s in loaded.sources],
                           known_people=[p.email for p in loaded.people])
        typer.echo(f"config ok: {len(loaded.sources)} source(s), {len(loaded.people)} "
                   f"person(s), {len(rules.rules)} rule(s) in {loaded.rules_file}")
        for line in configured_effort(loaded):
            typer.echo(line)


@db_app.command("upgrade")
def db_upgrade(config: ConfigOption = None, debug: DebugOption = False) -> None:
    """Create or migrate the database schema to the latest version."""
    with user_errors(debug):
        loaded = load(config)
        engine = database.make_engine(loaded.database)
        database.upgrade(engine)
        typer.echo(f"database at revision {database.current_revision(engine)}")


@app.command("sync")
def sync(
    config: ConfigOption = None,
    source: Annotated[list[str] | None, typer.Option(
        "--source", "-s", help="Sync only this source (repeatable).")] = None,
    full: Annotated[bool, typer.Option(
        "--full", help="Ignore stored cursors and re-list everything.")] = False,
    no_rules: Annotated[bool, typer.Option(
        "--no-rules", help="Do not evaluate the rules afterwards.")] = False,
    now: rules_commands.NowOption = None,
    quiet: Annotated[bool, typer.Option(
        "--quiet", "-q", help="Print only failures (for cron mail).")] = False,
    debug: DebugOption = False,
) -> None:
    """Sync every source (or --source), then evaluate the rules. Exit 0 ok, 1 a source
    failed (the others committed), 2 bad config, 75 another sync holds a source."""
    moment = rules_commands.resolve_now(now)
    with user_errors(debug):
        loaded = load(config)
        engine = database.make_engine(loaded.database)
        database.upgrade(engine)
        try:
            _, code = sync_command.sync_all(loaded, engine, sources=source or [],
                                                  full=full, now=moment, quiet=quiet)
        except UnknownSource as exc:
            fail(exc.args[0], EXIT_CONFIG)
        rules_ok = no_rules or rules_commands.evaluate_stored(loaded, engine, moment,
                                                              quiet=quiet)
    raise typer.Exit(code if rules_ok or code else EXIT_CONFIG)


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
        for line in stored_effort(engine, loaded.sources) or []:
            typer.echo(line)


rules_app = typer.Typer(help="Check and preview rules.yaml.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")
app.command("evaluate")(rules_commands.evaluate_command)
app.command("alerts")(rules_commands.alerts_command)
rules_app.command("check")(rules_commands.rules_check_command)
rules_app.command("preview")(rules_commands.rules_preview_command)
app.command("people")(people_command.people_command)
app.command("links")(people_command.links_command)
app.command("serve")(feed_commands.serve)
app.add_typer(feed_commands.users_app, name="users")
app.command("demo")(demo_command.demo)
