"""The sample organisation: an events agency whose tools hide one of every problem.

Fernweh Events has account managers, producers, designers and a finance
coordinator; clients and deals in Salesforce, delivery in Asana and Trello,
everyone's calendar in Google. The organisation is plain data, tool-neutral and
dated relative to `now`, so `seed.py` can put it into the four replicas on any
day and the demo always shows a fresh week. `answer_key.yaml` lists the problems
planted on purpose, in the organisation's own names; every other record is
either ordinary work or a near miss that must NOT alert. The dataclasses here
also carry the second organisation (`consultancy.py`) and the generated one.

Week-bound plants (overload, time off, double bookings) sit in the next ISO
week, so they never straddle a weekend whatever weekday `now` is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MON_TO_FRI = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class Member:
    """A person of the agency and how each tool knows them."""

    key: str
    name: str
    email: str
    role: str
    timezone: str
    weekly_capacity_hours: float = 40.0
    working_days: tuple[int, ...] = MON_TO_FRI
    asana_email: str | None = None   # None: not an Asana user
    trello_username: str | None = None  # Trello members have no email
    salesforce: bool = False
    active: bool = True               # False: deactivated in Salesforce, removed from Asana
    active_in_config: bool = True     # False: left; baton.yaml says so, the tools still do not
    tool_names: tuple[tuple[str, str], ...] = ()  # (tool, name) where a tool knows them
    # under another name: "Kathy" in Salesforce, "Katie O." on Trello

    def name_in(self, tool: str) -> str:
        return dict(self.tool_names).get(tool, self.name)

    @property
    def has_calendar(self) -> bool:
        """People who left (in a tool or in the config) have no Google account any more."""
        return self.active and self.active_in_config


@dataclass(frozen=True)
class Project:
    key: str
    tool: str                         # "asana" project, "trello" board, "google" task list
    name: str
    sections: tuple[str, ...] = ("To do", "Doing", "Done")
    account: str = "main"             # any other: an account whose token was revoked
    archived: bool = False            # Asana archived project, closed Trello board
    closed_sections: tuple[str, ...] = ()  # archived Trello lists (their cards are archived)
    effort: str = ""                  # how estimates are written (seed.py): "" the tool's
    # usual form (Asana field "Estimated hours", Trello label "8h"); Asana "days" (field
    # "Effort (days)") or "minutes" (Asana's own "Estimated time"); Trello "field" ("Est. hours")
    deleted: bool = False             # a Google Tasks list deleted after its tasks were set


@dataclass(frozen=True)
class WorkItem:
    """An Asana task or a Trello card."""

    key: str
    project: str
    title: str
    section: str = "To do"
    assignees: tuple[str, ...] = ()
    due_on: date | None = None
    due_at: datetime | None = None
    start_on: date | None = None
    completed_at: datetime | None = None
    estimate_hours: float | None = None
    notes: str = ""
    links_to: str | None = None       # key of the same work in the other tool (URL in notes)
    blocked_by: tuple[str, ...] = ()
    deal_links: tuple[str, ...] = ()  # deals whose Salesforce URL the card or task carries
    also_in: tuple[str, ...] = ()     # further Asana projects the task is multi-homed in
    link_form: str = "short"          # how the `links_to` URL is written (seed.LINK_FORMS)
    link_in_html: bool = False        # the link sits only in Asana's rich text, under a label
    deal_link_form: str = "lightning"  # how deal URLs are written (seed.DEAL_LINK_FORMS)


@dataclass(frozen=True)
class Attendee:
    email: str
    response: str = "accepted"        # Google responseStatus
    organizer: bool = False


@dataclass(frozen=True)
class Occurrence:
    """One instance of a series changed on its own: moved to `start`..`end`, or cancelled."""

    original: datetime
    start: datetime | None = None
    end: datetime | None = None
    cancelled: bool = False


@dataclass(frozen=True)
class Meeting:
    """A calendar entry: on `owner`'s Google calendar, or a Salesforce Event they own."""

    key: str
    owner: str
    title: str
    start: datetime | None = None
    end: datetime | None = None
    start_date: date | None = None    # all-day: exclusive end, as Google
    end_date: date | None = None
    event_type: str = "default"       # default, outOfOffice, focusTime, workingLocation
    transparent: bool = False
    status: str = "confirmed"
    attendees: tuple[Attendee, ...] = ()
    tool: str = "google"              # or "salesforce"
    contact: str | None = None        # Salesforce WhoId (contact key)
    deal: str | None = None           # Salesforce WhatId (deal key)
    time_zone: str | None = None      # the event's own zone; default: the owner's
    recurrence: tuple[str, ...] = ()  # RRULE lines: a series whose first instance is `start`
    changes: tuple[Occurrence, ...] = ()  # instances of the series moved or cancelled


