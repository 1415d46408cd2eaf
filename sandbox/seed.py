"""Put an `Organisation` into the four replicas and remember every id it got.

The answer key speaks in organisation keys (`item:poster-artwork`); replicas
hand out their own ids (Asana gids, Trello ObjectIds, Salesforce 18-char ids,
Google event ids). `Seeded.ids` maps one to the other so tests can compare what
baton found with what was planted. Cross-tool links are planted the way people
make them, in the URL form the organisation's habits say (`LINK_FORMS`,
`DEAL_LINK_FORMS`): a Trello card URL pasted into an Asana task's notes, an Asana
task URL in a card's description, a Salesforce opportunity URL attached to a card,
an Asana project URL in an opportunity's description. Effort is written in the
form each project uses (`ASANA_EFFORT_FIELDS`, `TRELLO_EFFORT_FIELD`, labels).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time
from html import escape
from zoneinfo import ZoneInfo

from sandbox.asana import AsanaState
from sandbox.google import GoogleState
from sandbox.google_calendar_state import Attendee as GoogleAttendee
from sandbox.google_people import Organization
from sandbox.org import Deal, Meeting, Member, Organisation, Project, WorkItem
from sandbox.salesforce import SalesforceState
from sandbox.trello import TrelloState

ASANA_TOKEN = "sandbox-asana-token"
TRELLO_KEY, TRELLO_TOKEN = "sandbox-trello-key", "sandbox-trello-token"
GOOGLE_CLIENT, GOOGLE_SECRET = "baton-sandbox.apps.googleusercontent.com", "sandbox-secret"
GOOGLE_REFRESH = "sandbox-refresh-token"
SALESFORCE_SESSION = "00Dsandbox!sandbox-session"
SALESFORCE_URL = "https://sandbox.my.salesforce.com"
LIGHTNING_URL = "https://sandbox.lightning.force.com"
ASANA_APP = "https://app.asana.com"
GOOGLE_READ_SCOPES = [f"https://www.googleapis.com/auth/{s}" for s in (
    "calendar.readonly", "contacts.readonly", "tasks.readonly")]
ASANA_EFFORT_FIELDS = {"": ("Estimated hours", 1.0, 0, "none"),
                       "days": ("Effort (days)", 1 / 8, 1, "none"),
                       "minutes": ("Estimated time", 60.0, 0, "duration")}
"""Asana effort form -> (field name, units per hour, precision, format)."""
TRELLO_EFFORT_FIELD = "Est. hours"
DEFAULT_TASK_LIST = "My Tasks"


@dataclass(frozen=True)
class Target:
    """What a link form needs to know about the linked record."""

    tool_id: str
    short_link: str = ""
    id_short: int = 0
    title: str = ""
    workspace: str = ""
    project: str = ""


LINK_FORMS: dict[str, Callable[[Target], str]] = {
    "short": lambda t: f"https://trello.com/c/{t.short_link}",
    "slug": lambda t: f"https://trello.com/c/{t.short_link}/{t.id_short}-"
                      + "-".join(w.capitalize() for w in re.findall(r"\w+", t.title)),
    "asana-project-task": lambda t: f"{ASANA_APP}/1/{t.workspace}/project/{t.project}"
                                    f"/task/{t.tool_id}",
    "asana-task": lambda t: f"{ASANA_APP}/1/{t.workspace}/task/{t.tool_id}",
    "asana-0": lambda t: f"{ASANA_APP}/0/{t.project}/{t.tool_id}/f",
}
"""How a pasted link to the same work in another tool is written."""
DEAL_LINK_FORMS: dict[str, Callable[[str], str]] = {
    "lightning": lambda i: f"{SALESFORCE_URL}/lightning/r/Opportunity/{i}/view",
    "lightning15": lambda i: f"{LIGHTNING_URL}/lightning/r/Opportunity/{i[:15]}/view",
    "classic15": lambda i: f"{SALESFORCE_URL}/{i[:15]}",
}
"""How a Salesforce opportunity URL is written (Salesforce ids have 15 and 18 characters)."""


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
    asana_workspaces: dict[str, str] = field(default_factory=dict)  # account -> gid
    trello_boards: dict[str, str] = field(default_factory=dict)
    calendars: list[str] = field(default_factory=list)

    @property
    def asana_workspace(self) -> str:
        return self.asana_workspaces.get("main", "")

    def put(self, key: str, tool: str, external_id: str) -> None:
        self.ids.setdefault(key, {})[tool] = external_id


def new_replicas(org: Organisation | None = None) -> Replicas:
    """Empty replicas; the Trello token belongs to the organisation's coordinator."""
    coordinator = _coordinator(org)
    username = coordinator.trello_username if coordinator else None
    trello = TrelloState(
        api_key=TRELLO_KEY, token=TRELLO_TOKEN, owner_username=username or "leanovak",
        owner_full_name=coordinator.name_in("trello") if username and coordinator
        else "Lea Novak", owner_email=coordinator.email if username and coordinator else None)
    return Replicas(AsanaState(), trello, GoogleState(),
                    SalesforceState(sessions={SALESFORCE_SESSION}))


