"""Build feed test data through the model: people, alerts with history, users, clients.

Everything goes through the real tables and the real app factory, so tests
exercise the same code paths as `baton serve`; nothing of ours is mocked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from feed.app import create_app
from feed.settings import Coordinator, FeedSettings
from feed.users import Role, add_user
from model import Alert, AlertEvent, AlertStatus, Person, Project, Severity, SourceState, Task
from rules.view import RulesContext

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
RULES_TEXT = """rules:
  - id: overdue
    kind: overdue
    severity: warning
"""
CSRF_FIELD = re.compile(r'name="csrf" value="([^"]+)"')


def settings_for(rules_file: Path | None = None, now: datetime = NOW,
                 coordinator: Coordinator | None = None) -> FeedSettings:
    context = RulesContext(default_timezone="Europe/Berlin",
                           source_max_age_minutes={"asana-main": 60, "google": 60})
    return FeedSettings(rules_context=context, rules_file=rules_file,
                        source_names=["asana-main", "google"], clock=lambda: now,
                        coordinator=coordinator)


def make_app(engine: Engine, rules_file: Path | None = None, now: datetime = NOW,
             coordinator: Coordinator | None = None) -> FastAPI:
    return create_app(settings_for(rules_file, now, coordinator), engine)


def person(session: Session, email: str = "ana@agency.example", name: str = "Ana Ruiz",
           **fields: Any) -> Person:
    row = Person(email=email, name=name, **fields)
    session.add(row)
    session.flush()
    return row


def source_state(session: Session, name: str, last_success_at: datetime | None) -> None:
    session.add(SourceState(name=name, type=name.split("-")[0], last_success_at=last_success_at))


def task(session: Session, external_id: str = "t1", title: str = "Send shortlist",
         source: str = "asana-main", project: str | None = "p1", **fields: Any) -> Task:
    row = Task(source=source, external_id=external_id, title=title,
               url=f"https://app.asana.com/0/{project}/{external_id}",
               project_external_id=project, **fields)
    session.add(row)
    return row


def project(session: Session, external_id: str = "p1", name: str = "Nordwind Summit",
            source: str = "asana-main", owner: str | None = None) -> Project:
    row = Project(source=source, external_id=external_id, name=name, owner_external_id=owner)
    session.add(row)
    return row


def alert(session: Session, title: str = '"Send shortlist" is overdue', *,
          rule: str = "overdue", severity: Severity = Severity.warning,
          status: AlertStatus = AlertStatus.open, email: str | None = "ana@agency.example",
          task_id: str = "t1", url: str = "https://app.asana.com/0/p1/t1",
          fingerprint: str | None = None, at: datetime = NOW - timedelta(hours=2)) -> Alert:
    """An alert with one task subject (and a person), its evidence and an `open` event."""
    subjects: list[dict[str, Any]] = [{"type": "task", "source": "asana-main",
                                       "external_id": task_id, "email": email}]
    if email:
        subjects.insert(0, {"type": "person", "source": None, "external_id": None,
                            "email": email})
    row = Alert(rule=rule, kind=rule.replace("-", "_"), severity=severity, title=title,
                summary="Due yesterday, still open.", subjects=subjects,
                evidence=[{"fact": f"task {title} due 2026-11-24", "url": url, "type": "task",
                           "source": "asana-main", "external_id": task_id}],
                sources=["asana-main"], status=status,
                fingerprint=fingerprint or f"fp-{rule}-{task_id}", first_seen=at, last_seen=at)
    session.add(row)
    session.flush()
    session.add(AlertEvent(alert_id=row.id, at=at, actor="baton", action="open",
                           to_status=AlertStatus.open))
    return row


def user_token(engine: Engine, role: Role, name: str | None = None) -> str:
    with Session(engine) as session:
        token = add_user(session, name or f"{role.value}-user", role, NOW).token
        session.commit()
    return token


@dataclass
class Browser:
    """A TestClient signed in through the real sign-in form, with its CSRF token."""

    client: TestClient
    csrf: str

    def post(self, path: str, data: dict[str, str] | None = None, *, csrf: bool = True
             ) -> Any:
        form = dict(data or {})
        if csrf:
            form["csrf"] = self.csrf
        return self.client.post(path, data=form, follow_redirects=False)


def sign_in(app: FastAPI, token: str) -> Browser:
    client = TestClient(app)
    page = client.get("/login")
    login_csrf = CSRF_FIELD.search(page.text)
    assert login_csrf is not None
    done = client.post("/login", data={"csrf": login_csrf.group(1), "token": token,
                                       "next": "/"}, follow_redirects=False)
    assert done.status_code == 303, done.text
    home = client.get("/account")
    csrf = CSRF_FIELD.search(home.text)
    assert csrf is not None
    return Browser(client, csrf.group(1))


def browser_for(app: FastAPI, engine: Engine, role: Role) -> Browser:
    return sign_in(app, user_token(engine, role))
