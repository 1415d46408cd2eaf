"""The feed in a real headless Chromium: what a coordinator and an admin actually do.

Chromium comes from the Debian package (`/usr/bin/chromium`; .ci/run installs
it); Playwright never downloads a browser. Screenshots go to
$BATON_FEED_SHOTS when set, so a person can look at the pages.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from feed.users import Role
from model import Severity, TaskAssignee
from sandbox.server import running
from tests.feed.feed_factories import (
    NOW,
    RULES_TEXT,
    alert,
    make_app,
    person,
    project,
    source_state,
    task,
    user_token,
)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
BAD_RULES = RULES_TEXT + "    params: {max_overdue_day: 3}\n"


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    if shutil.which(CHROMIUM) is None:
        if os.environ.get("CI"):
            pytest.fail("chromium not found; .ci/run installs the Debian package")
        pytest.skip("chromium not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def seed(engine: Engine) -> None:
    with Session(engine) as session:
        ana = person(session)
        person(session, "ben@agency.example", "Ben Okafor", weekly_capacity_hours=32)
        project(session)
        work = task(session, due_on=date(2026, 11, 27), estimate_hours=30)
        source_state(session, "asana-main", NOW)
        session.flush()
        session.add(TaskAssignee(task_id=work.id, user_external_id="u1", person_id=ana.id))
        alert(session)
        alert(session, 'Ben Okafor is double-booked: "Venue walkthrough" and "Call with '
                       'Nordwind"', rule="double-booked", email="ben@agency.example",
              task_id="t2", severity=Severity.critical)
        alert(session, '"Order signage" is due soon and nobody owns it',
              rule="due-soon-unassigned", email=None, task_id="t3")
        session.commit()


def shot(page: Any, name: str) -> None:
    folder = os.environ.get("BATON_FEED_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def signed_in_page(chromium: Any, base_url: str, token: str) -> Any:
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{base_url}/login?token={token}")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/")
    return page


def test_coordinator_filters_opens_and_acks_an_alert(chromium: Any, feed_engine: Engine,
                                                     rules_file: Path) -> None:
    seed(feed_engine)
    token = user_token(feed_engine, Role.coordinator, "Cora")
    with running(make_app(feed_engine, rules_file)) as server:
        page = signed_in_page(chromium, server.base_url, token)
        assert page.locator(".alert-row").count() == 3
        shot(page, "alerts")
        page.select_option("select[name=person]", "ana@agency.example")
        page.get_by_role("button", name="Filter").click()
        assert page.locator(".alert-row").count() == 1
        page.get_by_role("link", name='"Send shortlist" is overdue').click()
        assert page.locator("h1").inner_text() == '"Send shortlist" is overdue'
        shot(page, "detail")
        page.get_by_placeholder("I'm on it: moving the deadline").fill("moving it to Friday")
        page.get_by_role("button", name="Acknowledge").click()
        assert page.get_by_role("status").inner_text() == "Acknowledged."
        history = page.locator(".history").inner_text()
        assert "Cora acknowledged" in history and "moving it to Friday" in history
        page.goto(f"{server.base_url}/?status=acked")
        assert page.locator(".alert-row").count() == 1
        page.goto(f"{server.base_url}/people")
        assert page.locator("svg.bars").count() == 2
        shot(page, "workload")
        page.close()


def test_admin_sees_inline_error_then_previews_and_saves(chromium: Any, feed_engine: Engine,
                                                         rules_file: Path) -> None:
    seed(feed_engine)
    token = user_token(feed_engine, Role.admin, "Ada")
    with running(make_app(feed_engine, rules_file)) as server:
        page = signed_in_page(chromium, server.base_url, token)
        page.goto(f"{server.base_url}/admin/rules")
        page.fill("textarea[name=text]", BAD_RULES)
        page.get_by_role("button", name="Save as new version").click()
        problems = page.locator(".problems").inner_text()
        assert "rules.yaml:5:" in problems and 'unknown param "max_overdue_day"' in problems
        assert page.locator("#line-5.bad").count() == 1
        shot(page, "admin-rules-error")
        page.fill("textarea[name=text]", RULES_TEXT.replace("warning", "critical"))
        page.get_by_role("button", name="Preview").click()
        preview = page.locator(".preview").inner_text()
        assert "Would open" in preview and "Send shortlist" in preview
        shot(page, "admin-rules-preview")
        page.get_by_role("button", name="Save as new version").click()
        assert "Saved as version 1" in page.get_by_role("status").inner_text()
        assert rules_file.read_text() == RULES_TEXT.replace("warning", "critical")
        page.close()
