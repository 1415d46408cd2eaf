"""`baton sync`: what cron runs. Exit 0 all ok, 1 a source failed (others committed),
2 bad config, 75 another run holds a source's lock.

On a terminal a progress bar per stream; otherwise one plain line per stream,
so cron mail stays short (`--quiet`: only failures). Failures read
`baton: <source>: <what happened>; <what to do>`.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from sqlalchemy.engine import Engine

from baton.config import BatonConfig
from baton.connect import plans_for, scrubber_for
from rules.config import load_rules
from rules.configfile import ConfigError
from rules.horizon import NOTHING, Horizon, event_horizon
from sync.identity import PersonSpec
from sync.pipeline import Outcome, run
from sync.runner import Progress as ProgressCallback
from sync.runner import RunContext, SourceResult

EXIT_OK, EXIT_FAILED, EXIT_LOCKED = 0, 1, 75


def people_of(config: BatonConfig) -> list[PersonSpec]:
    return [PersonSpec(p.email, p.name, p.weekly_capacity_hours, tuple(p.working_days),
                       p.timezone or config.timezone, p.active, dict(p.aliases))
            for p in config.people]


def sync_all(config: BatonConfig, engine: Engine, *, sources: list[str], full: bool,
             now: datetime, quiet: bool) -> tuple[Outcome, int]:
    ctx = RunContext(engine=engine, now=now, full=full, scrub=scrubber_for(config))
    plans = plans_for(config, sources, now, rules_horizon(config))
    with _progress(enabled=sys.stderr.isatty() and not quiet) as progress:
        ctx.progress = progress
        outcome = run(ctx, plans, people_of(config))
    report(outcome, quiet=quiet)
    return outcome, exit_code(outcome)


def rules_horizon(config: BatonConfig) -> Horizon:
    """What the rules file looks at; a file that does not validate widens nothing (the
    evaluation after the sync reports it)."""
    try:
        rules = load_rules(config.rules_file, known_sources=[s.name for s in config.sources],
                           known_people=[p.email for p in config.people])
    except ConfigError:
        return NOTHING
    return event_horizon(rules)


def exit_code(outcome: Outcome) -> int:
    if outcome.failed:
        return EXIT_FAILED
    return EXIT_LOCKED if outcome.locked else EXIT_OK


@contextmanager
def _progress(enabled: bool) -> Iterator[ProgressCallback | None]:
    if not enabled:
        yield None
        return
    bars = Progress(SpinnerColumn(), TextColumn("{task.description}"),
                    TextColumn("{task.completed} records"), TimeElapsedColumn(),
                    console=Console(stderr=True), transient=True)
    tasks: dict[tuple[str, str], int] = {}

    def update(source: str, stream: str, records: int) -> None:
        key = (source, stream)
        if key not in tasks:
            tasks[key] = bars.add_task(f"{source} {stream}", total=None)
        bars.update(tasks[key], completed=records)

    with bars:
        yield update


def report(outcome: Outcome, *, quiet: bool) -> None:
    for result in outcome.results:
        if not quiet:
            for stream in result.streams:
                typer.echo(f"{result.source} {stream.stream} {stream.status.value} "
                           f"fetched={stream.fetched} upserted={stream.upserted} "
                           f"deleted={stream.deleted} quarantined={stream.quarantined} "
                           f"api_calls={stream.api_calls}")
        if result.error:
            error = result.error.removeprefix(f"{result.source}: ")
            typer.echo(f"baton: {result.source}: {error}; {_what_to_do(result)}", err=True)
    for source, holder in outcome.locked:
        typer.echo(f"baton: {source}: locked by {holder}; another sync is running, this one "
                   "skipped it", err=True)


def _what_to_do(result: SourceResult) -> str:
    return (f"the other sources were committed; `baton status` shows details, rerun with "
            f"`baton sync --source {result.source}` once fixed")
