"""A deterministic, scalable organisation for benchmarks (`make bench`).

Same shapes as the sample organisation, so the same seeding code serves both,
at sizes like 100k tasks and 200k events. Everything derives from one
`random.Random(seed)`: the same arguments give the same organisation, byte
for byte, on every machine. Generation is plain loops over small tuples
(no per-record validation) so 300k records take seconds.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sandbox.org import (
    Activity,
    Attendee,
    Client,
    Deal,
    Meeting,
    Member,
    Organisation,
    Project,
    WorkItem,
)

ZONES = ("Europe/Berlin", "Europe/London", "Europe/Madrid", "America/New_York", "Asia/Tokyo")
STAGES = ("Prospecting", "Proposal/Price Quote", "Negotiation/Review", "Closed Won",
          "Closed Lost")
SECTIONS = ("To do", "Doing", "Done")


@dataclass(frozen=True)
class Size:
    people: int = 100
    projects: int = 200
    tasks: int = 10_000
    events: int = 20_000
    clients: int = 200
    deals: int = 400

    def scaled(self, factor: float) -> Size:
        return Size(*(max(1, int(v * factor)) for v in (
            self.people, self.projects, self.tasks, self.events, self.clients, self.deals)))


def generate(size: Size, *, now: datetime, seed: int = 1) -> Organisation:
    rng = random.Random(seed)
    org = Organisation(now=now)
    org.members = [_member(i, rng) for i in range(size.people)]
    org.projects = [Project(f"p{i}", "asana" if i % 2 == 0 else "trello", f"Project {i}",
                            SECTIONS) for i in range(size.projects)]
    today = now.date()
    org.items = [_item(i, org, rng, today) for i in range(size.tasks)]
    zones = {m.key: ZoneInfo(m.timezone) for m in org.members}
    calendars = [m for m in org.members if m.active]  # deactivated people have none
    org.meetings = [_meeting(i, calendars, rng, today, zones) for i in range(size.events)]
    org.clients = [Client(f"c{i}", f"Client {i}", ((f"k{i}", f"Contact {i}",
                                                    f"contact{i}@client{i}.example"),),
                          owner=_salesperson(org, rng).key) for i in range(size.clients)]
    org.deals = [Deal(f"d{i}", f"c{rng.randrange(size.clients)}", f"Deal {i}",
                      rng.choice(STAGES), today + timedelta(days=rng.randint(-60, 90)),
                      _salesperson(org, rng).key) for i in range(size.deals)]
    org.activities = [Activity(f"a{i}", _salesperson(org, rng).key, f"Follow up {i}",
                               today + timedelta(days=rng.randint(-20, 20)), contact=f"k{i}")
                      for i in range(0, size.clients, 2)]
    return org


def _member(i: int, rng: random.Random) -> Member:
    email = f"person{i}@bench.example"
    return Member(f"m{i}", f"Person {i}", email, "producer", rng.choice(ZONES),
                  asana_email=email, trello_username=f"person{i}",
                  salesforce=i % 5 == 0, active=i % 50 != 49)


def _salesperson(org: Organisation, rng: random.Random) -> Member:
    return org.members[rng.randrange(0, len(org.members), 5)]


def _item(i: int, org: Organisation, rng: random.Random, today: date) -> WorkItem:
    project = org.projects[rng.randrange(len(org.projects))]
    due = today + timedelta(days=rng.randint(-30, 90))
    done = rng.random() < 0.3
    assignee = () if rng.random() < 0.1 else (org.members[rng.randrange(len(org.members))].key,)
    completed = (datetime.combine(due - timedelta(days=1), time(12), tzinfo=UTC)
                 if done else None)
    return WorkItem(f"t{i}", project.key, f"Task {i}", "Done" if done else "To do",
                    assignee, due_on=due, start_on=due - timedelta(days=rng.randint(0, 5)),
                    completed_at=completed,
                    estimate_hours=float(rng.choice((1, 2, 4, 8))) if rng.random() < 0.6
                    else None)


def _meeting(i: int, calendars: list[Member], rng: random.Random, today: date,
             zones: dict[str, ZoneInfo]) -> Meeting:
    owner = calendars[rng.randrange(len(calendars))]
    day = today + timedelta(days=rng.randint(-30, 180))
    kind = rng.random()
    if kind < 0.05:
        return Meeting(f"e{i}", owner.key, "Out of office", start_date=day,
                       end_date=day + timedelta(days=rng.randint(1, 5)))
    start = datetime.combine(day, time(rng.randint(8, 17), rng.choice((0, 30))),
                             tzinfo=zones[owner.key])
    guest = calendars[rng.randrange(len(calendars))]
    attendees = (Attendee(owner.email, organizer=True),
                 Attendee(guest.email, rng.choice(("accepted", "declined", "needsAction"))))
    return Meeting(f"e{i}", owner.key, f"Meeting {i}", start,
                   start + timedelta(minutes=rng.choice((30, 60, 90))),
                   transparent=kind > 0.95, attendees=attendees)
