"""The benchmark generator: deterministic, sized as asked, seedable into the replicas."""

from __future__ import annotations

from datetime import UTC, datetime

from sandbox.generate import Size, generate
from sandbox.seed import new_replicas, pin_clocks, seed

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SMALL = Size(people=20, projects=6, tasks=300, events=500, clients=10, deals=15)


def test_same_seed_same_organisation_other_seed_differs() -> None:
    first, again = generate(SMALL, now=NOW, seed=3), generate(SMALL, now=NOW, seed=3)
    assert first.items == again.items and first.meetings == again.meetings
    assert generate(SMALL, now=NOW, seed=4).items != first.items


def test_sizes_are_honoured() -> None:
    org = generate(SMALL, now=NOW)
    assert (len(org.members), len(org.projects), len(org.items), len(org.meetings),
            len(org.clients), len(org.deals)) == (20, 6, 300, 500, 10, 15)
    assert Size().scaled(10).tasks == 100_000 and Size().scaled(10).events == 200_000


def test_generated_organisation_seeds_into_every_replica() -> None:
    org = generate(SMALL, now=NOW)
    replicas = new_replicas()
    pin_clocks(replicas, NOW)
    seeded = seed(org, replicas)
    asana_tasks = sum(1 for key, ids in seeded.ids.items()
                      if key.startswith("item:") and "asana" in ids)
    trello_cards = sum(1 for key, ids in seeded.ids.items()
                       if key.startswith("item:") and "trello" in ids)
    assert asana_tasks + trello_cards == 300
    assert len(replicas.asana.tasks) == asana_tasks and len(replicas.trello.cards) == trello_cards
    assert sum(1 for k in seeded.ids if k.startswith("meeting:")) == 500
    assert sum(1 for k in seeded.ids if k.startswith("deal:")) == 15