def _coordinator(org: Organisation | None) -> Member | None:
    if org is None:
        return None
    return next((m for m in org.members if m.key == org.coordinator), None)


def pin_clocks(replicas: Replicas, now: datetime) -> None:
    for knobs in (replicas.asana.knobs, replicas.trello.knobs, replicas.google.knobs,
                  replicas.salesforce.knobs):
        knobs.clock.set(now)


def seed(org: Organisation, replicas: Replicas) -> Seeded:
    seeded = Seeded()
    _seed_salesforce(org, replicas.salesforce, seeded)
    _seed_trello(org, replicas.trello, seeded)
    _seed_asana(org, replicas.asana, replicas.trello, seeded)
    _link_back(org, replicas, seeded)
    _seed_google(org, replicas.google, seeded)
    return seeded


def _deadline(item: WorkItem, org: Organisation) -> datetime | None:
    """Trello only knows due instants: a date-only deadline is 17:00 for its assignee."""
    if item.due_at is not None or item.due_on is None:
        return item.due_at
    return datetime.combine(item.due_on, time(17), tzinfo=_zone_of(item, org))


def _zone_of(item: WorkItem, org: Organisation) -> ZoneInfo:
    return ZoneInfo(org.member(item.assignees[0]).timezone if item.assignees else "UTC")


# -- Salesforce --------------------------------------------------------------------------

def _seed_salesforce(org: Organisation, sf: SalesforceState, seeded: Seeded) -> None:
    users: dict[str, str] = {}
    for m in (m for m in org.members if m.salesforce):
        first, _, last = m.name_in("salesforce").partition(" ")
        users[m.key] = sf.add_user(f"{m.email}.{org.coordinator}", first_name=first,
                                   last_name=last, email=m.email, time_zone=m.timezone)
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
    deals: dict[str, str] = {}
    for deal in org.deals:
        deals[deal.key] = sf.add_opportunity(
            deal.name, stage=deal.stage, close_date=deal.close_on, owner_id=users[deal.owner],
            account_id=accounts[deal.client], amount=deal.amount)
        seeded.put(f"deal:{deal.key}", "salesforce", deals[deal.key])
    for meeting in (m for m in org.meetings if m.tool == "salesforce"):
        assert meeting.start and meeting.end
        seeded.put(f"meeting:{meeting.key}", "salesforce", sf.add_event(
            meeting.title, start=meeting.start, end=meeting.end, owner_id=users[meeting.owner],
            who_id=contacts.get(meeting.contact or ""), what_id=deals.get(meeting.deal or "")))
    for activity in org.activities:
        seeded.put(f"activity:{activity.key}", "salesforce", sf.add_task(
            activity.subject, owner_id=users[activity.owner], activity_date=activity.due_on,
            status="Completed" if activity.done else "Not Started",
            who_id=contacts.get(activity.contact or "")))
    for m in org.members:
        if m.salesforce and not m.active:
            sf.update(users[m.key], IsActive=False)


# -- Trello ------------------------------------------------------------------------------

