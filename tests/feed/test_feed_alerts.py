"""The alerts page, an alert's detail, and acting on alerts: one test per outcome."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from feed.users import Role
from model import AlertEvent, AlertStatus, Severity
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


def test_snooze_in_the_past_is_refused(app: FastAPI, feed_engine: Engine) -> None:
    ids = seed(feed_engine)
    browser = browser_for(app, feed_engine, Role.coordinator)
    answer = browser.post(f"/alerts/{ids['ana']}/snooze", {"until": "2020-01-01T09:00"})
    assert answer.status_code == 409
    assert "a snooze must end in the future" in answer.text


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
