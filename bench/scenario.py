"""One benchmark size: a generated organisation, seeded into the four replicas and served.

The replicas run in the benchmark's own process (threads) while every measured
phase runs in a child process, so the API side and baton's side each get a
core, as they would with a real SaaS on the other end of the wire.

Time is pinned and shared, as in tests/sync/sync_helpers.py `at()`: the data
is seeded a day before `NOW` (so Salesforce's lookback and Asana's
`modified_since` do not sweep every record back into the incremental run just
because it was created at the instant of the full sync), full syncs run at
`NOW`, and the 1% of changes happen at `CHANGED_AT`, when the incremental
sync runs too.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ruamel.yaml import YAML

from sandbox.generate import Size, generate
from sandbox.knobs import Knobs
from sandbox.run import RunningSandbox, sandbox_config, serve
from sandbox.seed import ASANA_TOKEN, new_replicas, pin_clocks, seed

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
SEEDED_AT = NOW - timedelta(days=1)
CHANGED_AT = NOW + timedelta(hours=1)
RULES_FILE = Path(__file__).resolve().parents[1] / "config" / "rules.yaml"
SKIPPED_SOURCES = ("trello-archive",)
"""The sample org's revoked-token source: it has no boards in a generated org and would
only measure a failure."""
GENERATOR_SEED = 1


@dataclass(frozen=True)
class Base:
    """The 1x size. People and projects follow the generator's own defaults
    (100 tasks per person, 50 per project), so partitions grow with the org."""

    tasks: int
    events: int
    crm: int

    def size(self, factor: int) -> Size:
        return Size(people=max(5, self.tasks // 100), projects=max(2, self.tasks // 50),
                    tasks=self.tasks, events=self.events, clients=self.crm,
                    deals=self.crm).scaled(factor)


@dataclass
class Scenario:
    factor: int
    size: Size
    sandbox: RunningSandbox
    folder: Path

    def write_config(self, name: str, database_url: str) -> Path:
        """A baton.yaml for the running replicas and `database_url`."""
        text = sandbox_config(self.sandbox, rules_file=RULES_FILE, database=database_url)
        yaml = YAML()
        data = yaml.load(text)
        data["sources"] = [s for s in data["sources"] if s["name"] not in SKIPPED_SOURCES]
        out = io.StringIO()
        yaml.dump(data, out)
        path = self.folder / f"baton-{name}.yaml"
        path.write_text(out.getvalue())
        return path

    def reset_counters(self) -> None:
        for knobs in self._knobs():
            knobs.counters.clear()

    def total_requests(self) -> int:
        return sum(knobs.total_requests() for knobs in self._knobs())

    def _knobs(self) -> list[Knobs]:
        replicas = self.sandbox.replicas
        return [replicas.asana.knobs, replicas.trello.knobs, replicas.google.knobs,
                replicas.salesforce.knobs]

    def stop(self) -> None:
        self.sandbox.stop()


def start(base: Base, factor: int, folder: Path) -> Scenario:
    """Generate, seed (clocks at SEEDED_AT) and serve; clocks are left at NOW."""
    size = base.size(factor)
    org = generate(size, now=NOW, seed=GENERATOR_SEED)
    replicas = new_replicas()
    pin_clocks(replicas, SEEDED_AT)
    seeded = seed(org, replicas)
    # The sample org's token belongs to Lea; a generated org has no Lea, so the
    # first member owns it (any workspace member can read the whole workspace).
    replicas.asana.add_token(ASANA_TOKEN, seeded.ids[f"person:{org.members[0].key}"]["asana"])
    pin_clocks(replicas, NOW)
    folder.mkdir(parents=True, exist_ok=True)
    sandbox = serve(org, replicas, seeded, folder)
    return Scenario(factor, size, sandbox, folder)
