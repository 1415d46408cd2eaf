"""`baton sandbox serve`: the four replicas with a sample organisation, until Ctrl-C.

Prints the base URLs and writes a ready-made baton.yaml pointing at them, so
`baton --config <that file> sync` works against the sandbox straight away.
`--org` picks the organisation (`OrgOption`, shared with `baton demo`).
"""

from __future__ import annotations

import signal
import threading
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from sandbox.orgs import DEFAULT_ORG, ORGS
from sandbox.run import TOOLS, sandbox_config, start_sandbox

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_RULES = PROJECT_ROOT / "config" / "rules.yaml"
DEFAULT_PORT = 8761
OrgName = StrEnum("OrgName", {name: name for name in ORGS})  # type: ignore[misc]
ORG_DEFAULT = OrgName(DEFAULT_ORG)
OrgOption = Annotated[OrgName, typer.Option(  # type: ignore[valid-type]
    "--org", help="Which sample organisation: " + "; ".join(
        f"{o.name}: {o.about}" for o in ORGS.values()) + ".")]
PINNED = ", ".join(f"the {o.name} to {o.pinned_now.isoformat()}" for o in ORGS.values())


def serve(
    port: Annotated[int, typer.Option(help="First of four ports (Asana, Trello, Google, "
                                           "Salesforce); 0 picks free ones.")] = DEFAULT_PORT,
    directory: Annotated[Path, typer.Option(
        "--dir", help="Where the config, TLS files and the demo database go.")] = Path(
            ".sandbox"),
    now: Annotated[datetime | None, typer.Option(
        help=f"Pin the replicas' clock (ISO 8601); default: real time. Tests pin "
             f"{PINNED}.")] = None,
    org: OrgOption = ORG_DEFAULT,
) -> None:
    """Serve offline replicas of Asana, Trello, Google and Salesforce with a sample
    organisation, and write a baton.yaml for them."""
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    directory.mkdir(parents=True, exist_ok=True)
    tls = directory / "tls"
    tls.mkdir(exist_ok=True)
    if now is not None and now.tzinfo is None:
        raise typer.BadParameter("--now needs a timezone, e.g. 2026-11-23T09:00:00+00:00")
    try:
        sandbox = start_sandbox(tls, org=org.value, now=now, port=port)
    except OSError as exc:
        typer.echo(f"baton: sandbox: cannot listen on ports {port}-{port + 3} ({exc.strerror});"
                   " pass --port 0 or another --port", err=True)
        raise typer.Exit(1) from None
    config = directory / "baton.yaml"
    config.write_text(sandbox_config(sandbox, rules_file=DEFAULT_RULES.resolve(),
                                     database=f"sqlite:///{(directory / 'baton.db').resolve()}"))
    for tool in TOOLS:
        typer.echo(f"{tool:<11} {sandbox.url(tool)}")
    typer.echo(f"CA file     {sandbox.ca_path}")
    typer.echo(f"config      {config.resolve()}")
    typer.echo("sandbox ready; Ctrl-C stops it", err=True)
    stop.wait()
    sandbox.stop()
