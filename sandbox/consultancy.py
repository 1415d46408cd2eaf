"""The second sample organisation: a software consultancy with other habits than the agency.

Northbeam Software builds platforms for clients from New York and London. Its tools
hold the same kinds of facts as the agency's, written down differently, so the
answer key (`consultancy_key.yaml`) shows whether baton generalises or only knows
one organisation:

- effort is an Asana number field "Effort (days)", Asana's own "Estimated time"
  (minutes) or a Trello number custom field "Est. hours"; baton.yaml names none;
- work is linked with other URL forms: Trello short links with and without a
  mixed-case slug, Asana `/1/<workspace>/task/<t>` and `/0/<p>/<t>/f`, Salesforce
  15-character ids in Lightning and Classic URLs, links that exist only in Asana's
  rich text or in a Salesforce opportunity's description;
- archived work: an archived Asana project still holding overdue tasks, a task
  multi-homed in it and in a live project (live), an archived Trello list, a closed
  board, a deleted Google Tasks list;
- a won deal is kicked off by a Trello card naming the account, or by a Salesforce
  kickoff event on the deal; one is not kicked off at all;
- people in New York and London, recurring meetings kept in New York time with a
  moved and a cancelled instance, a declined series, leave over a weekend, cards
  with two members, a task in two projects, one person with a different name in
  every tool (matched by email or by a config alias), and two people who left
  (baton.yaml says so; the tools do not).

Like the agency it is dated relative to `now`, in each person's own wall time, so
the answer key holds on any day. Tests pin `now` to `PINNED_NOW`, the Wednesday
before the US switch to daylight time (Sunday 2027-03-14) and two and a half weeks
before the EU's (Sunday 2027-03-28): the series that began in February in Eastern
Standard Time continue in Eastern Daylight Time, next week New York is four hours
behind London instead of five, and Omar's leave includes London's 23-hour Sunday.
Every plant and near miss is written in the wall time of the people it concerns,
so it is the same finding in a DST week as in any other week; only a baton that
converts times with a fixed offset would answer differently there.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sandbox.org import (
    Activity,
    Attendee,
    Client,
    Deal,
    Meeting,
    Member,
    Occurrence,
    Organisation,
    OrgCalendar,
    Project,
    WorkItem,
)

PINNED_NOW = datetime(2027, 3, 10, 14, 0, tzinfo=UTC)
"""Wednesday 09:00 in New York, 14:00 in London; see the module docstring."""
NEW_YORK, LONDON = "America/New_York", "Europe/London"
WEEKDAYS = "RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"
VENDOR = "sales@cloudvendor.example"


def _people() -> list[Member]:
    m = Member
    return [
        m("maya", "Maya Chen", "maya@northbeam.example", "delivery coordinator", NEW_YORK,
          asana_email="maya@northbeam.example", trello_username="mayachen", salesforce=True),
        m("dan", "Dan Kowalski", "dan@northbeam.example", "engagement manager", NEW_YORK,
          asana_email="dan@northbeam.example", salesforce=True),
        m("kate", "Katherine O'Neill", "kate@northbeam.example", "account executive",
          NEW_YORK, 32, (1, 2, 3, 4), asana_email="k.oneill@gmail.example",
          trello_username="katieo", salesforce=True,
          tool_names=(("asana", "Kate O'Neill"), ("trello", "Katie O."),
                      ("salesforce", "Kathy O'Neill"))),
        m("sam", "Sam Rivera", "sam@northbeam.example", "engineer", NEW_YORK,
          asana_email="sam@northbeam.example", trello_username="samrivera"),
        m("priya", "Priya Shah", "priya@northbeam.example", "engineer", LONDON,
          asana_email="priya@northbeam.example", trello_username="priyashah"),
        m("omar", "Omar Haddad", "omar@northbeam.example", "engineer", LONDON,
          asana_email="omar@northbeam.example", trello_username="omarh"),
        m("nina", "Nina Petrova", "nina@northbeam.example", "QA engineer", LONDON,
          asana_email="nina@northbeam.example"),
        m("leo", "Leo Fontaine", "leo@northbeam.example", "designer", LONDON,
          trello_username="leofontaine"),
        m("raj", "Raj Iyer", "raj@northbeam.example", "solutions engineer", NEW_YORK,
          asana_email="raj@northbeam.example", trello_username="rajiyer", salesforce=True,
          active_in_config=False),
        m("ines", "Inès Moreau", "ines@northbeam.example", "designer", LONDON,
          asana_email="ines@northbeam.example", trello_username="inesmoreau",
          active_in_config=False),
    ]


def _clients() -> list[Client]:
    c = Client
    return [
        c("harbor", "Harbor Analytics", (("lena", "Lena Brooks", "lena@harbor-analytics.example"),),
          owner="kate"),
        c("meridian", "Meridian Health",
          (("tom", "Tom Becker", "tom@meridianhealth.example"),), owner="kate"),
        c("quill", "Quill & Co", (("ava", "Ava Lind", "ava@quill.example"),), owner="dan"),
        c("ostrava", "Ostrava Logistics",
          (("jiri", "Jiri Novak", "jiri@ostrava-logistics.example"),), owner="kate"),
        c("cobalt", "Cobalt Insurance",
          (("noah", "Noah Price", "noah@cobalt-insurance.example"),), owner="dan"),
        c("birch", "Birch Outdoor", (("ella", "Ella Stone", "ella@birch-outdoor.example"),),
          owner="dan"),
        c("lumen", "Lumen Bank", (("grace", "Grace Kim", "grace@lumenbank.example"),),
          owner="raj"),
    ]


def _projects() -> list[Project]:
    p = Project
    return [
        p("platform", "asana", "Platform Rebuild", ("To do", "In progress", "Done"),
          effort="days"),
        p("legacy", "asana", "Legacy Platform 2025", ("To do", "Done"), archived=True,
          effort="days"),
        p("harbor-build", "asana", "Harbor: platform build", ("To do", "In progress", "Done"),
          effort="minutes"),
        p("ops", "asana", "Delivery ops", effort="days"),
        p("handover", "asana", "Contractor handover", account="legacy"),
        p("design", "trello", "Design Sprint", ("To do", "Doing", "Review", "Done", "Icebox"),
          closed_sections=("Icebox",), effort="field"),
        p("delivery", "trello", "Client Delivery", ("Backlog", "Doing", "Done"), effort="field"),
        p("hackathon", "trello", "Hackathon 2026", ("Ideas", "Done"), archived=True,
          effort="field"),
        p("maya-tasks", "google", "My Tasks"),
        p("hiring", "google", "Hiring Q1"),
        p("offsite", "google", "Offsite 2026", deleted=True),
    ]


def _archived_and_overdue(c: OrgCalendar) -> list[WorkItem]:
    w = WorkItem
    return [
        # overdue: in the archived project AND in a live one, so it is live work.
        w("migrate-auth", "legacy", "Migrate auth service", assignees=("sam",),
          due_on=c.day(-4), estimate_hours=16, also_in=("platform",)),
        # ... near misses: archived project, archived list, closed board, deleted list,
        # due today in New York.
        w("remove-v1", "legacy", "Remove v1 endpoints", assignees=("omar",), due_on=c.day(-6),
          estimate_hours=8),
        w("update-runbook", "legacy", "Update the on-call runbook", due_on=c.day(1)),
        w("dark-mode", "design", "Dark mode explorations", "Icebox", ("leo",),
          due_on=c.day(-3), estimate_hours=6),
        w("demo-video", "hackathon", "Demo video", "Ideas", ("priya",), due_on=c.day(-10),
          estimate_hours=4),
        w("offsite-venue", "offsite", "Book offsite venue", assignees=("maya",),
          due_on=c.day(-5)),
        w("release-notes", "platform", "Release notes 2.4", assignees=("sam",),
          due_on=c.day(0), estimate_hours=4),
        # overdue in Google Tasks (the e2e test deletes its list, and the alert resolves).
        w("interview-panel", "hiring", "Book interview panel", assignees=("maya",),
          due_on=c.day(-2)),
        w("qbr-deck", "maya-tasks", "Prepare QBR deck", assignees=("maya",),
          due_on=c.week(1, 4)),
        # due_soon_unassigned: a card without members due in two days. Near misses: due in
        # six days; two members.
        w("staging-dns", "delivery", "Set up staging DNS", "Backlog", due_on=c.day(2)),
        w("security-review", "platform", "Security review", due_on=c.day(6)),
        w("load-test-plan", "delivery", "Load test plan", "Doing", ("sam", "raj"),
          due_on=c.day(1), estimate_hours=2),
    ]


def _dependencies(c: OrgCalendar) -> list[WorkItem]:
    w = WorkItem
    return [
        # blocker_done_dependent_idle: migration done four days ago, backfill unassigned.
        w("schema-migration", "platform", "Schema migration", "Done", ("sam",),
          due_on=c.day(-4), completed_at=c.at("sam", c.day(-4), 15), estimate_hours=8),
        w("backfill-events", "platform", "Backfill analytics events", due_on=c.day(10),
          blocked_by=("schema-migration",)),
        # ... near misses: blocker done yesterday; dependent still waits on an open blocker.
        w("api-gateway", "platform", "API gateway routes", "Done", ("priya",),
          due_on=c.day(-1), completed_at=c.at("priya", c.day(-1), 12)),
        w("rate-limits", "platform", "Rate limits", due_on=c.day(12),
          blocked_by=("api-gateway",)),
        w("load-balancer", "platform", "Load balancer", "Done", ("omar",), due_on=c.day(-5),
          completed_at=c.at("omar", c.day(-5), 16)),
        w("dns-cutover", "platform", "DNS cutover", assignees=("omar",), due_on=c.week(1, 4),
          estimate_hours=4),
        w("cdn-setup", "platform", "CDN setup", due_on=c.week(2, 2),
          blocked_by=("load-balancer", "dns-cutover")),
    ]


def _effort(c: OrgCalendar) -> list[WorkItem]:
    w, nw = WorkItem, (lambda d: c.week(1, d))
    return [
        # overload: Priya's next week holds 3 days + 600 minutes + 12 h = 46 h of estimates.
        w("search-indexing", "platform", "Search indexing", assignees=("priya",),
          start_on=nw(1), due_on=nw(5), estimate_hours=24),
        w("ingestion-pipeline", "harbor-build", "Ingestion pipeline", assignees=("priya",),
          start_on=nw(1), due_on=nw(3), estimate_hours=10),
        w("design-tokens", "design", "Design tokens", "Doing", ("priya",), start_on=nw(1),
          due_on=nw(4), estimate_hours=12),
        # ... near miss: Sam shares a 40 h card with Leo; 20 h + 1.5 days fits his week.
        w("perf-budget", "delivery", "Performance budget", "Doing", ("sam", "leo"),
          start_on=nw(1), due_on=nw(5), estimate_hours=40),
        w("api-hardening", "platform", "API hardening", assignees=("sam",), start_on=nw(1),
          due_on=nw(5), estimate_hours=12),
        w("harbor-dashboards", "harbor-build", "Dashboards", assignees=("nina",),
          due_on=c.week(2, 5), estimate_hours=6),
    ]


def _links(c: OrgCalendar) -> list[WorkItem]:
    w, nw = WorkItem, (lambda d: c.week(1, d))
    return [
        # linked_items_disagree, four URL forms: done in Asana, open on Trello (shortUrl).
        w("payment-webhooks", "platform", "Payment webhooks", "Done", ("sam",),
          due_on=c.day(-1), completed_at=c.at("sam", c.day(-1), 16), estimate_hours=8,
          links_to="payment-card"),
        w("payment-card", "delivery", "Payment webhooks", "Doing", ("sam",), due_on=c.day(1)),
        # ... due three days apart; the link (mixed-case slug) is only in the rich text.
        w("onboarding-flow", "platform", "Onboarding flow", assignees=("omar",),
          due_on=nw(2), notes="Spec and screens:", links_to="onboarding-card",
          link_form="slug", link_in_html=True),
        w("onboarding-card", "design", "Onboarding flow v2", "Review", ("omar",),
          due_on=nw(5)),
        # ... done on Trello, open in Asana: /1/<workspace>/task/<t> and /0/<p>/<t>/f.
        w("sso-card", "delivery", "SSO integration", "Done", ("priya",), due_on=c.day(-2),
          completed_at=c.at("priya", c.day(-2), 11), links_to="sso-task",
          link_form="asana-task"),
        w("sso-task", "platform", "SSO integration", assignees=("priya",), due_on=nw(1)),
        w("billing-card", "delivery", "Billing export", "Done", ("leo",), due_on=nw(3),
          completed_at=c.at("leo", c.day(-1), 10), links_to="billing-export",
          link_form="asana-0"),
        w("billing-export", "platform", "Billing export", assignees=("nina",), due_on=nw(3)),
        # ... near miss: due Thursday 21:00 in New York (Friday in UTC) vs Wednesday.
        w("api-docs", "platform", "API docs", assignees=("nina",), due_on=nw(3)),
        w("api-docs-card", "delivery", "API docs", "Doing", ("sam",),
          due_at=c.at("sam", nw(4), 21), links_to="api-docs",
          link_form="asana-project-task"),
    ]


def _people_work(c: OrgCalendar) -> list[WorkItem]:
    w = WorkItem
    return [
        # due_during_time_off: Omar's leave runs Thursday to Monday over a weekend.
        w("a11y-audit", "platform", "Accessibility audit", assignees=("omar",),
          due_on=c.week(3, 1), estimate_hours=8),
        # ... near misses: 00:30 on Tuesday in London, just after; the Wednesday before.
        w("icons-handoff", "design", "Icons handoff", assignees=("omar",),
          due_at=c.at("omar", c.week(3, 2), 0, 30), estimate_hours=3),
        w("perf-report", "platform", "Performance report", assignees=("omar",),
          due_on=c.week(2, 3)),
        # work_owned_by_inactive_person: Raj left and still owns open work.
        w("capacity-planning", "platform", "Capacity planning", assignees=("raj",),
          due_on=c.week(1, 3), estimate_hours=6),
        # ... near miss: Inès left too, but all her work is done.
        w("design-qa", "platform", "Design QA checklist", "Done", ("ines",),
          due_on=c.day(-20), completed_at=c.at("ines", c.day(-21), 15)),
        w("style-guide", "design", "Style guide v1", "Done", ("ines",), due_on=c.day(-15),
          completed_at=c.at("ines", c.day(-15), 12)),
        # Kickoffs: a card naming the account; deal URLs with 15-character ids.
        w("meridian-kickoff", "delivery", "Kickoff \u2013 Meridian Health", "Done", ("kate",),
          due_on=c.day(-4), completed_at=c.at("kate", c.day(-4), 11)),
        w("cobalt-discovery", "delivery", "Discovery workshop prep", "Doing", ("kate",),
          due_on=c.week(1, 2), deal_links=("cobalt-claims",), deal_link_form="classic15"),
        w("loyalty-engine", "ops", "Loyalty points engine", assignees=("dan",),
          due_on=c.week(2, 4), estimate_hours=16, deal_links=("birch-loyalty",),
          deal_link_form="lightning15"),
        w("handover-notes", "handover", "Handover notes", assignees=("raj",),
          due_on=c.day(3)),
    ]


def _series(c: OrgCalendar) -> list[Meeting]:
    g, a = Meeting, Attendee
    standup = c.at("maya", c.week(-4, 1), 9, 30)
    moved = c.at("maya", c.week(1, 3), 9, 30)
    return [
        # double_booking: the standup moved to 10:30 next Wednesday meets Sam's code review.
        # Near misses: Sam's vendor call sits where it was; Friday's instance is cancelled.
        g("standup", "maya", "Standup", standup, c.at("maya", c.week(-4, 1), 9, 45),
          time_zone=NEW_YORK, recurrence=(WEEKDAYS,),
          attendees=(a("maya@northbeam.example", organizer=True),
                     a("sam@northbeam.example"), a("priya@northbeam.example")),
          changes=(Occurrence(moved, c.at("maya", c.week(1, 3), 10, 30),
                              c.at("maya", c.week(1, 3), 11)),
                   Occurrence(c.at("maya", c.week(1, 5), 9, 30), cancelled=True))),
        # double_booking: Tuesdays 11:00 New York is 15:00 or 16:00 in London; Priya's
        # 15:30 review overlaps it by 30 minutes either way. Omar declined the series.
        g("platform-sync", "dan", "Platform weekly sync", c.at("dan", c.week(-5, 2), 11),
          c.at("dan", c.week(-5, 2), 12), time_zone=NEW_YORK,
          recurrence=("RRULE:FREQ=WEEKLY;BYDAY=TU",),
          attendees=(a("dan@northbeam.example", organizer=True),
                     a("maya@northbeam.example"), a("priya@northbeam.example"),
                     a("omar@northbeam.example", "declined"))),
    ]


def _next_week(c: OrgCalendar) -> list[Meeting]:
    g, a, nw = Meeting, Attendee, (lambda d: c.week(1, d))
    return [
        g("design-review", "priya", "Design review", c.at("priya", nw(2), 15, 30),
          c.at("priya", nw(2), 16, 30), attendees=(
              a("priya@northbeam.example", organizer=True), a("leo@northbeam.example"))),
        g("hiring-interview", "omar", "Hiring interview", c.at("omar", nw(2), 15, 30),
          c.at("omar", nw(2), 16, 30)),
        g("code-review", "sam", "Code review", c.at("sam", nw(3), 10, 30),
          c.at("sam", nw(3), 11, 30), attendees=(
              a("sam@northbeam.example", organizer=True), a("omar@northbeam.example"))),
        g("vendor-call", "sam", "Vendor call", c.at("sam", nw(3), 9, 30),
          c.at("sam", nw(3), 10), attendees=(
              a("sam@northbeam.example", organizer=True), a(VENDOR))),
        g("sprint-demo", "sam", "Sprint demo", c.at("sam", nw(5), 9, 30),
          c.at("sam", nw(5), 10, 30), attendees=(
              a("sam@northbeam.example", organizer=True), a("maya@northbeam.example"),
              a("priya@northbeam.example"))),
        # ... near miss: on Omar's London calendar in New York time, right after standup.
        g("arch-sync", "omar", "Architecture sync", c.at("sam", nw(4), 9, 45),
          c.at("sam", nw(4), 10, 45), time_zone=NEW_YORK, attendees=(
              a("omar@northbeam.example", organizer=True), a("sam@northbeam.example"))),
        # meeting_during_time_off: Nina is out Monday and Tuesday, yet accepted sign-off.
        g("nina-ooo", "nina", "Out of office", c.at("nina", nw(1), 0), c.at("nina", nw(3), 0),
          event_type="outOfOffice"),
        g("qa-signoff", "dan", "QA sign-off", c.at("dan", nw(2), 10), c.at("dan", nw(2), 10, 30),
          attendees=(a("dan@northbeam.example", organizer=True), a("nina@northbeam.example"))),
        # ... near miss: she declined the retro.
        g("release-retro", "maya", "Release retro", c.at("maya", nw(1), 11),
          c.at("maya", nw(1), 11, 30), attendees=(
              a("maya@northbeam.example", organizer=True),
              a("nina@northbeam.example", "declined"), a("priya@northbeam.example"))),
        # due_during_time_off: Thursday to Monday, over a weekend (end date exclusive).
        g("omar-leave", "omar", "Annual leave", start_date=c.week(2, 4), end_date=c.week(3, 2)),
        g("claims-followup", "dan", "Claims follow-up", c.at("dan", nw(2), 14),
          c.at("dan", nw(2), 14, 30), attendees=(
              a("dan@northbeam.example", organizer=True), a("noah@cobalt-insurance.example"))),
    ]


def _client_meetings(c: OrgCalendar) -> list[Meeting]:
    g, a, lw = Meeting, Attendee, c.last_week
    return [
        # client_meeting_no_followup: the Ostrava workshop, nothing since.
        g("route-workshop", "kate", "Route planning workshop", c.at("kate", lw(4), 10),
          c.at("kate", lw(4), 11, 30), attendees=(
              a("kate@northbeam.example", organizer=True),
              a("jiri@ostrava-logistics.example"))),
        # ... near misses: a Salesforce task follows; a later meeting follows; a vendor is
        # no client; three weeks ago is history.
        g("portal-requirements", "kate", "Portal requirements", c.at("kate", lw(2), 13),
          c.at("kate", lw(2), 14), attendees=(
              a("kate@northbeam.example", organizer=True), a("tom@meridianhealth.example"))),
        g("claims-demo", "dan", "Claims demo", c.at("dan", lw(3), 14), c.at("dan", lw(3), 15),
          attendees=(a("dan@northbeam.example", organizer=True),
                     a("noah@cobalt-insurance.example"))),
        g("vendor-pitch", "maya", "Vendor pitch", c.at("maya", lw(3), 10),
          c.at("maya", lw(3), 11), attendees=(
              a("maya@northbeam.example", organizer=True), a(VENDOR))),
        g("harbor-steering", "kate", "Harbor steering", c.at("kate", c.day(-20), 15),
          c.at("kate", c.day(-20), 16), attendees=(
              a("kate@northbeam.example", organizer=True),
              a("lena@harbor-analytics.example"))),
        # A kickoff recorded as a Salesforce event on the deal (no client attended).
        g("quill-kickoff", "dan", "Kickoff meeting", c.at("dan", c.day(-5), 15),
          c.at("dan", c.day(-5), 16), tool="salesforce", deal="quill-app"),
    ]


def _deals(c: OrgCalendar) -> list[Deal]:
    d = Deal
    return [
        # won_deal_no_kickoff: nothing anywhere for Ostrava.
        d("ostrava-routing", "ostrava", "Ostrava Route Optimiser", "Closed Won", c.day(-12),
          "kate", 150_000),
        # ... near misses, each kicked off another way.
        d("harbor-platform", "harbor", "Harbor Data Platform", "Closed Won", c.day(-8), "kate",
          180_000, links_project="harbor-build"),
        d("meridian-portal", "meridian", "Meridian Patient Portal", "Closed Won", c.day(-6),
          "kate", 240_000),
        d("quill-app", "quill", "Quill Mobile App", "Closed Won", c.day(-9), "dan", 90_000),
        d("cobalt-claims", "cobalt", "Cobalt Claims Automation", "Closed Won", c.day(-7), "dan",
          120_000),
        d("birch-loyalty", "birch", "Birch Loyalty App", "Closed Won", c.day(-10), "dan",
          75_000),
        # ... won two days ago (sales hands over); won 75 days ago (history).
        d("lumen-audit", "lumen", "Lumen Compliance Audit", "Closed Won", c.day(-2), "dan",
          60_000),
        d("birch-maps", "birch", "Birch Trail Maps", "Closed Won", c.day(-75), "kate", 40_000),
        # work_owned_by_inactive_person: Raj still owns an open deal.
        d("lumen-core", "lumen", "Lumen Core Upgrade", "Negotiation/Review", c.day(30), "raj",
          400_000),
    ]


def consultancy_org(now: datetime) -> Organisation:
    """Northbeam Software as of `now` (tz-aware); every date is relative to it."""
    people = _people()
    c = OrgCalendar(now, people)
    return Organisation(
        now=now, name="Northbeam Software", coordinator="maya",
        google_user="maya@northbeam.example", timezone=NEW_YORK,
        sources={"asana:main": "asana-main", "asana:legacy": "asana-legacy",
                 "trello:main": "trello-delivery"},
        members=people, projects=_projects(),
        items=[*_archived_and_overdue(c), *_dependencies(c), *_effort(c), *_links(c),
               *_people_work(c)],
        meetings=[*_series(c), *_next_week(c), *_client_meetings(c)],
        clients=_clients(), deals=_deals(c),
        activities=[Activity("portal-estimate", "kate", "Send portal estimate", c.day(1),
                             contact="tom", client="meridian")],
        unmatched_trello_members=[("zedcontract", "Zed (contractor)")],
    )
