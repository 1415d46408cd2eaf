"""Change 1% of every kind of record through the replicas' own state APIs, and count
the least paging any client would need to carry those changes.

"Minimum pages" is per partition that holds a change (an Asana project, a Trello
board, a calendar, the contact list, a Salesforce object): ceil(changes / page
size) with the page sizes the connectors use (Asana 100, Trello actions 1000,
Calendar 2500, People 1000, Salesforce 2000). A poller must still ask every
partition once to learn it did NOT change, so the number of partitions polled is
reported alongside: calls between the two bounds are the polling tax, calls
above the partition count are baton's own overhead.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass

from bench.scenario import CHANGED_AT, Scenario
from sandbox.seed import pin_clocks

SHARE = 0.01
PAGE_SIZES = {"asana": 100, "trello": 1000, "calendar": 2500, "people": 1000,
              "salesforce": 2000}
SALESFORCE_OBJECTS = 6
"""Salesforce streams each poll one SOQL query: users, accounts, contacts,
opportunities, events, tasks."""


@dataclass(frozen=True)
class ChangeSet:
    records: int
    """Records that changed, counted as sync counts them (an event once per calendar)."""
    min_pages: int
    partitions: int
    """Partitions an incremental run must poll at least once."""


def _sample(rng: random.Random, keys: list[str]) -> list[str]:
    return rng.sample(keys, max(1, round(len(keys) * SHARE))) if keys else []


def _min_pages(per_partition: Counter[tuple[str, str]]) -> int:
    return sum(math.ceil(n / PAGE_SIZES[kind]) for (kind, _), n in per_partition.items())


def change_one_percent(scenario: Scenario, seed: int = 7) -> ChangeSet:
    """Mutate at CHANGED_AT (replica clocks pinned there, as baton's `now` will be)."""
    sandbox, rng = scenario.sandbox, random.Random(seed)
    replicas, ids, org = sandbox.replicas, sandbox.seeded.ids, sandbox.org
    pin_clocks(replicas, CHANGED_AT)
    touched: Counter[tuple[str, str]] = Counter()
    project_of = {i.key: i.project for i in org.items}
    for tool in ("asana", "trello"):
        items = [k for k in ids if k.startswith("item:") and tool in ids[k]]
        for key in _sample(rng, items):
            project = project_of[key.removeprefix("item:")]
            if tool == "asana":
                replicas.asana.update_task(ids[key]["asana"], name=f"{key} (changed)")
                touched[("asana", project)] += 1
            else:
                replicas.trello.update_card(ids[key]["trello"], name=f"{key} (changed)")
                touched[("trello", project)] += 1
    calendars = sandbox.seeded.calendars
    for key in _sample(rng, [k for k in ids if k.startswith("meeting:")]):
        record = replicas.google.calendar.update_event(ids[key]["google"],
                                                       summary=f"{key} (changed)")
        for calendar in (c for c in calendars if record.on_calendar(c)):
            touched[("calendar", calendar)] += 1
    contacts = list(replicas.google.people.contacts)
    for name in _sample(rng, contacts):
        replicas.google.people.update_contact(name, family_name="Changed")
        touched[("people", "contacts")] += 1
    for prefix, field in (("client:", "Name"), ("contact:", "LastName"), ("deal:", "Name")):
        for key in _sample(rng, [k for k in ids if k.startswith(prefix)]):
            replicas.salesforce.update(ids[key]["salesforce"], **{field: f"{key} changed"})
            touched[("salesforce", prefix)] += 1
    partitions = (len(org.projects) + len(calendars) + 1 + SALESFORCE_OBJECTS)
    return ChangeSet(sum(touched.values()), _min_pages(touched), partitions)
