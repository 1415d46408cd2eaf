"""The alerts page, an alert's detail, and acting on alerts: one test per outcome."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from feed.users import Role
from model import Alert, AlertEvent, AlertStatus, Severity
from tests.feed.feed_factories import NOW, alert, browser_for, person, project, source_state, task


def seed(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        person(session)
        person(session, "ben@agency.example", "Ben Okafor")
        project(session)
        task(session)
        source_state(session, "asana-main", NOW)
        ids = {
            "ana": alert(session).id or 0,
            "ben": alert(session, "Ben is double-booked", rule="double-booked",
                         email="ben@agency.example", task_id="t2",
                         severity=Severity.critical).id or 0,
            "done": alert(session, "Old news", task_id="t3",
                          status=AlertStatus.resolved).id or 0,
        }
        session.commit()
    return ids


def test_home_groups_by_severity_then_person(app: FastAPI, feed_engine: Engine) -> None:
    seed(feed_engine)
    page = browser_for(app, feed_engine, Role.viewer).client.get("/")
    assert page.status_code == 200
    text = page.text[page.text.index('class="group"'):]  # after the filter menus
    assert text.index("Critical") < text.index("Ben Okafor") < text.index("Warning") \
        < text.index("Ana Ruiz")
    assert "Old news" not in text  # resolved is not active
    assert "Nordwind Summit" in text  # project of the alert's task
    assert 'href="https://app.asana.com/0/p1/t1"' in text  # deep link from evidence


def test_filters_narrow_the_list(app: FastAPI, feed_engine: Engine) -> None:
    seed(feed_engine)
    client = browser_for(app, feed_engine, Role.viewer).client
    assert "Ben is double-booked" not in client.get("/?person=ana@agency.example").text
    assert "Send shortlist" not in client.get("/?rule=double-booked").text
    assert "Send shortlist" in client.get("/?project=Nordwind+Summit").text
    assert "Ben is double-booked" not in client.get("/?severity=warning").text
    assert "Old news" in client.get("/?status=resolved").text
    assert "Nothing here" in client.get("/?source=google").text


def test_signed_out_visitor_is_sent_to_sign_in(app: FastAPI) -> None:
    from fastapi.testclient import TestClient

    answer = TestClient(app).get("/?rule=x", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=%2F%3Frule%3Dx"


def test_detail_shows_evidence_subjects_history(app: FastAPI, feed_engine: Engine) -> None:
    ids = seed(feed_engine)
    page = browser_for(app, feed_engine, Role.viewer).client.get(f"/alerts/{ids['ana']}")
    assert page.status_code == 200
    assert "task &#34;Send shortlist&#34; is overdue due 2026-11-24" in page.text
    assert ">Send shortlist</a>" in page.text  # subject labelled with the task title
    assert "opened" in page.text
    assert "acting on them needs the coordinator role" in page.text


def test_unknown_alert_is_404(app: FastAPI, feed_engine: Engine) -> None:
    answer = browser_for(app, feed_engine, Role.viewer).client.get("/alerts/999")
    assert answer.status_code == 404
    assert "no alert 999" in answer.text


def test_coordinator_acks_with_note_and_history_records_it(app: FastAPI,
                                                          feed_engine: Engine) -> None:
    ids = seed(feed_engine)
    browser = browser_for(app, feed_engine, Role.coordinator)
    answer = browser.post(f"/alerts/{ids['ana']}/ack", {"note": "on it"})
    assert answer.status_code == 303
    page = browser.client.get(answer.headers["location"])
    assert "Acknowledged." in page.text and "on it" in page.text
    with Session(feed_engine) as session:
        event = session.exec(select(AlertEvent).where(AlertEvent.action == "ack")).one()
    assert (event.actor, event.note, event.to_status) == ("coordinator-user", "on it",
                                                          AlertStatus.acked)


def test_snooze_until_a_local_time(app: FastAPI, feed_engine: Engine) -> None:
    ids = seed(feed_engine)
    browser = browser_for(app, feed_engine, Role.coordinator)
    answer = browser.post(f"/alerts/{ids['ana']}/snooze", {"until": "2026-11-27T09:00"})
    assert answer.status_code == 303
    page = browser.client.get(f"/alerts/{ids['ana']}")
    assert "until Fri 27 Nov 09:00" in page.text  # Europe/Berlin, as typed


@pytest.mark.parametrize(("until", "problem"), [
    ("2020-01-01T09:00", "a snooze must end in the future"),
    ("2026-11-25T10:59", "a snooze must end in the future"),  # 09:59 UTC, Berlin is +1
    ("2027-02-24T09:00", "a snooze may last at most 90 days"),
    ("9999-12-31T23:59", "a snooze may last at most 90 days"),
    ("+10000-01-01T00:00", "is not a date and time"),
    ("tomorrow", "is not a date and time"),
    ("", "say until when to snooze"),
])
def test_a_bad_snooze_end_is_a_form_error(app: FastAPI, feed_engine: Engine, until: str,
                                          problem: str) -> None:
    ids = seed(feed_engine)
    browser = browser_for(app, feed_engine, Role.coordinator)
    answer = browser.post(f"/alerts/{ids['ana']}/snooze", {"until": until})
    assert answer.status_code == 422
    flash = re.search(r'role="alert">([^<]*)<', answer.text)
    assert flash is not None and html.escape(problem, quote=True) in flash.group(1)
    assert 'action="/alerts/1/snooze"' in answer.text  # the form is there to try again
    with Session(feed_engine) as session:
        assert session.get(Alert, ids["ana"]).status is AlertStatus.open


def test_a_far_future_snooze_already_stored_still_renders(app: FastAPI,
                                                          feed_engine: Engine) -> None:
    """Stored before ends were bounded: every page showing it must still work."""
    ids = seed(feed_engine)
    with Session(feed_engine) as session:
        row = session.get(Alert, ids["ana"])
        row.status, row.snoozed_until = AlertStatus.snoozed, datetime.max.replace(tzinfo=UTC)
        session.add(row)
        session.commit()
    client = browser_for(app, feed_engine, Role.viewer).client
    page = client.get(f"/alerts/{ids['ana']}")
    assert page.status_code == 200 and "until Fri 31 Dec 23:59 UTC" in page.text
    assert "Send shortlist" in client.get("/?status=snoozed").text
    api = client.get(f"/api/v1/alerts/{ids['ana']}")
    assert api.json()["alert"]["snoozed_until"].startswith("9999-12-31T23:59:59")


def test_resolve_then_resolving_again_conflicts(app: FastAPI, feed_engine: Engine) -> None:
    ids = seed(feed_engine)
    browser = browser_for(app, feed_engine, Role.admin)
    assert browser.post(f"/alerts/{ids['ana']}/resolve", {"note": "fixed"}).status_code == 303
    again = browser.post(f"/alerts/{ids['ana']}/resolve", {"note": "again"})
    assert again.status_code == 409
    assert "it is resolved" in again.text


def test_viewer_cannot_act(app: FastAPI, feed_engine: Engine) -> None:
    ids = seed(feed_engine)
    answer = browser_for(app, feed_engine, Role.viewer).post(f"/alerts/{ids['ana']}/ack")
    assert answer.status_code == 403
    assert "coordinator role" in answer.text


def test_action_on_missing_alert_is_404(app: FastAPI, feed_engine: Engine) -> None:
    answer = browser_for(app, feed_engine, Role.coordinator).post("/alerts/999/ack")
    assert answer.status_code == 404


def test_missing_csrf_is_403(app: FastAPI, feed_engine: Engine) -> None:
    ids = seed(feed_engine)
    browser = browser_for(app, feed_engine, Role.coordinator)
    assert browser.post(f"/alerts/{ids['ana']}/ack", csrf=False).status_code == 403


def test_wrong_csrf_is_403_and_changes_nothing(app: FastAPI, feed_engine: Engine) -> None:
    ids = seed(feed_engine)
    browser = browser_for(app, feed_engine, Role.coordinator)
    answer = browser.client.post(f"/alerts/{ids['ana']}/ack", data={"csrf": "forged"})
    assert answer.status_code == 403
    with Session(feed_engine) as session:
        assert session.exec(select(AlertEvent).where(AlertEvent.action == "ack")).first() \
            is None


def test_unknown_action_is_rejected(app: FastAPI, feed_engine: Engine) -> None:
    ids = seed(feed_engine)
    answer = browser_for(app, feed_engine, Role.coordinator).post(f"/alerts/{ids['ana']}/nuke")
    assert answer.status_code == 400