def _seed_trello(org: Organisation, trello: TrelloState, seeded: Seeded) -> None:
    owner = trello.members[trello.me_id].username
    members = {m.key: trello.me_id if m.trello_username == owner
               else trello.add_member(m.trello_username, m.name_in("trello"))
               for m in org.members if m.trello_username}
    for key, member_id in members.items():
        seeded.put(f"person:{key}", "trello", member_id)
    outsiders = [trello.add_member(username, name)
                 for username, name in org.unmatched_trello_members]
    for project in (p for p in org.projects if p.tool == "trello"):
        board = trello.add_board(project.name, member_ids=[*members.values(), *outsiders])
        seeded.trello_boards[project.key] = board
        lists = {name: trello.add_list(board, name) for name in project.sections}
        effort = _trello_effort(trello, board, project)
        for item in (i for i in org.items if i.project == project.key):
            card = trello.add_card(
                lists[item.section], item.title, desc=item.notes, due=_deadline(item, org),
                start=datetime.combine(item.start_on, time(9), tzinfo=_zone_of(item, org))
                if item.start_on else None,
                due_complete=item.completed_at is not None,
                member_ids=[members[a] for a in item.assignees])
            effort(card, item.estimate_hours)
            seeded.put(f"item:{item.key}", "trello", card)
            for deal in item.deal_links:
                opportunity = seeded.ids[f"deal:{deal}"]["salesforce"]
                trello.add_attachment(card, "Salesforce opportunity",
                                      DEAL_LINK_FORMS[item.deal_link_form](opportunity))
        for name in project.closed_sections:
            trello.set_list_closed(lists[name], True)
        if project.archived:
            trello.set_board_closed(board, True)


def _trello_effort(trello: TrelloState, board: str, project: Project
                   ) -> Callable[[str, float | None], None]:
    """How a board records effort: a label like `8h`, or a number custom field."""
    if project.effort == "field":
        field_id = trello.add_custom_field(board, TRELLO_EFFORT_FIELD, "number")

        def write_field(card: str, hours: float | None) -> None:
            if hours:
                trello.set_custom_field_item(card, field_id, hours)
        return write_field
    if project.effort:
        raise ValueError(f"Trello boards record effort as a label or 'field', "
                         f"not {project.effort!r}")
    labels: dict[float, str] = {}

    def write_label(card: str, hours: float | None) -> None:
        if hours:
            labels.setdefault(hours, trello.add_label(board, f"{hours:g}h", "blue"))
            trello.cards[card].label_ids.append(labels[hours])
    return write_label


# -- Asana -------------------------------------------------------------------------------

@dataclass
class _AsanaPlaces:
    """Where Asana tasks go: gids of users, projects and sections, and per project the
    effort field (gid, units per hour)."""

    users: dict[str, str] = field(default_factory=dict)
    projects: dict[str, str] = field(default_factory=dict)
    sections: dict[tuple[str, str], str] = field(default_factory=dict)
    effort: dict[str, tuple[str, float]] = field(default_factory=dict)


def _seed_asana(org: Organisation, asana: AsanaState, trello: TrelloState,
                seeded: Seeded) -> None:
    accounts = dict.fromkeys(p.account for p in org.projects if p.tool == "asana")
    for account in sorted(accounts, key=lambda a: a != "main"):
        name = org.name if account == "main" else f"{org.name} ({account})"
        seeded.asana_workspaces[account] = asana.add_workspace(name).gid
    places = _AsanaPlaces(users=_asana_users(org, asana, seeded))
    _asana_projects(org, asana, seeded, places)
    for item in _blockers_first([i for i in org.items if i.project in places.projects]):
        _add_asana_task(org, item, asana, trello, seeded, places)
    for project in (p for p in org.projects if p.key in places.projects and p.archived):
        asana.update_project(places.projects[project.key], archived=True)
    for m in org.members:
        if m.key in places.users and not m.active:
            asana.remove_user_from_workspace(places.users[m.key], seeded.asana_workspace)


