"""Admin: the rule editor (validate, preview, save, history, restore), people and links."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from feed.users import Role
from model import (
    Identity,
    Link,
    LinkMethod,
    LinkStatus,
    Person,
    PersonOrigin,
    RecordState,
    RuleConfigVersion,
)
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


def seed_link_ends(engine: Engine) -> None:
    with Session(engine) as session:
        task(session)
        task(session, "g1", "Print badges", source="google", project=None)
        task(session, "gone", "Old brief", state=RecordState.deleted,
             deleted_at=NOW - timedelta(days=1))
        session.commit()


def link_form(a: tuple[str, str, str], b: tuple[str, str, str]) -> dict[str, str]:
    parts = ("kind", "source", "external_id")
    return {**{f"a_{p}": v for p, v in zip(parts, a, strict=True)},
            **{f"b_{p}": v for p, v in zip(parts, b, strict=True)}, "note": "same work"}


def test_admin_adds_and_refutes_a_link(app: FastAPI, feed_engine: Engine) -> None:
    seed_link_ends(feed_engine)
    browser = browser_for(app, feed_engine, Role.admin)
    answer = browser.post("/admin/links", link_form(("task", "google", "g1"),
                                                    ("task", "asana-main", "t1")))
    assert answer.status_code == 303
    with Session(feed_engine) as session:
        link = session.exec(select(Link)).one()
    assert (link.a_source, link.b_source) == ("asana-main", "google")  # canonical
    page = browser.client.get("/admin/links").text
    row = page[page.index("<tbody>"):]
    assert 'href="https://app.asana.com/0/p1/t1"' in row and "Send shortlist ↗" in row
    assert "Print badges ↗" in row and "not synced" not in row
    assert browser.post(f"/admin/links/{link.id}/refute").status_code == 303
    with Session(feed_engine) as session:
        refuted = session.get(Link, link.id)
    assert refuted is not None and refuted.status is LinkStatus.refuted
    assert "refuted by admin-user" in (refuted.evidence or "")


@pytest.mark.parametrize(("a", "b", "message"), [
    (("task", "trello-studio", "c1"), ("task", "asana-main", "t1"),
     "unknown source &#34;trello-studio&#34;; configured sources: asana-main, google"),
    (("task", "asana-main", "t9"), ("task", "google", "g1"),
     "no task &#34;t9&#34; in asana-main: check the id"),
    (("project", "asana-main", "t1"), ("task", "google", "g1"),
     "no project &#34;t1&#34; in asana-main"),
    (("task", "asana-main", "gone"), ("task", "google", "g1"),
     "task &#34;gone&#34; in asana-main (Old brief) was deleted at the source"),
    (("task", "asana-main", "t1"), ("task", "asana-main", "t1"),
     "cannot be linked to itself"),
    (("card", "asana-main", "t1"), ("task", "google", "g1"), "unknown kind &#34;card&#34;"),
    (("task", "asana-main", ""), ("task", "google", "g1"), "both ends need a source and an id"),
])
def test_a_link_needs_two_live_records_of_configured_sources(
        app: FastAPI, feed_engine: Engine, a: tuple[str, str, str], b: tuple[str, str, str],
        message: str) -> None:
    seed_link_ends(feed_engine)
    browser = browser_for(app, feed_engine, Role.admin)
    answer = browser.post("/admin/links", link_form(a, b))
    assert answer.status_code == 422
    assert '<p class="flash error" role="alert">' in answer.text and message in answer.text
    assert f'value="{a[2]}"' in answer.text or not a[2]  # what was typed is kept
    with Session(feed_engine) as session:
        assert session.exec(select(Link)).all() == []


def test_links_list_says_which_end_is_missing_or_deleted(app: FastAPI,
                                                         feed_engine: Engine) -> None:
    seed_link_ends(feed_engine)
    with Session(feed_engine) as session:
        session.add(Link(a_kind="task", a_source="asana-main", a_external_id="gone",
                         b_kind="deal", b_source="salesforce", b_external_id="006X",
                         method=LinkMethod.url_in_description))
        session.commit()
    page = browser_for(app, feed_engine, Role.admin).client.get("/admin/links").text
    row = page[page.index("<tbody>"):]
    assert "Old brief" in row and "deleted at the source" in row
    assert "deal 006X" in row and "not synced" in row


@pytest.mark.parametrize(("chosen", "message"), [
    ("abc", "&#34;abc&#34; is not one of the people listed"),
    ("99999999999", "&#34;99999999999&#34; is not one of the people listed"),
    ("4242", "&#34;4242&#34; is not one of the people listed"),
    ("-1", "&#34;-1&#34; is not one of the people listed"),
])
def test_assigning_an_identity_to_no_real_person_is_a_form_error(
        app: FastAPI, feed_engine: Engine, chosen: str, message: str) -> None:
    with Session(feed_engine) as session:
        identity = Identity(source="trello-studio", external_id="m1", username="anaruiz")
        session.add(identity)
        session.commit()
        identity_id = identity.id
    answer = browser_for(app, feed_engine, Role.admin).post(f"/admin/identities/{identity_id}",
                                                            {"person_id": chosen})
    assert answer.status_code == 422
    assert message in answer.text and "invalid literal" not in answer.text
    with Session(feed_engine) as session:
        stored = session.get(Identity, identity_id)
    assert stored is not None and stored.person_id is None


def test_version_diff_is_one_line_per_line(app: FastAPI, feed_engine: Engine) -> None:
    browser = browser_for(app, feed_engine, Role.admin)
    browser.post("/admin/rules", {"text": RULES_TEXT, "op": "save"})
    browser.post("/admin/rules", {"text": RULES_TEXT.replace("warning", "critical"),
                                  "op": "save"})
    page = browser.client.get("/admin/rules/versions/2").text
    diff = page[page.index('<pre class="diff">'):page.index("</pre>")]
    assert diff.count('<span class="d-') == 8  # 2 file lines, a hunk, 3 same, -, +
    assert "\n" not in diff, "spans are blocks: a newline between them is a blank line"
