"""`baton demo`: the whole product on one machine, offline, in one command.

Starts the sandbox replicas with the sample organisation dated around today,
writes a baton.yaml for them into `.demo/` (with its own copy of the rules,
so edits in the admin editor never touch config/rules.yaml), syncs, evaluates,
creates a demo admin and serves the feed until Ctrl-C. Each run starts from a
fresh database, so the planted problems are always there to act on.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from sqlmodel import Session

from baton import database
from baton.config import load_config
from baton.feed_commands import DEFAULT_HOST, DEFAULT_PORT, feed_settings
from baton.rules_commands import evaluate_stored
from baton.sandbox_command import DEFAULT_RULES, ORG_DEFAULT, OrgOption
from baton.sync_command import sync_all
from feed.app import create_app
from feed.users import Role, add_user
from sandbox.run import sandbox_config, start_sandbox

DEMO_USER = "demo"


def demo(port: Annotated[int, typer.Option(help="Port of the feed.")] = DEFAULT_PORT,
         directory: Annotated[Path, typer.Option(
             "--dir", help="Where the demo config, rules copy and database go.")
         ] = Path(".demo"),
         org: OrgOption = ORG_DEFAULT) -> None:
    """Run the sandbox, sync it, evaluate the rules and serve the feed with a demo admin."""
    now = datetime.now(UTC)
    folder = directory.resolve()
    tls = folder / "tls"
    tls.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("baton.db*"):
        stale.unlink()
    rules = folder / "rules.yaml"
    shutil.copyfile(DEFAULT_RULES, rules)
    typer.echo("starting the sandbox (Asana, Trello, Google, Salesforce replicas)…", err=True)
    sandbox = start_sandbox(tls, org=org.value)
    try:
        config_path = folder / "baton.yaml"
        config_path.write_text(sandbox_config(sandbox, rules_file=rules,
                                              database=f"sqlite:///{folder / 'baton.db'}"))
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
        app = create_app(feed_settings(loaded), engine)
        url = f"http://{DEFAULT_HOST}:{port}"
        typer.echo(f"\nbaton demo is ready: open\n\n  {url}/login?token={token}\n\n"
                   f"(signed in as {DEMO_USER}, an admin; config in {config_path}; "
                   "Ctrl-C stops everything)\n")
        uvicorn.run(app, host=DEFAULT_HOST, port=port, log_level="warning")
    finally:
        sandbox.stop()
