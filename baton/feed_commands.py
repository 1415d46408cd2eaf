"""`baton serve` and `baton users …`: the feed's web server and who may use it.

Thin commands: load baton.yaml, turn it into the `FeedSettings` the feed
needs (feed/ never reads baton's config itself), call feed/, print. A token
is printed exactly once, on stdout, so `baton users add ana --role viewer`
can be piped into whatever hands it over; only its hash is stored. Sign-in
tokens work once and for minutes; scripts get API tokens (`token --api`).
"""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta
from typing import Annotated
from urllib.parse import urlsplit

import typer
from sqlmodel import Session

from baton import cli_common as cli
from baton import database
from baton.config import BatonConfig
from baton.listen import listen
from baton.listen import serve as serve_app
from baton.rules_commands import context_for
from baton.settings import env_settings
from baton.terminal import clean
from feed.app import create_app
from feed.settings import Coordinator, FeedSettings, system_clock
from feed.users import (
    MAX_SIGNIN_LIFETIME,
    SIGNIN_LIFETIME,
    Role,
    TokenKind,
    UserError,
    add_user,
    find_user,
    issue_signin,
    issue_token,
    list_tokens,
    list_users,
    revoke_token,
    token_state,
)
from feed.users import revoke_user as revoke_feed_user

DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8750
WILDCARD_HOSTS = ("0.0.0.0", "::", "")
MAX_LABEL_CHARS = 100
users_app = typer.Typer(help="Feed users and their tokens.", no_args_is_help=True)

