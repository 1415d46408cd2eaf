"""`baton demo`: the whole product on one machine, offline, in one command.

Starts the sandbox replicas with the sample organisation dated around today,
writes a baton.yaml for them into `.demo/` (with its own copy of the rules,
so edits in the admin editor never touch config/rules.yaml), syncs, evaluates,
creates a demo admin and serves the feed until Ctrl-C. Each run starts from a
fresh database, so the planted problems are always there to act on; a lock in the
folder keeps a second run from replacing the files of one that is still serving.
"""

from __future__ import annotations

import shutil
import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from sqlmodel import Session

from baton import database
from baton.cli_common import fail, user_errors
from baton.config import load_config
from baton.feed_commands import DEFAULT_HOST, DEFAULT_PORT, feed_settings
from baton.listen import listen, serve
from baton.rules_commands import evaluate_stored
from baton.sandbox_command import DEFAULT_RULES, ORG_DEFAULT, OrgOption
from baton.sync_command import sync_all
from feed.app import create_app
from feed.users import SIGNIN_LIFETIME, Role, add_user
from sandbox.run import start_sandbox, write_config
from sync.locks import Locked, file_lock

DEMO_USER = "demo"
EXIT_RUNNING = 75  # EX_TEMPFAIL, as for a sync whose source is locked
LINK_MINUTES = int(SIGNIN_LIFETIME.total_seconds() // 60)


def demo(port: Annotated[int, typer.Option(help="Port of the feed.")] = DEFAULT_PORT,
         directory: Annotated[Path, typer.Option(
             "--dir", help="Where the demo config, rules copy and database go.")
         ] = Path(".demo"),
         org: OrgOption = ORG_DEFAULT) -> None:
    """Run the sandbox, sync it, evaluate the rules and serve the feed with a demo admin.
    Exit 75 when a demo already runs from --dir, 2 when the port is taken."""
    now = datetime.now(UTC)
    folder = directory.resolve()
    with user_errors(debug=False):
        try:
            with file_lock(folder, "demo", now):
                sock = listen(DEFAULT_HOST, port)
                _run(folder, sock, port, now, org.value)
        except Locked as exc:
            fail(f"a demo is already running from {folder} ({exc}); use it, stop it with "
                 "Ctrl-C, or pass another --dir and --port", EXIT_RUNNING)


def _run(folder: Path, sock: socket.socket, port: int, now: datetime, org: str) -> None:
    """Everything after the lock and the port are ours: only now are files replaced."""
    for stale in folder.glob("baton.db*"):
        stale.unlink()
    rules = folder / "rules.yaml"
    shutil.copyfile(DEFAULT_RULES, rules)
    tls = folder / "tls"
    tls.mkdir(exist_ok=True)
    typer.echo("starting the sandbox (Asana, Trello, Google, Salesforce replicas)…", err=True)
    sandbox = start_sandbox(tls, org=org)
    try:
        config_path = folder / "baton.yaml"
        write_config(config_path, sandbox, rules_file=rules,
                     database=f"sqlite:///{folder / 'baton.db'}")
        loaded = load_config(config_path)
        engine = database.make_engine(loaded.database)
        database.upgrade(engine)
        typer.echo("syncing the sample organisation (one source fails on purpose: its "
                   "token is revoked, so stale_source has something to show)…", err=True)
        sync_all(loaded, engine, sources=[], full=False, now=now, quiet=True)
        evaluate_stored(loaded, engine, now)
        with Session(engine) as session:
            token = add_user(session, DEMO_USER, Role.admin, now).token
            session.commit()
        url = f"http://{DEFAULT_HOST}:{port}"
        app = create_app(feed_settings(loaded, base_url=url), engine)
        typer.echo(f"\nbaton demo is ready: open\n\n  {url}/login?token={token}\n\n"
                   f"(signs you in as {DEMO_USER}, an admin: once, within {LINK_MINUTES} minutes; "
                   f"`baton users token {DEMO_USER} --config {config_path}` prints a fresh "
                   "one; Ctrl-C stops everything)\n")
        serve(app, sock)
    finally:
        sandbox.stop()
