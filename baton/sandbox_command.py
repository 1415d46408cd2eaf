"""`baton sandbox serve`: the four replicas with a sample organisation, until Ctrl-C.

Prints the base URLs and writes a ready-made baton.yaml pointing at them (absolute
paths, readable by its owner only), so `baton sync --config <that file>` works
against the sandbox straight away, from any folder. `--org` picks the organisation
(`OrgOption`, shared with `baton demo`).
"""

from __future__ import annotations

import signal
import threading
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from baton.cli_common import EXIT_CONFIG, fail, user_errors
from baton.settings import instant_option
from sandbox.orgs import DEFAULT_ORG, ORGS
from sandbox.run import TOOLS, start_sandbox, write_config

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
    now: Annotated[str | None, typer.Option(
        help=f"Pin the replicas' clock (ISO 8601); default: real time. Tests pin "
             f"{PINNED}.")] = None,
    org: OrgOption = ORG_DEFAULT,
) -> None:
    """Serve offline replicas of Asana, Trello, Google and Salesforce with a sample
    organisation, and write a baton.yaml for them."""
    with user_errors(debug=False):
        moment = instant_option(now)
    folder = directory.resolve()
    tls = folder / "tls"
    tls.mkdir(parents=True, exist_ok=True)
    try:
        sandbox = start_sandbox(tls, org=org.value, now=moment, port=port)
    except OSError as exc:
        fail(f"sandbox: cannot listen on ports {port}-{port + 3} ({exc.strerror}); pass "
             "--port 0 or another --port", EXIT_CONFIG)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    config = folder / "baton.yaml"
    write_config(config, sandbox, rules_file=DEFAULT_RULES,
                 database=f"sqlite:///{folder / 'baton.db'}")
    for tool in TOOLS:
        typer.echo(f"{tool:<11} {sandbox.url(tool)}")
    typer.echo(f"CA file     {sandbox.ca_path}")
    typer.echo(f"config      {config}")
    typer.echo("sandbox ready; Ctrl-C stops it", err=True)
    stop.wait()
    sandbox.stop()