NameArgument = Annotated[str, typer.Argument(help="User name (shown in alert history).")]
ValidMinutes = Annotated[int | None, typer.Option(
    min=1, max=int(MAX_SIGNIN_LIFETIME.total_seconds() // 60),
    help=f"How long the sign-in token works (it works once) [default: "
         f"{int(SIGNIN_LIFETIME.total_seconds() // 60)}].")]


def feed_settings(config: BatonConfig, *, base_url: str,
                  cookie_secure: bool = False) -> FeedSettings:
    """What the feed needs from baton.yaml, as plain data; BATON_NOW pins its clock."""
    fixed = env_settings().now
    duty = config.coordinator
    return FeedSettings(
        rules_context=context_for(config), rules_file=config.rules_file,
        source_names=[s.name for s in config.sources],
        known_people=[p.email for p in config.people],
        clock=(lambda: fixed) if fixed is not None else system_clock,
        base_url=base_url.rstrip("/"), cookie_secure=cookie_secure,
        coordinator=Coordinator(duty.email, duty.name) if duty is not None else None)


def public_root(base_url: str, host: str, port: int) -> str:
    """Where the feed's links point: `--base-url`, else the address it listens on (a
    wildcard address by this machine's name); never a request's Host header."""
    if base_url:
        return base_url.rstrip("/")
    name = socket.getfqdn() if host in WILDCARD_HOSTS else host
    return f"http://[{name}]:{port}" if ":" in name else f"http://{name}:{port}"


def _checked_base_url(value: str) -> str:
    parts = urlsplit(value)
    if value and (parts.scheme not in ("http", "https") or not parts.netloc
                  or parts.query or parts.fragment):
        raise typer.BadParameter(f'"{value}" is not a root URL such as '
                                 "https://alerts.example.org")
    return value


def serve(config: cli.ConfigOption = None,
          host: Annotated[str, typer.Option(help="Address to listen on.")] = DEFAULT_HOST,
          port: Annotated[int, typer.Option(help="Port to listen on.")] = DEFAULT_PORT,
          base_url: Annotated[str, typer.Option(
              callback=_checked_base_url,
              help="Public root URL of the feed, for the links it writes (Atom feed, feed "
                   "URLs); https turns on Secure cookies and HSTS. Default: the address "
                   "listened on.")] = "",
          secure_cookies: Annotated[bool, typer.Option(
              help="Mark cookies Secure even with an http --base-url (TLS ends at a "
                   "proxy).")] = False,
          debug: cli.DebugOption = False) -> None:
    """Serve the alerts feed, JSON API and Atom feed until Ctrl-C. Exit 2 on a bad config
    or when the port is taken."""
    with cli.user_errors(debug):
        loaded = cli.load(config)
        sock = listen(host, port)
        engine = database.make_engine(loaded.database)
        database.upgrade(engine)
        root = public_root(base_url, host, port)
        settings = feed_settings(loaded, base_url=root, cookie_secure=secure_cookies)
    typer.echo(f"feed on http://{host}:{port}/, links point to {root}/ (Ctrl-C stops it)",
               err=True)
    serve_app(create_app(settings, engine), sock)


def _session(config: cli.ConfigOption) -> Session:
    loaded = cli.load(config)
    engine = database.make_engine(loaded.database)
    database.upgrade(engine)
    return Session(engine)


def _minutes(value: int | None) -> timedelta:
    return timedelta(minutes=value) if value is not None else SIGNIN_LIFETIME


def _signin_note(name: str, valid_for: timedelta, now: datetime) -> str:
    return (f"sign-in token for {name} (above, shown once): it works once, until "
            f"{now + valid_for:%Y-%m-%d %H:%M} UTC; open the feed's /login?token=<token> "
            "or paste it on the sign-in page")


@users_app.command("add")
def users_add(name: NameArgument,
              role: Annotated[Role, typer.Option(help="viewer reads, coordinator acts on "
                                                      "alerts, admin edits rules and people.")
                              ] = Role.viewer,
              email: Annotated[str | None, typer.Option(help="Contact address.")] = None,
              valid_minutes: ValidMinutes = None,
              config: cli.ConfigOption = None, debug: cli.DebugOption = False) -> None:
    """Create a feed user and print a sign-in token (single use, stored hashed)."""
    now = datetime.now(UTC)
    with cli.user_errors(debug), _session(config) as session:
        try:
            issued = add_user(session, name, role, now, email, _minutes(valid_minutes))
        except UserError as exc:
            cli.fail(str(exc))
        session.commit()
    typer.echo(issued.token)
    typer.echo(f"user {name} ({role.value}) created; "
               + _signin_note(name, _minutes(valid_minutes), now), err=True)


@users_app.command("token")
def users_token(name: NameArgument,
                api: Annotated[bool, typer.Option(
                    "--api", help="An API token (Authorization: Bearer) instead of a "
                                  "sign-in token; it lasts until revoked.")] = False,
                label: Annotated[str | None, typer.Option(
                    help="What an API token is for (shown by `tokens`).")] = None,
                valid_minutes: ValidMinutes = None,
                config: cli.ConfigOption = None, debug: cli.DebugOption = False) -> None:
    """Print a new sign-in token for a user (their unused earlier one stops working), or
    with --api a new API token (their other API tokens keep working)."""
    if api and valid_minutes is not None:
        raise typer.BadParameter("API tokens last until revoked", param_hint="--valid-minutes")
    if label is not None and (not api or len(label) > MAX_LABEL_CHARS):
        raise typer.BadParameter(f"only API tokens have labels, of at most {MAX_LABEL_CHARS} "
                                 "characters", param_hint="--label")
    now = datetime.now(UTC)
    with cli.user_errors(debug), _session(config) as session:
        try:
            user = find_user(session, name)
            token = (issue_token(session, user, TokenKind.api, now, label=label) if api
                     else issue_signin(session, user, now, _minutes(valid_minutes)))
        except UserError as exc:
            cli.fail(str(exc))
        session.commit()
    typer.echo(token)
    typer.echo(f"API token for {name} (above, shown once): send it as Authorization: "
               "Bearer <token>; `baton users tokens` lists it, `baton users revoke-token "
               "ID` revokes it" if api else _signin_note(name, _minutes(valid_minutes), now),
               err=True)


@users_app.command("tokens")
def users_tokens(name: Annotated[str | None, typer.Argument(help="Only this user's.")] = None,
                 config: cli.ConfigOption = None, debug: cli.DebugOption = False) -> None:
    """List tokens (never the secrets): id, user, kind, label, created, expires, last
    used, state."""
    now = datetime.now(UTC)
    with cli.user_errors(debug), _session(config) as session:
        try:
            rows = list_tokens(session, find_user(session, name) if name else None)
        except UserError as exc:
            cli.fail(str(exc))
        for token, user in rows:
            typer.echo("\t".join([str(token.id), user.name, token.kind, token.label or "-",
                                  _when(token.created_at), _when(token.expires_at),
                                  _when(token.last_used_at), token_state(token, now)]))


def _when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%dT%H:%MZ}" if moment is not None else "-"


@users_app.command("revoke-token")
def users_revoke_token(token_id: Annotated[int, typer.Argument(
                           help="The id `baton users tokens` shows.")],
                       config: cli.ConfigOption = None, debug: cli.DebugOption = False
                       ) -> None:
    """Revoke one token (an API token, say) and leave the user's others alone."""
    with cli.user_errors(debug), _session(config) as session:
        try:
            row = revoke_token(session, token_id, datetime.now(UTC))
        except UserError as exc:
            cli.fail(str(exc))
        session.commit()
        typer.echo(f"token {row.id} ({row.kind}) revoked")


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
            typer.echo("\t".join((clean(user.name), user.role, state)))
