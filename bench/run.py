"""One size, every backend: the order of the measurements and what is kept of them.

Per size, the same seeded replicas serve every backend: fetch-only first,
then per backend a first (full) sync into an empty database, the store-only
ceiling into another empty one, and rule evaluation; then 1% of the records
change once, and each backend runs its incremental sync against the same
changes. API calls are read from the replicas' own counters, reset before
each sync.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.backends import Databases
from bench.changes import ChangeSet, change_one_percent
from bench.measure import PhaseResult, run_phase
from bench.scenario import CHANGED_AT, NOW, Base, Scenario, start


@dataclass
class BackendResult:
    config: Path
    sync: PhaseResult
    sync_calls: int
    store: dict[str, Any]
    evaluate: PhaseResult
    incremental: PhaseResult | None = None
    incremental_calls: int = 0


@dataclass
class SizeResult:
    factor: int
    fetch: dict[str, Any]
    backends: dict[str, BackendResult] = field(default_factory=dict)
    changes: ChangeSet | None = None

    @property
    def records(self) -> int:
        """Records of one full sync (every backend syncs the same data)."""
        first = next(iter(self.backends.values()))
        return sum(s["records"] for s in first.sync.data["sources"].values())


def _sync(scenario: Scenario, config: Path, now: str) -> tuple[PhaseResult, int]:
    scenario.reset_counters()
    result = run_phase("sync", {"config": str(config), "now": now})
    return result, scenario.total_requests()


def _full(scenario: Scenario, databases: Databases, backend: str) -> BackendResult:
    name = f"bench_x{scenario.factor}"
    config = scenario.write_config(backend, databases.fresh(backend, name))
    sync, calls = _sync(scenario, config, NOW.isoformat())
    store = run_phase("store", {"config": str(config),
                                "target": databases.fresh(backend, f"{name}_store")})
    evaluate = run_phase("evaluate", {"config": str(config), "now": NOW.isoformat()})
    return BackendResult(config, sync, calls, store.data["sources"], evaluate)


def measure_size(base: Base, factor: int, backends: list[str], databases: Databases,
                 folder: Path, log: Callable[[str], None]) -> SizeResult:
    scenario = start(base, factor, folder / f"x{factor}")
    try:
        log(f"{factor}x: {scenario.size}")
        any_config = scenario.write_config("fetch", "sqlite:///unused.db")
        result = SizeResult(factor, run_phase(
            "fetch", {"config": str(any_config), "now": NOW.isoformat()}).data["sources"])
        for backend in backends:
            result.backends[backend] = _full(scenario, databases, backend)
            log(f"{factor}x {backend}: full sync, store-only and evaluation done")
        result.changes = change_one_percent(scenario)
        for backend in backends:
            entry = result.backends[backend]
            entry.incremental, entry.incremental_calls = _sync(
                scenario, entry.config, CHANGED_AT.isoformat())
        log(f"{factor}x: incremental syncs done")
        return result
    finally:
        scenario.stop()