@dataclass(frozen=True)
class Client:
    key: str
    name: str
    contacts: tuple[tuple[str, str, str], ...]   # (key, name, email)
    owner: str = "ana"


@dataclass(frozen=True)
class Deal:
    key: str
    client: str
    name: str
    stage: str
    close_on: date
    owner: str
    amount: float = 50_000.0
    links_project: str | None = None  # the project whose URL its description carries


@dataclass(frozen=True)
class Activity:
    """A Salesforce Task (a follow-up on a contact)."""

    key: str
    owner: str
    subject: str
    due_on: date
    contact: str | None = None
    client: str | None = None
    done: bool = False


@dataclass(frozen=True)
class Expected:
    """A planted problem: the rule kind and the organisation keys it concerns."""

    kind: str
    subjects: tuple[str, ...]
    why: str


@dataclass
class Organisation:
    now: datetime
    name: str = "Fernweh Events"
    coordinator: str = "lea"          # owns the Asana token and the Trello token
    google_user: str = "lea@fernweh.example"  # whose Google grant, contacts and Tasks these are
    timezone: str = "Europe/Berlin"   # baton.yaml's default timezone
    sources: dict[str, str] = field(default_factory=lambda: {
        "asana:main": "asana-main", "trello:main": "trello-studio",
        "trello:archive": "trello-archive"})
    """`tool:account` -> source name in baton.yaml; accounts other than `main` have a
    revoked token, so `stale_source` has something real to find."""
    members: list[Member] = field(default_factory=list)
    projects: list[Project] = field(default_factory=list)
    items: list[WorkItem] = field(default_factory=list)
    meetings: list[Meeting] = field(default_factory=list)
    clients: list[Client] = field(default_factory=list)
    deals: list[Deal] = field(default_factory=list)
    activities: list[Activity] = field(default_factory=list)
    unmatched_trello_members: list[tuple[str, str]] = field(default_factory=list)

    def member(self, key: str) -> Member:
        return next(m for m in self.members if m.key == key)

    def project(self, key: str) -> Project:
        return next(p for p in self.projects if p.key == key)

    def item(self, key: str) -> WorkItem:
        return next(i for i in self.items if i.key == key)


def _people() -> list[Member]:
    m = Member
    return [
        m("ana", "Ana Ruiz", "ana@fernweh.example", "account manager", "Europe/Madrid", 32,
          (1, 2, 3, 4), asana_email="ana@fernweh.example", trello_username="anaruiz",
          salesforce=True),
        m("ben", "Ben Okafor", "ben@fernweh.example", "producer", "Europe/Berlin",
          asana_email="ben.okafor@gmail.example", trello_username="benokafor", salesforce=True),
        m("chloe", "Chloé Martin", "chloe@fernweh.example", "designer", "Europe/Paris",
          trello_username="chloemartin"),
        m("dev", "Dev Patel", "dev@fernweh.example", "producer", "Europe/London",
          asana_email="dev@fernweh.example", trello_username="devpatel"),
        m("eva", "Eva Schmidt", "eva@fernweh.example", "finance coordinator", "Europe/Berlin",
          asana_email="eva@fernweh.example", salesforce=True),
        m("felix", "Felix Wagner", "felix@fernweh.example", "account manager", "Europe/Berlin",
          asana_email="felix@fernweh.example", salesforce=True, active=False),
        m("greta", "Greta Lind", "greta@fernweh.example", "designer", "Europe/Stockholm",
          trello_username="gretalind"),
        m("hiro", "Hiro Tanaka", "hiro@fernweh.example", "producer", "Asia/Tokyo",
          asana_email="hiro@fernweh.example"),
        m("isla", "Isla Brown", "isla@fernweh.example", "designer", "America/New_York",
          asana_email="isla@fernweh.example", trello_username="islabrown"),
        m("jonas", "Jonas Berg", "jonas@fernweh.example", "account manager", "Europe/Berlin",
          asana_email="jonas@fernweh.example", salesforce=True),
        m("kim", "Kim Lee", "kim@fernweh.example", "producer", "Europe/Berlin",
          asana_email="kim@fernweh.example", trello_username="kimlee"),
        m("lea", "Lea Novak", "lea@fernweh.example", "coordinator", "Europe/Berlin",
          asana_email="lea@fernweh.example", salesforce=True),
    ]


