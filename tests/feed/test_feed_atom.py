"""The Atom feed: valid RFC 4287, ids stable across re-evaluations, tokens revocable."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from feed.app import create_app
from feed.atom import entry_id
from feed.settings import FeedSettings
from feed.users import Role
from model import Alert
from rules import evaluate
from rules.config import parse_rules
from tests.feed.feed_factories import (
    BASE_URL,
    NOW,
    RULES_TEXT,
    Browser,
    alert,
    browser_for,
    settings_for,
    source_state,
    task,
)

A = "{http://www.w3.org/2005/Atom}"


def feed_url(browser: Browser) -> str:
    page = browser.post("/account/feed-token")
    assert page.status_code == 200
    found = re.search(f'value="({re.escape(BASE_URL)}/atom/[^"]+\\.xml)"', page.text)
    assert found is not None
    return found.group(1).removeprefix(BASE_URL)


def parse(client: TestClient, url: str) -> ET.Element:
    answer = client.get(url)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/atom+xml")
    return ET.fromstring(answer.content)


def test_feed_is_valid_atom(app: FastAPI, feed_engine: Engine) -> None:
    with Session(feed_engine) as session:
        row = alert(session, "Late <task> & co")
        session.commit()
        fingerprint = row.fingerprint
    browser = browser_for(app, feed_engine, Role.viewer)
    root = parse(TestClient(app), feed_url(browser))
    assert root.tag == f"{A}feed"
    for name in ("id", "title", "updated", "author"):
        assert len(root.findall(f"{A}{name}")) == 1, name
    assert root.find(f"{A}link[@rel='self']") is not None
    (entry,) = root.findall(f"{A}entry")
    for name in ("id", "title", "updated", "published"):
        assert len(entry.findall(f"{A}{name}")) == 1, name
    assert entry.findtext(f"{A}id") == entry_id(fingerprint)
    assert entry.findtext(f"{A}title") == "Late <task> & co"
    link = entry.find(f"{A}link[@rel='alternate']")
    assert link is not None and link.get("href") == f"{BASE_URL}/alerts/1"
    assert entry.findtext(f"{A}updated", "").endswith("Z")


def test_ids_and_updated_stay_put_across_reevaluations(app: FastAPI,
                                                       feed_engine: Engine) -> None:
    config = parse_rules(RULES_TEXT, "rules.yaml")
    settings = settings_for()
    with Session(feed_engine) as session:
        task(session, due_on=date(2026, 11, 20))
        source_state(session, "asana-main", NOW)
        session.commit()
        evaluate.run(session, config, settings.rules_context, NOW)
    browser = browser_for(app, feed_engine, Role.viewer)
    url = feed_url(browser)
    client = TestClient(app)
    first = parse(client, url).find(f"{A}entry")
    with Session(feed_engine) as session:
        evaluate.run(session, config, settings.rules_context, NOW + timedelta(minutes=10))
    again = parse(client, url).find(f"{A}entry")
    assert first is not None and again is not None
    assert again.findtext(f"{A}id") == first.findtext(f"{A}id")
    assert again.findtext(f"{A}updated") == first.findtext(f"{A}updated")


def test_ack_changes_updated_and_title(app: FastAPI, feed_engine: Engine) -> None:
    with Session(feed_engine) as session:
        alert(session)
        session.commit()
    browser = browser_for(app, feed_engine, Role.coordinator)
    url = feed_url(browser)
    before = parse(TestClient(app), url).find(f"{A}entry")
    browser.post("/alerts/1/ack", {"note": "mine"})
    after = parse(TestClient(app), url).find(f"{A}entry")
    assert before is not None and after is not None
    assert after.findtext(f"{A}title", "").startswith("[ACKED] ")
    assert after.findtext(f"{A}updated") != before.findtext(f"{A}updated")


def test_new_feed_link_revokes_the_old_one(app: FastAPI, feed_engine: Engine) -> None:
    browser = browser_for(app, feed_engine, Role.viewer)
    old = feed_url(browser)
    new = feed_url(browser)
    client = TestClient(app)
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    browser.post("/account/feed-token/revoke")
    assert client.get(new).status_code == 404


def test_feed_token_cannot_sign_in_or_call_the_api(app: FastAPI, feed_engine: Engine) -> None:
    token = feed_url(browser_for(app, feed_engine, Role.admin)).split("/")[-1][:-4]
    answer = TestClient(app).get("/api/v1/alerts", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 401


def test_resolved_alert_leaves_the_feed_after_a_week(app: FastAPI, feed_engine: Engine) -> None:
    with Session(feed_engine) as session:
        alert_id = alert(session).id
        session.commit()
    browser = browser_for(app, feed_engine, Role.coordinator)
    url = feed_url(browser)
    browser.post(f"/alerts/{alert_id}/resolve")
    assert parse(TestClient(app), url).find(f"{A}entry") is not None
    with Session(feed_engine) as session:
        stored = session.get(Alert, alert_id)
        assert stored is not None
        stored.resolved_at = NOW - timedelta(days=8)
        session.add(stored)
        session.commit()
    assert parse(TestClient(app), url).find(f"{A}entry") is None


@pytest.mark.parametrize("configured", [True, False])
def test_links_never_follow_the_host_header(feed_engine: Engine, configured: bool) -> None:
    """Whoever sends a request picks its Host: a poisoned one must not reach a link, with
    or without a configured base URL."""
    settings = settings_for() if configured else FeedSettings(clock=lambda: NOW)
    app = create_app(settings, feed_engine)
    with Session(feed_engine) as session:
        alert(session)
        session.commit()
    browser = browser_for(app, feed_engine, Role.viewer)
    evil = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}
    page = browser.client.post("/account/feed-token", data={"csrf": browser.csrf},
                               headers=evil)
    assert "evil.example" not in page.text
    assert f'value="{settings.base_url}/atom/' in page.text
    url = re.search(r'/atom/[^"]+\.xml', page.text)
    assert url is not None
    feed = TestClient(app).get(url.group(0), headers=evil)
    hrefs = [e.get("href") for e in ET.fromstring(feed.content).iter(f"{A}link")]
    assert len(hrefs) == 3, hrefs
    assert all(h.startswith(f"{settings.base_url}/") for h in hrefs), hrefs
