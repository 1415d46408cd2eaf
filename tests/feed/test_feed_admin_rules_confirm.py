"""The rules editor never loses people's work: saves that take alerts away are confirmed,
and alerts of a removed rule are retired, then restored as they were."""

from __future__ import annotations

import re
from datetime import date

from fastapi import FastAPI
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from feed.users import Role
from model import Alert, AlertEvent, AlertStatus, RuleConfigVersion
from tests.feed.feed_factories import NOW, RULES_TEXT, Browser, browser_for, source_state, task

NO_RULES = "rules: []\n"
CONFIRM = re.compile(r'name="confirm" value="([0-9a-f]+)"')


def seed(engine: Engine) -> None:
    with Session(engine) as session:
        task(session, due_on=date(2026, 11, 20))
        source_state(session, "asana-main", NOW)
        session.commit()


def versions(engine: Engine) -> int:
    with Session(engine) as session:
        return len(session.exec(select(RuleConfigVersion)).all())


def the_alert(engine: Engine) -> Alert:
    with Session(engine) as session:
        return session.exec(select(Alert)).one()


def acked_alert(app: FastAPI, engine: Engine) -> tuple[Browser, int]:
    """Rules saved, the overdue alert open, then acknowledged with a note by an admin."""
    seed(engine)
    browser = browser_for(app, engine, Role.admin)
    assert browser.post("/admin/rules", {"text": RULES_TEXT, "op": "save"}).status_code == 303
    alert_id = the_alert(engine).id or 0
    done = browser.post(f"/alerts/{alert_id}/ack", {"note": "calling the supplier"})
    assert done.status_code == 303
    return browser, alert_id


def section(page: str, heading: str) -> str:
    start = page.index(f"{heading} <span")
    return page[start:page.index("</ul>", start)]


def test_a_save_that_retires_shows_the_preview_and_saves_nothing(app: FastAPI,
                                                                 feed_engine: Engine) -> None:
    browser, alert_id = acked_alert(app, feed_engine)
    answer = browser.post("/admin/rules", {"text": NO_RULES, "op": "save"})
    assert answer.status_code == 200
    assert "Nothing was saved yet" in answer.text and "retire 1 alert" in answer.text
    assert "Send shortlist" in section(answer.text, "Would retire")
    assert f"#{alert_id} acked" in section(answer.text, "Would retire")
    assert 'value="confirm"' in answer.text and CONFIRM.search(answer.text)
    assert versions(feed_engine) == 1
    assert the_alert(feed_engine).status is AlertStatus.acked


def test_confirmed_save_retires_and_restoring_the_version_brings_the_alert_back(
        app: FastAPI, feed_engine: Engine) -> None:
    browser, alert_id = acked_alert(app, feed_engine)
    asked = browser.post("/admin/rules", {"text": NO_RULES, "op": "save"})
    digest = CONFIRM.search(asked.text)
    assert digest is not None
    done = browser.post("/admin/rules", {"text": NO_RULES, "op": "confirm",
                                         "confirm": digest.group(1)})
    assert done.status_code == 303 and "retired+1" in done.headers["location"]
    assert versions(feed_engine) == 2
    alert = the_alert(feed_engine)
    assert (alert.id, alert.status) == (alert_id, AlertStatus.retired)

    client = browser.client
    assert "Send shortlist" not in client.get("/").text
    assert "Send shortlist" not in client.get("/?status=all").text
    assert "Send shortlist" in client.get("/?status=retired").text
    detail = client.get(f"/alerts/{alert_id}").text
    assert "retired it (its rule was removed)" in detail and "Acknowledge" not in detail

    restored = browser.post("/admin/rules/versions/1/restore")
    assert restored.status_code == 303, "bringing alerts back needs no confirmation"
    alert = the_alert(feed_engine)
    assert (alert.id, alert.status) == (alert_id, AlertStatus.acked)
    with Session(feed_engine) as session:
        events = session.exec(select(AlertEvent).where(AlertEvent.alert_id == alert_id)
                              .order_by(col(AlertEvent.id))).all()
    assert [e.action for e in events] == ["open", "ack", "retire", "restore"]
    assert events[1].note == "calling the supplier"
    assert "restored it as it was" in client.get(f"/alerts/{alert_id}").text


def test_a_confirmation_for_another_preview_asks_again(app: FastAPI,
                                                       feed_engine: Engine) -> None:
    browser, _ = acked_alert(app, feed_engine)
    answer = browser.post("/admin/rules", {"text": NO_RULES, "op": "confirm",
                                           "confirm": "0" * 32})
    assert answer.status_code == 200 and "What this save would do changed" in answer.text
    odd = browser.post("/admin/rules", {"text": NO_RULES, "op": "confirm", "confirm": "ä€"})
    assert odd.status_code == 200 and "Nothing was saved yet" in odd.text
    assert versions(feed_engine) == 1
    assert browser.post("/admin/rules", {"text": NO_RULES, "op": "confirm"},
                        csrf=False).status_code == 403


def test_a_save_that_resolves_asks_too(app: FastAPI, feed_engine: Engine) -> None:
    browser, _ = acked_alert(app, feed_engine)
    patient = RULES_TEXT + "    params: {min_overdue_hours: 480}\n"
    answer = browser.post("/admin/rules", {"text": patient, "op": "save"})
    assert answer.status_code == 200 and "resolve 1 alert" in answer.text
    assert "Send shortlist" in section(answer.text, "Would resolve")
    assert versions(feed_engine) == 1


def test_restoring_a_version_that_would_retire_asks_first(app: FastAPI,
                                                          feed_engine: Engine) -> None:
    seed(feed_engine)
    browser = browser_for(app, feed_engine, Role.admin)
    assert browser.post("/admin/rules", {"text": NO_RULES, "op": "save"}).status_code == 303
    assert browser.post("/admin/rules", {"text": RULES_TEXT, "op": "save"}).status_code == 303
    answer = browser.post("/admin/rules/versions/1/restore")
    assert answer.status_code == 200 and "retire 1 alert" in answer.text
    assert 'value="restored version 1"' in answer.text
    digest = CONFIRM.search(answer.text)
    assert digest is not None and versions(feed_engine) == 2
    done = browser.post("/admin/rules", {"text": NO_RULES, "op": "confirm",
                                         "note": "restored version 1",
                                         "confirm": digest.group(1)})
    assert done.status_code == 303
    with Session(feed_engine) as session:
        newest = session.exec(select(RuleConfigVersion)
                              .order_by(col(RuleConfigVersion.id).desc())).first()
    assert newest is not None and newest.note == "restored version 1"
    assert the_alert(feed_engine).status is AlertStatus.retired


def test_a_save_that_only_opens_goes_straight_through(app: FastAPI,
                                                      feed_engine: Engine) -> None:
    seed(feed_engine)
    browser = browser_for(app, feed_engine, Role.admin)
    assert browser.post("/admin/rules", {"text": RULES_TEXT, "op": "save"}).status_code == 303
    assert the_alert(feed_engine).status is AlertStatus.open