def _asana_users(org: Organisation, asana: AsanaState, seeded: Seeded) -> dict[str, str]:
    """Members of the main workspace, under their Asana name; the coordinator owns the
    token and comes first."""
    users: dict[str, str] = {}
    main = seeded.asana_workspace
    for m in sorted(org.members, key=lambda m: m.key != org.coordinator):
        if m.asana_email and main:
            users[m.key] = asana.add_user(
                m.name_in("asana"), m.asana_email, workspaces=[main],
                token=ASANA_TOKEN if m.key == org.coordinator else None).gid
            seeded.put(f"person:{m.key}", "asana", users[m.key])
    return users


def _asana_projects(org: Organisation, asana: AsanaState, seeded: Seeded,
                    places: _AsanaPlaces) -> None:
    """Projects with their sections and effort field (one field per name and workspace)."""
    fields: dict[tuple[str, str], str] = {}
    for project in (p for p in org.projects if p.tool == "asana"):
        workspace = seeded.asana_workspaces[project.account]
        label, per_hour, precision, kind = ASANA_EFFORT_FIELDS[project.effort]
        if (workspace, label) not in fields:
            fields[(workspace, label)] = asana.add_custom_field(
                workspace, label, precision=precision, format=kind).gid
        gid = asana.add_project(workspace, project.name,
                                custom_fields=[fields[(workspace, label)]]).gid
        places.projects[project.key] = gid
        places.effort[project.key] = (fields[(workspace, label)], per_hour)
        places.sections |= {(project.key, name): asana.add_section(gid, name).gid
                            for name in project.sections}
        seeded.put(f"project:{project.key}", "asana", gid)


def _add_asana_task(org: Organisation, item: WorkItem, asana: AsanaState,
                    trello: TrelloState, seeded: Seeded, places: _AsanaPlaces) -> None:
    """A task in its project (and any it is multi-homed in), effort in the project's form."""
    estimate, per_hour = places.effort[item.project]
    notes, html = _asana_notes(org, item, trello, seeded)
    task = asana.add_task(
        item.title, projects=[places.projects[p] for p in (item.project, *item.also_in)],
        section=places.sections[(item.project, item.section)],
        assignee=places.users.get(item.assignees[0]) if item.assignees else None,
        notes=notes, html_notes=html, due_on=item.due_on, due_at=item.due_at,
        start_on=item.start_on, completed=item.completed_at is not None,
        completed_at=item.completed_at,
        dependencies=[seeded.ids[f"item:{b}"]["asana"] for b in item.blocked_by],
        custom_values={estimate: round(item.estimate_hours * per_hour, 2)}
        if item.estimate_hours else None)
    seeded.put(f"item:{item.key}", "asana", task.gid)


def _blockers_first(items: list[WorkItem]) -> list[WorkItem]:
    keys = {b for i in items for b in i.blocked_by}
    return sorted(items, key=lambda i: i.key not in keys)


def _asana_notes(org: Organisation, item: WorkItem, trello: TrelloState, seeded: Seeded
                 ) -> tuple[str, str | None]:
    """Plain notes and, when a link hides under a label, the rich text holding its URL."""
    lines = [item.notes] if item.notes else []
    html_lines = [escape(item.notes, quote=False)] if item.notes else []
    other = org.item(item.links_to) if item.links_to else None
    if other is not None and org.project(other.project).tool == "trello":
        card = trello.cards[seeded.ids[f"item:{other.key}"]["trello"]]
        url = LINK_FORMS[item.link_form](Target(card.id, card.short_link, card.id_short,
                                                card.name))
        lines.append("design card" if item.link_in_html else f"Design card: {url}")
        html_lines.append(f'<a href="{escape(url)}">design card</a>' if item.link_in_html
                          else f"Design card: {escape(url, quote=False)}")
    for deal in item.deal_links:
        url = DEAL_LINK_FORMS[item.deal_link_form](seeded.ids[f"deal:{deal}"]["salesforce"])
        lines.append(f"Opportunity: {url}")
        html_lines.append(f"Opportunity: {escape(url, quote=False)}")
    html = f"<body>{chr(10).join(html_lines)}</body>" if item.link_in_html else None
    return "\n".join(lines), html


