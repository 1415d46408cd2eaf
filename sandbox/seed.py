"""Put an `Organisation` into the four replicas and remember every id it got.

The answer key speaks in organisation keys (`item:poster-artwork`); replicas
hand out their own ids (Asana gids, Trello ObjectIds, Salesforce 18-char ids,
Google event ids). `Seeded.ids` maps one to the other so tests can compare what
baton found with what was planted. Cross-tool links are planted the way people
make them: a Trello card URL pasted into an Asana task's notes, a Salesforce
opportunity URL attached to a Trello card.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from zoneinfo import ZoneInfo

from sandbox.asana import AsanaState
from sandbox.google import GoogleState
from sandbox.google_calendar_state import Attendee as GoogleAttendee
from sandbox.google_people import Organization
from sandbox.org import Member, Organisation, WorkItem
from sandbox.salesforce import SalesforceState
from sandbox.trello import TrelloState

ASANA_TOKEN = "sandbox-asana-token"
TRELLO_KEY, TRELLO_TOKEN = "sandbox-trello-key", "sandbox-trello-token"
GOOGLE_CLIENT, GOOGLE_SECRET = "baton-sandbox.apps.googleusercontent.com", "sandbox-secret"
GOOGLE_REFRESH = "sandbox-refresh-token"
GOOGLE_USER = "lea@fernweh.example"  # whose OAuth grant, contacts and Google Tasks these are
SALESFORCE_SESSION = "00Dsandbox!sandbox-session"
SALESFORCE_URL = "https://sandbox.my.salesforce.com"
GOOGLE_READ_SCOPES = [f"https://www.googleapis.com/auth/{s}" for s in (
    "calendar.readonly", "contacts.readonly", "tasks.readonly")]


@dataclass
class Replicas:
    asana: AsanaState
    trello: TrelloState
    google: GoogleState
    salesforce: SalesforceState


@dataclass
class Seeded:
    """What seeding produced: ids per organisation key and per tool."""

    ids: dict[str, dict[str, str]] = field(default_factory=dict)
    asana_workspace: str = ""
    trello_boards: dict[str, str] = field(default_factory=dict)
    calendars: list[str] = field(default_factory=list)

    def put(self, key: str, tool: str, external_id: str) -> None:
        self.ids.setdefault(key, {})[tool] = external_id


def new_replicas() -> Replicas:
    salesforce = SalesforceState(sessions={SALESFORCE_SESSION})
    return Replicas(AsanaState(), TrelloState(api_key=TRELLO_KEY, token=TRELLO_TOKEN,
                                              owner_username="leanovak",
                                              owner_full_name="Lea Novak"),
                    GoogleState(), salesforce)


def pin_clocks(replicas: Replicas, now: datetime) -> None:
    for knobs in (replicas.asana.knobs, replicas.trello.knobs, replicas.google.knobs,
                  replicas.salesforce.knobs):
        knobs.clock.set(now)


def seed(org: Organisation, replicas: Replicas) -> Seeded:
    seeded = Seeded()
    _seed_salesforce(org, replicas.salesforce, seeded)
    _seed_trello(org, replicas.trello, seeded)
    _seed_asana(org, replicas.asana, replicas.trello, seeded)
    _seed_google(org, replicas.google, seeded)
    return seeded


def _deadline(item: WorkItem, org: Organisation) -> datetime | None:
    """Trello only knows due instants: a date-only deadline is 17:00 for its assignee."""
    if item.due_at is not None or item.due_on is None:
        return item.due_at
    zone = ZoneInfo(org.member(item.assignees[0]).timezone if item.assignees else "UTC")
    return datetime.combine(item.due_on, time(17), tzinfo=zone)


def _seed_salesforce(org: Organisation, sf: SalesforceState, seeded: Seeded) -> None:
    users: dict[str, str] = {}
    for m in org.members:
        if m.salesforce:
            first, _, last = m.name.partition(" ")
            users[m.key] = sf.add_user(f"{m.email}.fernweh", first_name=first, last_name=last,
                                       email=m.email, time_zone=m.timezone)
            seeded.put(f"person:{m.key}", "salesforce", users[m.key])
    contacts: dict[str, str] = {}
    for client in org.clients:
        account = sf.add_account(client.name, owner_id=users[client.owner])
        seeded.put(f"client:{client.key}", "salesforce", account)
        for key, name, email in client.contacts:
            first, _, last = name.partition(" ")
            contacts[key] = sf.add_contact(last, first_name=first, email=email,
                                           account_id=account, owner_id=users[client.owner])
            seeded.put(f"contact:{key}", "salesforce", contacts[key])
    accounts = {c.key: seeded.ids[f"client:{c.key}"]["salesforce"] for c in org.clients}
    for deal in org.deals:
        seeded.put(f"deal:{deal.key}", "salesforce", sf.add_opportunity(
            deal.name, stage=deal.stage, close_date=deal.close_on, owner_id=users[deal.owner],
            account_id=accounts[deal.client], amount=deal.amount))
    for meeting in (m for m in org.meetings if m.tool == "salesforce"):
        assert meeting.start and meeting.end
        seeded.put(f"meeting:{meeting.key}", "salesforce", sf.add_event(
            meeting.title, start=meeting.start, end=meeting.end, owner_id=users[meeting.owner],
            who_id=contacts.get(meeting.contact or "")))
    for activity in org.activities:
        seeded.put(f"activity:{activity.key}", "salesforce", sf.add_task(
            activity.subject, owner_id=users[activity.owner], activity_date=activity.due_on,
            status="Completed" if activity.done else "Not Started",
            who_id=contacts.get(activity.contact or "")))
    for m in org.members:
        if m.salesforce and not m.active:
            sf.update(users[m.key], IsActive=False)


def _seed_trello(org: Organisation, trello: TrelloState, seeded: Seeded) -> None:
    members = {m.key: trello.add_member(m.trello_username, m.name)
               for m in org.members if m.trello_username}
    for key, member_id in members.items():
        seeded.put(f"person:{key}", "trello", member_id)
    outsiders = [trello.add_member(username, name)
                 for username, name in org.unmatched_trello_members]
    for project in (p for p in org.projects if p.tool == "trello"):
        board = trello.add_board(project.name, member_ids=[*members.values(), *outsiders])
        seeded.trello_boards[project.key] = board
        lists = {name: trello.add_list(board, name) for name in project.sections}
        labels: dict[float, str] = {}
        for item in (i for i in org.items if i.project == project.key):
            if item.estimate_hours and item.estimate_hours not in labels:
                labels[item.estimate_hours] = trello.add_label(
                    board, f"{item.estimate_hours:g}h", "blue")
            card = trello.add_card(
                lists[item.section], item.title, desc=item.notes, due=_deadline(item, org),
                due_complete=item.completed_at is not None,
                member_ids=[members[a] for a in item.assignees],
                label_ids=[labels[item.estimate_hours]] if item.estimate_hours else [])
            seeded.put(f"item:{item.key}", "trello", card)
            for deal in item.deal_links:
                opportunity = seeded.ids[f"deal:{deal}"]["salesforce"]
                trello.add_attachment(card, "Salesforce opportunity", f"{SALESFORCE_URL}"
                                      f"/lightning/r/Opportunity/{opportunity}/view")


def _trello_url(trello: TrelloState, card_id: str) -> str:
    return f"https://trello.com/c/{trello.cards[card_id].short_link}"


def _seed_asana(org: Organisation, asana: AsanaState, trello: TrelloState,
                seeded: Seeded) -> None:
    workspace = asana.add_workspace("Fernweh Events").gid
    seeded.asana_workspace = workspace
    estimate = asana.add_custom_field(workspace, "Estimated hours").gid
    users: dict[str, str] = {}
    for m in sorted(org.members, key=lambda m: m.key != "lea"):  # Lea owns the token
        if m.asana_email:
            users[m.key] = asana.add_user(m.name, m.asana_email, workspaces=[workspace],
                                          token=ASANA_TOKEN if m.key == "lea" else None).gid
            seeded.put(f"person:{m.key}", "asana", users[m.key])
    for project in (p for p in org.projects if p.tool == "asana"):
        gid = asana.add_project(workspace, project.name, custom_fields=[estimate]).gid
        seeded.put(f"project:{project.key}", "asana", gid)
        sections = {name: asana.add_section(gid, name).gid for name in project.sections}
        for item in _blockers_first([i for i in org.items if i.project == project.key]):
            _add_asana_task(asana, item, gid, sections, users, estimate, trello, seeded)
    for m in org.members:
        if m.asana_email and not m.active:
            asana.remove_user_from_workspace(users[m.key], workspace)


def _blockers_first(items: list[WorkItem]) -> list[WorkItem]:
    keys = {b for i in items for b in i.blocked_by}
    return sorted(items, key=lambda i: i.key not in keys)


def _add_asana_task(asana: AsanaState, item: WorkItem, project: str,
                    sections: dict[str, str], users: dict[str, str], estimate: str,
                    trello: TrelloState, seeded: Seeded) -> None:
    notes = item.notes
    if item.links_to:
        card = seeded.ids[f"item:{item.links_to}"]["trello"]
        notes = f"{notes}\nDesign card: {_trello_url(trello, card)}".strip()
    task = asana.add_task(
        item.title, projects=[project], section=sections[item.section],
        assignee=users[item.assignees[0]] if item.assignees else None, notes=notes,
        due_on=item.due_on, due_at=item.due_at, start_on=item.start_on,
        completed=item.completed_at is not None, completed_at=item.completed_at,
        dependencies=[seeded.ids[f"item:{b}"]["asana"] for b in item.blocked_by],
        custom_values={estimate: item.estimate_hours} if item.estimate_hours else None)
    seeded.put(f"item:{item.key}", "asana", task.gid)


def _seed_google(org: Organisation, google: GoogleState, seeded: Seeded) -> None:
    google.oauth.register_client(GOOGLE_CLIENT, GOOGLE_SECRET)
    google.oauth.add_refresh_token(GOOGLE_REFRESH, client_id=GOOGLE_CLIENT,
                                   user=GOOGLE_USER, scopes=GOOGLE_READ_SCOPES)
    for m in (m for m in org.members if m.active):
        google.calendar.add_calendar(m.email, time_zone=m.timezone, summary=m.name)
        google.calendar.share_calendar(m.email, user=GOOGLE_USER)
        seeded.calendars.append(m.email)
        seeded.put(f"person:{m.key}", "google", m.email)
    for meeting in (m for m in org.meetings if m.tool == "google"):
        owner: Member = org.member(meeting.owner)
        event = google.calendar.add_event(
            owner.email, summary=meeting.title, status=meeting.status,
            start=meeting.start or meeting.start_date,  # type: ignore[arg-type]
            end=meeting.end or meeting.end_date,  # type: ignore[arg-type]
            time_zone=owner.timezone, event_type=meeting.event_type,
            transparency="transparent" if meeting.transparent else None,
            attendees=[GoogleAttendee(a.email, a.response) for a in meeting.attendees])
        seeded.put(f"meeting:{meeting.key}", "google", event.id)
    for client in org.clients:
        for _key, name, email in client.contacts:
            first, _, last = name.partition(" ")
            google.people.add_contact(first, last, emails=[email],
                                      organizations=[Organization(client.name)])
    for item in (i for i in org.items if org_project_tool(org, i) == "google"):
        seeded.put(f"item:{item.key}", "google", google.tasks.add_task(
            google.tasks.default_list_id, item.title, notes=item.notes or None,
            due_on=item.due_on))


def org_project_tool(org: Organisation, item: WorkItem) -> str:
    return next(p.tool for p in org.projects if p.key == item.project)
