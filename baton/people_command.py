"""`baton people` and `baton links`: identity resolution and cross-tool links, as tables
(or JSON for scripts). Names, usernames and ids come from the tools: lines go through
baton.terminal.clean."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from sqlmodel import Session

from baton import database
from baton.cli_common import ConfigOption, DebugOption, load, user_errors
from baton.rules_commands import OutputFormat
from baton.terminal import clean
from sync import directory

FormatOption = Annotated[OutputFormat, typer.Option("--format", "-f", help="table or json")]


def people_command(config: ConfigOption = None, format: FormatOption = OutputFormat.table,
                   debug: DebugOption = False) -> None:
    """People with their identities in each tool, then identities no person matches."""
    with user_errors(debug):
        engine = database.make_engine(load(config).database)
        database.upgrade(engine)
        with Session(engine) as session:
            matched, unmatched = directory.people(session)
    if format is OutputFormat.json:
        typer.echo(json.dumps({
            "people": [{"email": r.person.email, "name": r.person.name,
                        "origin": r.person.origin.value, "active": r.person.active,
                        "identities": [_identity(i) for i in r.identities]} for r in matched],
            "unmatched": [{**_identity(u.identity), "suggestion":
                           u.suggestion.email if u.suggestion else None} for u in unmatched],
        }, indent=2))
        return
    for row in matched:
        where = ", ".join(f"{i.source}:{i.username or i.email or i.external_id} ({i.method})"
                          for i in row.identities) or "no identities"
        state = "" if row.person.active else " [inactive]"
        typer.echo(clean(f"{row.person.email} {row.person.name}{state} — {where}"))
    if unmatched:
        typer.echo(f"\n{len(unmatched)} unmatched identit{'y' if len(unmatched) == 1 else 'ies'}"
                   " (add an alias under people: in baton.yaml):")
    for row in unmatched:
        i = row.identity
        hint = f"; maybe {row.suggestion.email}" if row.suggestion else ""
        typer.echo("  " + clean(f"{i.source}:{i.external_id} username={i.username or '-'} "
                                f"name={i.display_name or '-'} email={i.email or '-'}{hint}"))


def links_command(config: ConfigOption = None, format: FormatOption = OutputFormat.table,
                  debug: DebugOption = False) -> None:
    """Records linked across tools (found from pasted URLs, or added by an admin)."""
    with user_errors(debug):
        engine = database.make_engine(load(config).database)
        database.upgrade(engine)
        with Session(engine) as session:
            found = directory.links(session)
    rows = [{"a": f"{x.a_kind}:{x.a_source}:{x.a_external_id}",
             "b": f"{x.b_kind}:{x.b_source}:{x.b_external_id}", "method": x.method.value,
             "confidence": x.confidence, "status": x.status.value, "evidence": x.evidence}
            for x in found]
    if format is OutputFormat.json:
        typer.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        typer.echo("no links found yet")
    for row in rows:
        typer.echo(clean(f"{row['a']} <-> {row['b']} {row['method']} "
                         f"{row['confidence']:.2f} {row['status']}"))


def _identity(identity: object) -> dict[str, object]:
    return {name: getattr(identity, name) for name in (
        "source", "external_id", "email", "username", "display_name", "active")} | {
        "method": getattr(identity, "method", None) and identity.method.value}  # type: ignore[attr-defined]