def _clients() -> list[Client]:
    return [
        Client("nordwind", "Nordwind AG", (("mia", "Mia Hoffmann", "mia@nordwind.example"),)),
        Client("helios", "Helios GmbH", (("tom", "Tom Reiter", "tom@helios.example"),),
               owner="jonas"),
        Client("kestrel", "Kestrel Foods", (("sam", "Sam Ortiz", "sam@kestrel.example"),)),
        Client("atlas", "Atlas Events", (("lena", "Lena Fischer", "lena@atlas.example"),),
               owner="felix"),
        Client("orion", "Orion Motors", (("raj", "Raj Mehta", "raj@orion.example"),),
               owner="jonas"),
    ]


class OrgCalendar:
    """Dates and local times relative to `now`, in each member's own timezone."""

    def __init__(self, now: datetime, people: list[Member]) -> None:
        self.today = now.date()
        self.this_monday = self.today - timedelta(days=self.today.weekday())
        self.next_monday = self.this_monday + timedelta(days=7)
        self.last_monday = self.this_monday - timedelta(days=7)
        self.zones = {p.key: ZoneInfo(p.timezone) for p in people}

    def day(self, offset: int) -> date:
        return self.today + timedelta(days=offset)

    def next_week(self, weekday: int) -> date:
        """weekday 1 = Monday of the next ISO week."""
        return self.next_monday + timedelta(days=weekday - 1)

    def last_week(self, weekday: int) -> date:
        return self.last_monday + timedelta(days=weekday - 1)

    def week(self, weeks: int, weekday: int) -> date:
        """weekday 1 = Monday of the ISO week `weeks` after this one (0: this week)."""
        return self.this_monday + timedelta(weeks=weeks, days=weekday - 1)

    def at(self, who: str, on: date, hh: int, mm: int = 0) -> datetime:
        return datetime.combine(on, time(hh, mm), tzinfo=self.zones[who])


def _projects() -> list[Project]:
    return [
        Project("summit", "asana", "Nordwind Summit 2027"),
        Project("launch", "asana", "Orion Roadshow"),
        Project("studio", "trello", "Design Studio", ("To do", "Doing", "Review", "Done")),
        Project("production", "trello", "Production Board", ("To do", "Doing", "Done")),
        Project("lea-tasks", "google", "My Tasks"),
        Project("archive", "trello", "Archive 2025", ("Done",), account="archive"),
    ]


