"""`baton sync` minus the CLI: every source under its lock, isolated, then who-is-who.

One source failing — bad credentials, an outage, even a bug in its connector —
never stops the others: each runs on its own, and its failure is recorded
(`SyncRun`, `SourceState`) for `baton status` and the `stale_source` rule.
Identity resolution and link detection run after every sync, over all data,
because a new Trello member or a pasted URL can change earlier records too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from connectors.batch import Connector
from model import RunStatus
from sync import identity, links
from sync.locks import Locked, source_lock
from sync.runner import RunContext, SourceResult, record_failure, sync_source

log = logging.getLogger("baton.sync")


@dataclass(frozen=True)
class SourcePlan:
    """A configured source: its name, tool type and how to build its connector."""

    name: str
    type: str
    build: Callable[[], Connector]


@dataclass
class Outcome:
    results: list[SourceResult]
    locked: list[tuple[str, str]]
    links_found: int = 0

    @property
    def failed(self) -> list[SourceResult]:
        return [r for r in self.results if r.status in (RunStatus.failed, RunStatus.partial)]


def run(ctx: RunContext, plans: Sequence[SourcePlan],
        people: Sequence[identity.PersonSpec]) -> Outcome:
    outcome = Outcome([], [])
    for plan in plans:
        try:
            with source_lock(ctx.engine, plan.name, ctx.now):
                outcome.results.append(_isolated(ctx, plan))
        except Locked as held:
            outcome.locked.append((plan.name, str(held)))
    with ctx.engine.begin() as connection:
        identity.resolve(connection, people, ctx.now)
        outcome.links_found = links.detect(connection, ctx.now)
    return outcome


def _isolated(ctx: RunContext, plan: SourcePlan) -> SourceResult:
    """Run one source; a failure to even build its connector (a missing key file, a
    refused login) is that source's failure, recorded like any other."""
    try:
        connector = plan.build()
    except Exception as exc:  # the isolation boundary between sources
        log.debug("source %s could not start", plan.name, exc_info=True)
        message = ctx.scrub(f"cannot start ({type(exc).__name__}): {exc}")
        return record_failure(ctx, plan.name, plan.type, message)
    return sync_source(ctx, connector, plan.type)
