"""`baton evaluate`, `baton alerts`, `baton rules check` and `baton rules preview`.

Thin commands over rules/: load baton.yaml, hand what rules need to know
(people, holidays, timezone, source max ages) over as a `RulesContext`,
call the library, print. Results go to stdout, diagnostics to stderr, and a
bad config exits 2 through the same `user_errors` as every other command.
"""

from __future__ import annotations

import getpass
import json
import sys
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from baton import cli_common as cli
from baton import database
from baton.config import BatonConfig
from baton.settings import EnvSettings
from model import Alert, AlertStatus
from rules import evaluate, lifecycle
from rules.config import RulesConfig, activate, live_version, load_rules, parse_rules
from rules.view import PersonSettings, RulesContext


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


NowOption = Annotated[str | None, typer.Option(
    "--now", help="Evaluate as of this instant (ISO 8601, e.g. 2026-03-10T09:00:00Z); "
                  "default: $BATON_NOW, else the clock.")]
RulesFileArgument = Annotated[Path | None, typer.Argument(
    help="Rules file to use (default: rules_file from baton.yaml).", dir_okay=False)]
COLUMNS = ("id", "severity", "status", "rule", "title", "first_seen", "last_seen")


def context_for(config: BatonConfig) -> RulesContext:
    """What rules need from baton.yaml, as plain data (rules/ never imports baton/)."""
    return RulesContext(
        default_timezone=config.timezone, holidays=frozenset(config.holidays),
        source_max_age_minutes={s.name: s.max_age_minutes for s in config.sources},
        people={p.email: PersonSettings(name=p.name,
                                        weekly_capacity_hours=p.weekly_capacity_hours,
                                        working_days=tuple(p.working_days),
                                        timezone=p.timezone, active=p.active)
                for p in config.people})


def resolve_now(now: str | None) -> datetime:
    if now is None:
        return EnvSettings().now or datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(now)
    except ValueError:
        raise typer.BadParameter(f'"{now}" is not ISO 8601, e.g. 2026-03-10T09:00:00Z',
                                 param_hint="--now") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _author() -> str:
    try:
        return f"{getpass.getuser()} (rules file)"
    except (KeyError, OSError):
        return "baton (rules file)"


def _rules_for(config: BatonConfig, path: Path) -> RulesConfig:
    return load_rules(path, known_sources=[s.name for s in config.sources],
                      known_people=[p.email for p in config.people])


def evaluate_command(config: cli.ConfigOption = None, now: NowOption = None,
                     debug: cli.DebugOption = False) -> None:
    """Evaluate the rules on what is stored and update alerts (open, keep, resolve).

    An invalid rules file is reported and the last good stored rules are used;
    the command then exits 2 so cron notices.
    """
    moment = resolve_now(now)
    with cli.user_errors(debug):
        loaded = cli.load(config)
        engine = database.make_engine(loaded.database)
        database.upgrade(engine)
        accepted = evaluate_stored(loaded, engine, moment)
    if not accepted:
        raise typer.Exit(cli.EXIT_CONFIG)


def evaluate_stored(loaded: BatonConfig, engine: Engine, moment: datetime, *,
                    quiet: bool = False) -> bool:
    """Activate the rules file (or keep the last good one) and evaluate; prints the summary.
    Returns False when the rules file was rejected (its problems are printed)."""
    with Session(engine) as session:
        active = activate(session, loaded.rules_file, _author(), moment,
                          known_sources=[s.name for s in loaded.sources],
                          known_people=[p.email for p in loaded.people])
        if active.rejected is not None:
            typer.echo(active.rejected.report(), err=True)
            typer.echo(f"baton: rules file rejected; evaluating with the last good rules "
                       f"(version {active.version.id} of "
                       f"{active.version.created_at:%Y-%m-%d %H:%M} UTC)", err=True)
        outcome = evaluate.run(session, active.config, context_for(loaded), moment)
    if not quiet:
        typer.echo(outcome.summary())
    return active.rejected is None


def alerts_command(config: cli.ConfigOption = None,
                   status: Annotated[AlertStatus | None, typer.Option(
                       "--status", help="Only alerts with this status.")] = None,
                   output: Annotated[OutputFormat, typer.Option(
                       "--format", help="table for people, json for scripts.")
                   ] = OutputFormat.table,
                   debug: cli.DebugOption = False) -> None:
    """List alerts (newest first); pending ones (still inside min_duration) and retired
    ones (their rule is gone) are left out unless asked for with --status."""
    with cli.user_errors(debug):
        loaded = cli.load(config)
        engine = database.make_engine(loaded.database)
        if database.current_revision(engine) is None:
            rows: list[dict[str, Any]] = []
        else:
            with Session(engine) as session:
                rows = _alert_rows(session, status)
    if output is OutputFormat.json:
        typer.echo(json.dumps(rows, indent=2))
    elif not rows:
        typer.echo("no alerts" + (f" with status {status.value}" if status else ""))
    elif sys.stdout.isatty():
        table = Table(*COLUMNS)
        for row in rows:
            table.add_row(*(str(row[c]) for c in COLUMNS))
        Console().print(table)
    else:
        for row in rows:
            typer.echo("\t".join(str(row[c]) for c in COLUMNS))