def _link_back(org: Organisation, replicas: Replicas, seeded: Seeded) -> None:
    """Links that point at Asana: written once Asana has given out its gids (cards get
    the task URL in their description, opportunities the project URL)."""
    asana, trello = replicas.asana, replicas.trello
    for item in org.items:
        other = org.item(item.links_to) if item.links_to else None
        if other is None or org.project(item.project).tool != "trello":
            continue
        gid = seeded.ids[f"item:{other.key}"]["asana"]
        target = Target(gid, workspace=seeded.asana_workspace,
                        project=seeded.ids[f"project:{other.project}"]["asana"])
        card = seeded.ids[f"item:{item.key}"]["trello"]
        desc = f"{item.notes}\nAsana task: {LINK_FORMS[item.link_form](target)}".strip()
        trello.update_card(card, desc=desc)
    for deal in (d for d in org.deals if d.links_project):
        replicas.salesforce.update(seeded.ids[f"deal:{deal.key}"]["salesforce"],
                                   Description=_project_note(asana, deal, seeded))


def _project_note(asana: AsanaState, deal: Deal, seeded: Seeded) -> str:
    project = asana.projects[seeded.ids[f"project:{deal.links_project}"]["asana"]]
    return (f"Won. Delivery plan and tasks: "
            f"{ASANA_APP}/1/{project.workspace}/project/{project.gid}")


# -- Google ------------------------------------------------------------------------------

def _seed_google(org: Organisation, google: GoogleState, seeded: Seeded) -> None:
    google.oauth.register_client(GOOGLE_CLIENT, GOOGLE_SECRET)
    google.oauth.add_refresh_token(GOOGLE_REFRESH, client_id=GOOGLE_CLIENT,
                                   user=org.google_user, scopes=GOOGLE_READ_SCOPES)
    for m in (m for m in org.members if m.has_calendar):
        google.calendar.add_calendar(m.email, time_zone=m.timezone, summary=m.name)
        google.calendar.share_calendar(m.email, user=org.google_user)
        seeded.calendars.append(m.email)
        seeded.put(f"person:{m.key}", "google", m.email)
    for meeting in (m for m in org.meetings if m.tool == "google"):
        seeded.put(f"meeting:{meeting.key}", "google", _add_event(org, google, meeting))
    for client in org.clients:
        for _key, name, email in client.contacts:
            first, _, last = name.partition(" ")
            google.people.add_contact(first, last, emails=[email],
                                      organizations=[Organization(client.name)])
    _seed_tasks(org, google, seeded)


def _add_event(org: Organisation, google: GoogleState, meeting: Meeting) -> str:
    owner: Member = org.member(meeting.owner)
    calendar = google.calendar
    event = calendar.add_event(
        owner.email, summary=meeting.title, status=meeting.status,
        start=meeting.start or meeting.start_date,  # type: ignore[arg-type]
        end=meeting.end or meeting.end_date,  # type: ignore[arg-type]
        time_zone=meeting.time_zone or owner.timezone, event_type=meeting.event_type,
        transparency="transparent" if meeting.transparent else None,
        attendees=[GoogleAttendee(a.email, a.response) for a in meeting.attendees],
        recurrence=meeting.recurrence)
    for change in meeting.changes:
        if change.cancelled:
            calendar.cancel_instance(event.id, change.original)
        else:
            calendar.add_exception(event.id, change.original, start=change.start,
                                   end=change.end)
    return event.id


def _seed_tasks(org: Organisation, google: GoogleState, seeded: Seeded) -> None:
    """Google task lists: "My Tasks" is the account's default list; a deleted list is
    deleted after its tasks were written, as a person tidying up would."""
    tasks = google.tasks
    for project in (p for p in org.projects if p.tool == "google"):
        list_id = (tasks.default_list_id if project.name == DEFAULT_TASK_LIST
                   else tasks.add_task_list(project.name))
        seeded.put(f"project:{project.key}", "google", list_id)
        for item in (i for i in org.items if i.project == project.key):
            seeded.put(f"item:{item.key}", "google", tasks.add_task(
                list_id, item.title, notes=item.notes or None, due_on=item.due_on))
        if project.deleted:
            tasks.delete_task_list(list_id)
