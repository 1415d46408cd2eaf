"""A configured source has not synced successfully for longer than it may.

**Fires when** a source in baton.yaml has no successful sync within its
`max_age_minutes` (or this rule's override): "asana-main last synced
successfully 3 h ago (limit 60 min)", or never at all.

**Does not fire when** the last successful sync is recent enough, even if
later attempts failed within the limit; or the source is not configured
(removed sources are not watched).

**Why it matters:** every other rule reads synced data. While a source is
stale its alerts are frozen (neither opened nor resolved) so an outage
never looks like a wave of fixed problems; this one alert per source says
so, instead of a burst of per-rule noise.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from rules.findings import Evidence, Finding, Subject
from rules.view import ModelView


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    max_age_minutes: int | None = Field(None, ge=1, description=(
        "override every source's max_age_minutes from baton.yaml (empty: use each source's)"))


def evaluate(view: ModelView, params: Params, now: datetime) -> Iterator[Finding]:
    limits = dict(view.context.source_max_age_minutes)
    if params.max_age_minutes is not None:
        limits = {name: params.max_age_minutes for name in limits}
    for name, last in sorted(view.stale_sources(now, limits).items()):
        limit = limits[name]
        if last is None:
            seen = "has never synced successfully"
        else:
            minutes = int((now - last).total_seconds() // 60)
            seen = f"last synced successfully {minutes} minutes ago ({last.isoformat()})"
        yield Finding(
            subjects=(Subject(type="source", source=name),),
            title=f"Source {name} is stale",
            summary=f"{name} {seen}; the limit is {limit} minutes. Alerts that depend on it "
                    "are frozen until it syncs again. Check `baton status`.",
            evidence=(Evidence(f"{name} {seen}"),))