def _work(c: OrgCalendar) -> list[WorkItem]:
    w, nw = WorkItem, c.next_week
    done_5d = c.at("ben", c.day(-5), 16)
    return [
        # overdue: open, due three days ago. Near misses: due today; done and past due.
        w("supplier-shortlist", "summit", "Send supplier shortlist", assignees=("dev",),
          due_on=c.day(-3), estimate_hours=2),
        w("guest-list", "summit", "Confirm guest list", assignees=("dev",), due_on=c.day(0),
          estimate_hours=1),
        w("press-kit", "summit", "Press kit", section="Done", assignees=("dev",),
          due_on=c.day(-4), completed_at=c.at("dev", c.day(-5), 11), estimate_hours=3),
        # due_soon_unassigned: nobody owns it, due in two days. Near miss: due in 30 days.
        w("signage-order", "summit", "Order signage", due_on=c.day(2)),
        w("thank-you-notes", "summit", "Thank-you notes", due_on=c.day(30)),
        # blocker_done_dependent_idle: blocker done five days ago, dependent unassigned.
        w("venue-contract", "summit", "Venue contract signed", section="Done",
          assignees=("ben",), due_on=c.day(-6), completed_at=done_5d),
        w("book-catering", "summit", "Book catering", due_on=c.day(9),
          blocked_by=("venue-contract",)),
        # ... near miss: the dependent is owned by an active person and moving.
        w("budget-approved", "launch", "Budget approved", section="Done", assignees=("eva",),
          due_on=c.day(-6), completed_at=done_5d),
        w("print-invitations", "launch", "Print invitations", assignees=("eva",),
          due_on=c.day(12), blocked_by=("budget-approved",), estimate_hours=2),
        # linked_items_disagree: done in Asana, still open in Trello.
        w("stage-design-asana", "summit", "Stage design", section="Done", assignees=("ben",),
          due_on=c.day(-1), completed_at=c.at("ben", c.day(-1), 15),
          links_to="stage-design-card"),
        w("stage-design-card", "studio", "Stage design", section="Doing", assignees=("chloe",),
          due_on=c.day(1), deal_links=("nordwind-summit",)),
        # ... near miss: linked, both open, same due date.
        w("signage-concepts-asana", "launch", "Signage concepts", assignees=("isla",),
          due_on=c.day(8), links_to="signage-concepts-card", estimate_hours=2),
        w("signage-concepts-card", "studio", "Signage concepts", assignees=("isla",),
          due_on=c.day(8)),
        # due_during_time_off: Chloé is out of office Wednesday to Friday next week.
        w("poster-artwork", "studio", "Final poster artwork", assignees=("chloe",),
          due_at=c.at("chloe", nw(4), 17), estimate_hours=3),
        # ... near miss: Isla's all-day vacation is Monday only (exclusive end Tuesday).
        w("brochure-layout", "launch", "Brochure layout", assignees=("isla",), due_on=nw(2),
          estimate_hours=3),
        # overload: Kim's next week holds far more than 40 hours.
        w("stage-plan", "production", "Stage plan", assignees=("kim",), start_on=nw(1),
          due_on=nw(3), estimate_hours=16),
        w("rigging-schedule", "production", "Rigging schedule", assignees=("kim",),
          start_on=nw(2), due_on=nw(4), estimate_hours=14),
        w("run-of-show", "production", "Run of show", assignees=("kim",), start_on=nw(1),
          due_on=nw(5), estimate_hours=20),
        w("supplier-contracts", "summit", "Supplier contracts", assignees=("kim",),
          due_on=nw(5), estimate_hours=12),
        # ... near miss: Dev's next week is busy but within capacity.
        w("load-in-plan", "production", "Load-in plan", assignees=("dev",), start_on=nw(1),
          due_on=nw(5), estimate_hours=24),
        # work_owned_by_inactive_person: Felix left, his task is still open.
        w("atlas-venues", "launch", "Atlas venue shortlist", assignees=("felix",),
          due_on=c.day(6)),
        w("atlas-brief", "launch", "Atlas brief", section="Done", assignees=("felix",),
          due_on=c.day(-9), completed_at=c.at("felix", c.day(-10), 12)),
        # Kickoff for the Nordwind deal names it (near miss for won_deal_no_kickoff).
        w("nordwind-kickoff", "summit", "Kickoff: Nordwind Summit 2027", section="Done",
          assignees=("ana",), due_on=c.day(-18), completed_at=c.at("ana", c.day(-18), 10)),
        w("orion-route", "launch", "Route planning", assignees=("hiro",), due_on=c.day(14),
          estimate_hours=4),
        w("monthly-report", "lea-tasks", "Prepare monthly report", assignees=("lea",),
          due_on=c.next_week(5)),
        w("winter-gala", "archive", "Winter gala 2025", section="Done",
          completed_at=c.at("lea", c.day(-300), 12)),
    ]


