"""Strings from synced tools are untrusted: escaped everywhere, `javascript:` never a link."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy.engine import Engine
from sqlmodel import Session

from feed.render import safe_url
from feed.users import Role
from tests.feed.feed_factories import alert, browser_for, person, task

HOSTILE = "<script>alert(1)</script>"


def seed_hostile(engine: Engine) -> int:
    with Session(engine) as session:
        person(session, name=f"Mallory {HOSTILE}")
        task(session, title=HOSTILE)
        row = alert(session, f'"{HOSTILE}" is overdue', url="javascript:alert(1)")
        session.commit()
        return row.id or 0


def test_hostile_title_is_escaped_on_every_page(app: FastAPI, feed_engine: Engine) -> None:
    alert_id = seed_hostile(feed_engine)
    client = browser_for(app, feed_engine, Role.admin).client
    for path in ("/", f"/alerts/{alert_id}", "/people", "/admin/people"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert HOSTILE not in page.text, path
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in client.get(f"/alerts/{alert_id}").text


def test_javascript_url_is_never_a_link(app: FastAPI, feed_engine: Engine) -> None:
    alert_id = seed_hostile(feed_engine)
    client = browser_for(app, feed_engine, Role.viewer).client
    for path in ("/", f"/alerts/{alert_id}"):
        assert 'href="javascript:' not in client.get(path).text.lower()
    assert "link hidden: javascript:alert(1)" in client.get(f"/alerts/{alert_id}").text


def test_only_http_urls_pass() -> None:
    assert safe_url("https://app.asana.com/0/1/2") == "https://app.asana.com/0/1/2"
    for bad in ("javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,x", "//x",
                "vbscript:x", None, 3):
        assert safe_url(bad) is None


def test_hostile_title_in_api_is_plain_json(app: FastAPI, feed_engine: Engine) -> None:
    seed_hostile(feed_engine)
    body = browser_for(app, feed_engine, Role.viewer).client.get("/api/v1/alerts").json()
    assert body["alerts"][0]["title"] == f'"{HOSTILE}" is overdue'
