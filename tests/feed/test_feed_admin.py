"""Admin: the rule editor (validate, preview, save, history, restore), people and links."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from feed.users import Role
from model import Identity, Link, LinkStatus, Person, PersonOrigin, RuleConfigVersion
from tests.feed.feed_factories import NOW, RULES_TEXT, browser_for, person, source_state, task

BAD_RULES = """rules:
  - id: overdue
    kind: overdue
    params: {min_overdue_hour: 3}
"""


def seed_overdue(engine: Engine) -> None:
    with Session(engine) as session:
        task(session, due_on=date(2026, 11, 20))
        source_state(session, "asana-main", NOW)
        session.commit()


def test_invalid_rules_show_file_line_errors_inline(app: FastAPI, feed_engine: Engine) -> None:
    browser = browser_for(app, feed_engine, Role.admin)
    answer = browser.post("/admin/rules", {"text": BAD_RULES, "op": "save"})
    assert answer.status_code == 422
    assert "rules.yaml:4:" in answer.text
    assert "unknown param &#34;min_overdue_hour&#34;" in answer.text
    assert 'id="line-4" class="bad"' in answer.text
    assert "min_overdue_hour: 3" in answer.text  # the typed text is kept
    with Session(feed_engine) as session:
        assert session.exec(select(RuleConfigVersion)).first() is None


def test_preview_lists_what_would_open_and_writes_nothing(app: FastAPI,
                                                         feed_engine: Engine) -> None:
    seed_overdue(feed_engine)
    browser = browser_for(app, feed_engine, Role.admin)
    answer = browser.post("/admin/rules", {"text": RULES_TEXT, "op": "preview"})
    assert answer.status_code == 200
    opens = answer.text[answer.text.index("Would open"):answer.text.index("Would resolve")]
    assert "Send shortlist" in opens and "new" in opens
    assert browser.client.get("/").text.count("alert-row") == 0


def test_save_stores_a_version_writes_the_file_and_evaluates(
        app: FastAPI, feed_engine: Engine, rules_file: Path) -> None:
    seed_overdue(feed_engine)
    browser = browser_for(app, feed_engine, Role.admin)
    text = RULES_TEXT.replace("warning", "critical")
    answer = browser.post("/admin/rules", {"text": text, "op": "save", "note": "louder"})
    assert answer.status_code == 303
    page = browser.client.get(answer.headers["location"])
    assert "Saved as version 1" in page.text and "opened 1" in page.text
    assert rules_file.read_text() == text
    with Session(feed_engine) as session:
        version = session.exec(select(RuleConfigVersion)).one()
    assert (version.author, version.note) == ("admin-user", "louder")
    assert "Critical" in browser.client.get("/").text


def test_history_diff_and_restore(app: FastAPI, feed_engine: Engine, rules_file: Path) -> None:
    browser = browser_for(app, feed_engine, Role.admin)
    browser.post("/admin/rules", {"text": RULES_TEXT, "op": "save"})
    louder = RULES_TEXT.replace("warning", "critical")
    browser.post("/admin/rules", {"text": louder, "op": "save"})
    diff = browser.client.get("/admin/rules/versions/2").text
    assert '<span class="d-del">-    severity: warning</span>' in diff
    assert '<span class="d-add">+    severity: critical</span>' in diff
    assert browser.post("/admin/rules/versions/1/restore").status_code == 303
    assert rules_file.read_text() == RULES_TEXT
    with Session(feed_engine) as session:
        newest = session.exec(select(RuleConfigVersion).order_by(
            RuleConfigVersion.id.desc())).first()  # type: ignore[union-attr]
    assert newest is not None and newest.note == "restored version 1"


def test_unknown_version_is_404(app: FastAPI, feed_engine: Engine) -> None:
    browser = browser_for(app, feed_engine, Role.admin)
    assert browser.client.get("/admin/rules/versions/7").status_code == 404


def test_admin_edits_a_discovered_person_not_a_configured_one(app: FastAPI,
                                                              feed_engine: Engine) -> None:
    with Session(feed_engine) as session:
        found = person(session, "zoe@agency.example", "Zoe")
        configured = person(session, origin=PersonOrigin.config)
        ids = found.id, configured.id
        session.commit()
    browser = browser_for(app, feed_engine, Role.admin)
    ok = browser.post(f"/admin/people/{ids[0]}", {"name": "Zoe Q", "capacity": "24",
                                                  "timezone": "Europe/Paris"})
    assert ok.status_code == 303
    refused = browser.post(f"/admin/people/{ids[1]}", {"name": "x", "capacity": "1"})
    assert refused.status_code == 422 and "set in baton.yaml" in refused.text
    bad = browser.post(f"/admin/people/{ids[0]}", {"name": "Z", "capacity": "24",
                                                   "timezone": "Mars/Olympus"})
    assert bad.status_code == 422 and "unknown timezone" in bad.text
    with Session(feed_engine) as session:
        zoe = session.get(Person, ids[0])
    assert zoe is not None
    assert (zoe.name, zoe.weekly_capacity_hours, zoe.timezone, zoe.active) == (
        "Zoe Q", 24.0, "Europe/Paris", False)


def test_admin_assigns_an_unmatched_identity(app: FastAPI, feed_engine: Engine) -> None:
    with Session(feed_engine) as session:
        ana = person(session)
        identity = Identity(source="trello-studio", external_id="m1", username="anaruiz")
        session.add(identity)
        session.commit()
        ids = ana.id, identity.id
    browser = browser_for(app, feed_engine, Role.admin)
    assert "anaruiz" in browser.client.get("/people").text  # listed as unmatched
    answer = browser.post(f"/admin/identities/{ids[1]}", {"person_id": str(ids[0])})
    assert answer.status_code == 303
    with Session(feed_engine) as session:
        stored = session.get(Identity, ids[1])
    assert stored is not None and stored.person_id == ids[0]
    assert stored.method is not None and stored.method.value == "manual"


def test_admin_adds_and_refutes_a_link(app: FastAPI, feed_engine: Engine) -> None:
    browser = browser_for(app, feed_engine, Role.admin)
    answer = browser.post("/admin/links", {
        "a_kind": "task", "a_source": "trello-studio", "a_external_id": "c1",
        "b_kind": "task", "b_source": "asana-main", "b_external_id": "t1", "note": "same"})
    assert answer.status_code == 303
    with Session(feed_engine) as session:
        link = session.exec(select(Link)).one()
    assert (link.a_source, link.b_source) == ("asana-main", "trello-studio")  # canonical
    assert browser.post(f"/admin/links/{link.id}/refute").status_code == 303
    with Session(feed_engine) as session:
        refuted = session.get(Link, link.id)
    assert refuted is not None and refuted.status is LinkStatus.refuted
    assert "refuted by admin-user" in (refuted.evidence or "")


def test_link_to_itself_is_refused(app: FastAPI, feed_engine: Engine) -> None:
    browser = browser_for(app, feed_engine, Role.admin)
    end = {"kind": "task", "source": "asana-main", "external_id": "t1"}
    form = {f"{side}_{k}": v for side in "ab" for k, v in end.items()}
    answer = browser.post("/admin/links", form)
    assert answer.status_code == 422 and "cannot be linked to itself" in answer.text
