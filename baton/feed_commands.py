"""`baton serve` and `baton users …`: the feed's web server and who may use it.

Thin commands: load baton.yaml, turn it into the `FeedSettings` the feed
needs (feed/ never reads baton's config itself), call feed/, print. A token
is printed exactly once, on stdout, so `baton users add ana --role viewer`
can be piped into whatever hands it over; only its hash is stored.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
import uvicorn
from sqlmodel import Session

from baton import cli_common as cli
from baton import database
from baton.config import BatonConfig
from baton.rules_commands import context_for
from baton.settings import EnvSettings
from feed.app import create_app
from feed.settings import Coordinator, FeedSettings, system_clock
from feed.users import Role, TokenKind, UserError, add_user, find_user, issue_token, list_users
from feed.users import revoke_user as revoke_feed_user

DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8750
users_app = typer.Typer(help="Feed users and their tokens.", no_args_is_help=True)

NameArgument = Annotated[str, typer.Argument(help="User name (shown in alert history).")]


def feed_settings(config: BatonConfig, *, base_url: str = "",
                  cookie_secure: bool = False) -> FeedSettings:
    """What the feed needs from baton.yaml, as plain data; BATON_NOW pins its clock."""
    fixed = EnvSettings().now
    duty = config.coordinator
    return FeedSettings(
        rules_context=context_for(config), rules_file=config.rules_file,
        source_names=[s.name for s in config.sources],
        known_people=[p.email for p in config.people],
        clock=(lambda: fixed) if fixed is not None else system_clock,
        base_url=base_url.rstrip("/"), cookie_secure=cookie_secure,
        coordinator=Coordinator(duty.email, duty.name) if duty is not None else None)


def serve(config: cli.ConfigOption = None,
          host: Annotated[str, typer.Option(help="Address to listen on.")] = DEFAULT_HOST,
          port: Annotated[int, typer.Option(help="Port to listen on.")] = DEFAULT_PORT,
          base_url: Annotated[str, typer.Option(
              help="Public root URL for links in the Atom feed (default: as requested).")] = "",
          secure_cookies: Annotated[bool, typer.Option(
              help="Mark session cookies Secure (set when served over HTTPS).")] = False,
          debug: cli.DebugOption = False) -> None:
    """Serve the alerts feed, JSON API and Atom feed until Ctrl-C."""
    with cli.user_errors(debug):
        loaded = cli.load(config)
        engine = database.make_engine(loaded.database)
        database.upgrade(engine)
    app = create_app(feed_settings(loaded, base_url=base_url, cookie_secure=secure_cookies),
                     engine)
    typer.echo(f"feed on http://{host}:{port}/ (Ctrl-C stops it)", err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")


def _session(config: cli.ConfigOption) -> Session:
    loaded = cli.load(config)
    engine = database.make_engine(loaded.database)
    database.upgrade(engine)
    return Session(engine)


@users_app.command("add")
def users_add(name: NameArgument,
              role: Annotated[Role, typer.Option(help="viewer reads, coordinator acts on "
                                                      "alerts, admin edits rules and people.")
                              ] = Role.viewer,
              email: Annotated[str | None, typer.Option(help="Contact address.")] = None,
              config: cli.ConfigOption = None, debug: cli.DebugOption = False) -> None:
    """Create a feed user and print their sign-in token (shown once, stored hashed)."""
    with cli.user_errors(debug), _session(config) as session:
        try:
            issued = add_user(session, name, role, datetime.now(UTC), email)
        except UserError as exc:
            cli.fail(str(exc))
        session.commit()
    typer.echo(issued.token)
    typer.echo(f"user {name} ({role.value}) created; the token above is shown only once",
               err=True)


@users_app.command("token")
def users_token(name: NameArgument, config: cli.ConfigOption = None,
                debug: cli.DebugOption = False) -> None:
    """Print a new sign-in token for a user; their previous one stops working."""
    with cli.user_errors(debug), _session(config) as session:
        try:
            user = find_user(session, name)
            token = issue_token(session, user, TokenKind.login, datetime.now(UTC))
        except UserError as exc:
            cli.fail(str(exc))
        session.commit()
    typer.echo(token)


@users_app.command("revoke")
def users_revoke(name: NameArgument, config: cli.ConfigOption = None,
                 debug: cli.DebugOption = False) -> None:
    """Lock a user out: tokens (sign-in, API, Atom) revoked and browser sessions ended."""
    with cli.user_errors(debug), _session(config) as session:
        try:
            revoke_feed_user(session, name, datetime.now(UTC))
        except UserError as exc:
            cli.fail(str(exc))
        session.commit()
    typer.echo(f"user {name} revoked")


@users_app.command("list")
def users_list(config: cli.ConfigOption = None, debug: cli.DebugOption = False) -> None:
    """List feed users with their role and whether they are revoked."""
    with cli.user_errors(debug), _session(config) as session:
        for user in list_users(session):
            state = f"revoked {user.revoked_at:%Y-%m-%d}" if user.revoked_at else "active"
            typer.echo(f"{user.name}\t{user.role}\t{state}")