def _meetings(c: OrgCalendar) -> list[Meeting]:
    g, a, nw, lw = Meeting, Attendee, c.next_week, c.last_week
    return [
        # double_booking across two calendars: Google walkthrough vs Salesforce call.
        g("venue-walkthrough", "ben", "Venue walkthrough", c.at("ben", nw(2), 10),
          c.at("ben", nw(2), 11)),
        g("nordwind-call", "ben", "Call with Nordwind", c.at("ben", nw(2), 10, 30),
          c.at("ben", nw(2), 11, 30), tool="salesforce", contact="mia"),
        # near misses: back-to-back; declined; transparent; cancelled; all-day elsewhere.
        g("client-sync", "ana", "Client sync", c.at("ana", nw(2), 9), c.at("ana", nw(2), 10)),
        g("budget-review", "ana", "Budget review", c.at("ana", nw(2), 10),
          c.at("ana", nw(2), 11)),
        g("supplier-pitch", "kim", "Supplier pitch", c.at("kim", nw(3), 14),
          c.at("kim", nw(3), 15), attendees=(a("kim@fernweh.example", organizer=True),
                                             a("dev@fernweh.example", "declined"))),
        g("rehearsal", "dev", "Rehearsal", c.at("dev", nw(3), 13), c.at("dev", nw(3), 16)),
        g("team-lunch", "kim", "Lunch with the team", c.at("kim", nw(4), 12),
          c.at("kim", nw(4), 13), transparent=True),
        g("catering-tasting", "kim", "Catering tasting", c.at("kim", nw(4), 12, 30),
          c.at("kim", nw(4), 13, 30)),
        g("old-kickoff", "jonas", "Old kickoff slot", c.at("jonas", nw(3), 10),
          c.at("jonas", nw(3), 11), status="cancelled"),
        g("pitch-prep", "jonas", "Pitch prep", c.at("jonas", nw(3), 10),
          c.at("jonas", nw(3), 11)),
        g("kyoto-visit", "hiro", "Kyoto site visit", start_date=nw(4), end_date=nw(5)),
        g("producers-weekly", "hiro", "Weekly producers", c.at("hiro", nw(4), 9),
          c.at("hiro", nw(4), 10)),
        # due_during_time_off: Chloé out of office Wednesday 00:00 to Saturday 00:00.
        g("chloe-ooo", "chloe", "Out of office", c.at("chloe", nw(3), 0),
          c.at("chloe", nw(6), 0), event_type="outOfOffice"),
        g("isla-vacation", "isla", "Vacation", start_date=nw(1), end_date=nw(2)),
        # meeting_during_time_off: Greta's all-day "Urlaub", yet she accepted a review.
        g("greta-urlaub", "greta", "Urlaub", start_date=nw(1), end_date=nw(3)),
        g("brand-review", "ana", "Brand review", c.at("greta", nw(2), 11),
          c.at("greta", nw(2), 12), attendees=(a("ana@fernweh.example", organizer=True),
                                               a("greta@fernweh.example"))),
        # overload: Kim's daily stand-up on top of 62 estimated hours.
        *(g(f"standup-{d}", "kim", "Production stand-up", c.at("kim", nw(d), 9),
            c.at("kim", nw(d), 9, 30)) for d in range(1, 6)),
        # client_meeting_no_followup: Kestrel review, nothing logged since.
        g("kestrel-review", "ana", "Kestrel quarterly review", c.at("ana", lw(4), 15),
          c.at("ana", lw(4), 16), attendees=(a("ana@fernweh.example", organizer=True),
                                             a("sam@kestrel.example"))),
        # ... near misses: Orion debrief has a follow-up; the hotel is not a client contact.
        g("orion-debrief", "jonas", "Orion roadshow debrief", c.at("jonas", lw(3), 11),
          c.at("jonas", lw(3), 12), attendees=(a("jonas@fernweh.example", organizer=True),
                                               a("raj@orion.example"))),
        g("hotel-tour", "dev", "Hotel tour", c.at("dev", lw(3), 14), c.at("dev", lw(3), 15),
          attendees=(a("dev@fernweh.example", organizer=True),
                     a("events@grandhotel.example"))),
        g("focus-block", "greta", "Focus time", c.at("greta", nw(4), 9),
          c.at("greta", nw(4), 12), event_type="focusTime"),
    ]


def _deals(c: OrgCalendar) -> list[Deal]:
    return [
        Deal("helios-launch", "helios", "Helios Product Launch", "Closed Won", c.day(-10),
             "jonas", 120_000),
        Deal("nordwind-summit", "nordwind", "Nordwind Summit 2027", "Closed Won", c.day(-20),
             "ana", 250_000),
        Deal("orion-roadshow", "orion", "Orion Roadshow", "Closed Won", c.day(-1), "jonas"),
        Deal("atlas-gala", "atlas", "Atlas Gala", "Negotiation/Review", c.day(21), "felix"),
        Deal("kestrel-party", "kestrel", "Kestrel Summer Party", "Proposal/Price Quote",
             c.day(40), "ana", 30_000),
    ]


def sample_org(now: datetime) -> Organisation:
    """The agency as of `now` (tz-aware); every date is relative to it."""
    people = _people()
    c = OrgCalendar(now, people)
    return Organisation(
        now=now, members=people, projects=_projects(), items=_work(c),
        meetings=_meetings(c), clients=_clients(), deals=_deals(c),
        activities=[Activity("orion-recap", "jonas", "Send Orion recap", c.last_week(5),
                             contact="raj", client="orion", done=True)],
        unmatched_trello_members=[("fotofrank", "Frank Foto")],
    )


def resolve(org: Organisation, subject: str) -> object:
    """The organisation record an answer-key subject (`item:poster-artwork`) names."""
    kind, _, key = subject.partition(":")
    pools: dict[str, list[object]] = {
        "person": list(org.members), "item": list(org.items), "meeting": list(org.meetings),
        "deal": list(org.deals),
        "contact": [c for client in org.clients for c in client.contacts],
    }
    if kind == "source":
        if key in org.sources.values():
            return key
        raise KeyError(subject)
    for record in pools.get(kind, []):
        if (record[0] if isinstance(record, tuple) else getattr(record, "key", None)) == key:
            return record
    raise KeyError(subject)
