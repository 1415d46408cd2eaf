"""Rendering `baton status`: a rich table on a terminal, plain lines for cron mail; stream
names and errors come from the tools, so both go through baton.terminal."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import typer

from baton.terminal import clean, print_table
from sync.status import StreamStatus

COLUMNS = ("source", "stream", "last run", "result", "cursor age", "fetched", "upserted",
           "deleted", "quarantined", "api calls", "next action")


def age(then: datetime | None, now: datetime) -> str:
    """Human age such as `5m`, `3h`, `2d`; `-` when there is nothing."""
    if then is None:
        return "-"
    seconds = max(0, int((now - then).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def cells(row: StreamStatus, now: datetime) -> list[str]:
    run = row.run
    counts = ([str(run.fetched), str(run.upserted), str(run.deleted)] if run else ["-"] * 3)
    return [
        row.source,
        row.stream or "(all)",
        f"{age(run.started_at, now)} ago" if run else "never",
        run.status.value if run else "-",
        age(row.cursor_updated_at, now),
        *counts,
        str(row.quarantined),
        str(run.api_calls) if run else "-",
        row.next_action + (f" ({run.error})" if run and run.error else ""),
    ]


def render_status(rows: Sequence[StreamStatus], now: datetime | None, *, tty: bool) -> None:
    now = now or datetime.now(UTC)
    if not rows:
        typer.echo("no sources configured: add some under `sources:` in baton.yaml")
        return
    if all(row.run is None for row in rows):
        typer.echo("nothing has synced yet")
    if tty:
        print_table(COLUMNS, (cells(row, now) for row in rows))
        return
    for row in rows:
        typer.echo(" ".join(f"{name.replace(' ', '_')}={clean(value)}"
                            for name, value in zip(COLUMNS, cells(row, now), strict=True)))
