"""The Google replica as one app: OAuth token endpoint, Calendar, People and Tasks.

In production the three APIs live on different hosts, but a connector given
one root derives each API's base from it (Calendar's discovery document has
`servicePath` `calendar/v3/`, People's and Tasks' paths carry their own
version prefix), so the replica serves them all under one root, sharing one
OAuth state (an access token from `/token` works for every API its scopes
allow) and one set of knobs (a fault queued for `/calendar/` hits only
Calendar; one without a path hits whichever API is called next).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import FastAPI
from starlette.types import ASGIApp

from sandbox import google_calendar, google_oauth, google_people, google_tasks
from sandbox.google_calendar_state import CalendarState
from sandbox.google_common import render_fault
from sandbox.google_frontend import install_not_found_page
from sandbox.google_oauth import OAuthState
from sandbox.google_people import PeopleState
from sandbox.google_tasks import TasksState
from sandbox.knobs import Knobs, KnobsMiddleware, admin_router

_AUTH = "https://www.googleapis.com/auth/"
PEOPLE_SCOPES = frozenset(_AUTH + s for s in ("contacts", "contacts.readonly"))
TASKS_SCOPES = frozenset(_AUTH + s for s in ("tasks", "tasks.readonly"))
CALENDAR_SCOPES = frozenset(_AUTH + s for s in ("calendar", "calendar.readonly"))
ALL_READ_SCOPES = ("calendar.readonly", "contacts.readonly", "tasks.readonly")


@dataclass
class GoogleState:
    """Everything the Google replica knows, around one clock and fault queue."""

    knobs: Knobs = field(default_factory=Knobs)
    oauth: OAuthState = field(init=False)
    calendar: CalendarState = field(init=False)
    people: PeopleState = field(init=False)
    tasks: TasksState = field(init=False)

    def __post_init__(self) -> None:
        self.oauth = OAuthState(knobs=self.knobs)
        self.calendar = CalendarState(self.oauth)
        self.people = PeopleState(knobs=self.knobs)
        self.tasks = TasksState(knobs=self.knobs)


def create_app(state: GoogleState) -> ASGIApp:
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    app.include_router(google_oauth.router(state.oauth))
    app.include_router(google_people.router(state.people, state.oauth.authorizer(PEOPLE_SCOPES)))
    app.include_router(google_tasks.router(state.tasks, state.oauth.authorizer(TASKS_SCOPES)))
    app.include_router(google_calendar.router(state.calendar))
    app.include_router(admin_router(state.knobs))
    app.include_router(google_calendar.admin_state_router(state.calendar))
    install_not_found_page(app)
    return KnobsMiddleware(app, state.knobs, render_fault)