def _alert_rows(session: Session, status: AlertStatus | None) -> list[dict[str, Any]]:
    statement = select(Alert).order_by(col(Alert.last_seen).desc(), col(Alert.id).desc())
    statement = statement.where(Alert.status == status if status is not None else
                                col(Alert.status).not_in(lifecycle.UNLISTED))
    alerts = list(session.exec(statement).all())
    return [{
        "id": a.id, "rule": a.rule, "kind": a.kind, "severity": a.severity.value,
        "status": a.status.value, "title": a.title, "fingerprint": a.fingerprint,
        "subjects": [{k: s.get(k) for k in ("type", "source", "external_id", "email")}
                     for s in a.subjects],
        "first_seen": a.first_seen.isoformat(), "last_seen": a.last_seen.isoformat(),
    } for a in alerts]


def rules_check_command(file: RulesFileArgument = None, config: cli.ConfigOption = None,
                        debug: cli.DebugOption = False) -> None:
    """Validate a rules file; exit 2 listing every problem as file:line:col.

    With FILE and no baton.yaml around, the file is checked on its own (for
    CI); otherwise scope names are also checked against baton.yaml.
    """
    with cli.user_errors(debug):
        standalone = file is not None and config is None and not EnvSettings().config.exists()
        if standalone:
            assert file is not None
            checked, rules = file, load_rules(file)
        else:
            loaded = cli.load(config)
            checked = file or loaded.rules_file
            rules = _rules_for(loaded, checked)
        typer.echo(f"rules ok: {checked}: {len(rules.rules)} rule(s), "
                   f"{len(rules.silences)} silence(s)")


def rules_preview_command(file: RulesFileArgument = None, config: cli.ConfigOption = None,
                          now: NowOption = None, debug: cli.DebugOption = False) -> None:
    """Show which alerts a rules file would open, keep and resolve against stored data.

    Nothing is written. Steps that the live rules would take anyway (new data
    since the last evaluation) are marked, so the effect of the change stands out.
    """
    moment = resolve_now(now)
    with cli.user_errors(debug):
        loaded = cli.load(config)
        candidate = _rules_for(loaded, file or loaded.rules_file)
        engine = database.make_engine(loaded.database)
        if database.current_revision(engine) is None:
            typer.echo("nothing stored yet: run `baton sync` first")
            return
        context = context_for(loaded)
        with Session(engine) as session:
            outcome = evaluate.preview(session, candidate, context, moment)
            live = live_version(session)
            baseline = (evaluate.preview(session, parse_rules(live.text, "live"), context,
                                         moment) if live is not None else None)
            label = f"version {live.id}" if live is not None else "none stored"
            typer.echo(f"preview of {file or loaded.rules_file} at {moment.isoformat()} "
                       f"(live rules: {label})")
            for line in preview_lines(outcome, baseline):
                typer.echo(line)


def preview_lines(outcome: evaluate.Outcome, baseline: evaluate.Outcome | None) -> list[str]:
    """The preview report: would open / resolve / retire / restore / keep / held, one alert
    per line."""
    live = {(s.action, s.fingerprint) for s in baseline.steps} if baseline else set()
    lines: list[str] = []
    for heading, actions in evaluate.PREVIEW_SECTIONS:
        steps = outcome.of(*actions)
        lines.append(f"{heading}: {len(steps)}")
        for step in steps:
            lines.append("  " + _step_line(step, (step.action, step.fingerprint) in live))
    return lines


def _step_line(step: lifecycle.Step, also_live: bool) -> str:
    if step.firing is not None:
        rule, severity = step.firing.rule, step.firing.severity.value
        title = step.firing.finding.title
    else:
        assert step.alert is not None
        rule, severity, title = step.alert.rule, step.alert.severity.value, step.alert.title
    where = f"#{step.alert.id} {step.alert.status.value}" if step.alert is not None else "new"
    extra = f" ({step.note})" if step.note else ""
    mark = " [also with live rules]" if also_live and step.action != "keep" else ""
    return f"[{severity}] {rule}: {title} <{where}, {step.action}>{extra}{mark}"
