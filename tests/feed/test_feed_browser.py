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

from feed.settings import Coordinator
from feed.users import Role
from model import RunStatus, Severity, SyncRun, TaskAssignee
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
        confirm = page.locator(".confirm").inner_text()  # two seeded rules are not in it
        assert "Nothing was saved yet" in confirm and "retire 2 alerts" in confirm
        preview = page.locator(".preview").inner_text()
        retire = preview[preview.index("Would retire"):preview.index("Would restore")]
        assert "Venue walkthrough" in retire and "Order signage" in retire
        shot(page, "admin-rules-confirm")
        page.get_by_role("button", name="Save anyway").click()
        assert "Saved as version 1" in page.get_by_role("status").inner_text()
        assert rules_file.read_text() == RULES_TEXT.replace("warning", "critical")
        page.goto(f"{server.base_url}/admin/rules/versions/1")
        shot(page, "admin-version")
        page.close()


def test_admin_pages_read_as_people_read_them(chromium: Any, feed_engine: Engine,
                                              rules_file: Path) -> None:
    """A diff line per line, links by title, unowned work with who acts, failed first."""
    seed(feed_engine)
    with Session(feed_engine) as session:
        task(session, "g1", "Print badges", source="google", project=None)
        session.add(SyncRun(run_id="r1", source="google", stream="tasks",
                            status=RunStatus.skipped, started_at=NOW, finished_at=NOW))
        session.add(SyncRun(run_id="r1", source="google", stream="people",
                            status=RunStatus.failed, started_at=NOW, finished_at=NOW,
                            error="HTTP 401 invalid credentials"))
        session.commit()
    token = user_token(feed_engine, Role.admin, "Ada")
    app = make_app(feed_engine, rules_file, coordinator=Coordinator("lea@agency.example",
                                                                     "Lea Park"))
    with running(app) as server:
        page = signed_in_page(chromium, server.base_url, token)
        assert "Unassigned: Lea Park to act" in page.locator(".group").last.inner_text()
        shot(page, "alerts-unassigned")
        for text in (RULES_TEXT, RULES_TEXT.replace("warning", "critical")):
            page.goto(f"{server.base_url}/admin/rules")
            page.fill("textarea[name=text]", text)
            page.get_by_role("button", name="Save as new version").click()
            if page.locator(".confirm").count():
                page.get_by_role("button", name="Save anyway").click()
        page.goto(f"{server.base_url}/admin/rules/versions/2")
        lines = page.locator("pre.diff").inner_text().splitlines()
        assert lines[-2:] == ["-    severity: warning", "+    severity: critical"]
        assert "" not in lines, "no blank line between diff lines"
        shot(page, "admin-version-diff")
        page.goto(f"{server.base_url}/admin/links")
        page.select_option("select[name=a_source]", "asana-main")
        page.fill("input[name=a_external_id]", "t1")
        page.select_option("select[name=b_source]", "google")
        page.fill("input[name=b_external_id]", "g1")
        page.get_by_role("button", name="Add link").click()
        row = page.locator("tbody tr").first.inner_text()
        assert "Send shortlist" in row and "Print badges" in row
        page.fill("input[name=a_external_id]", "t404")
        page.select_option("select[name=a_source]", "asana-main")
        page.select_option("select[name=b_source]", "google")
        page.fill("input[name=b_external_id]", "g1")
        page.get_by_role("button", name="Add link").click()
        assert 'no task "t404" in asana-main' in page.get_by_role("alert").inner_text()
        shot(page, "admin-links")
        page.goto(f"{server.base_url}/status")
        streams = page.locator("tbody tr td:nth-child(2)").all_inner_texts()
        assert streams.index("people") < streams.index("tasks")
        shot(page, "status")
        page.goto(f"{server.base_url}/?status=retired")
        page.get_by_role("link", name='"Order signage" is due soon and nobody owns it').click()
        assert "Retired: rule due-soon-unassigned is no longer configured" in \
            page.locator(".actions").inner_text()
        shot(page, "alert-retired")
        page.goto(f"{server.base_url}/admin/people")
        assert page.locator("h1").inner_text() == "Directory"
        shot(page, "directory")
        page.close()
