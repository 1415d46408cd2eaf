"""Sync against the sandbox organisation, on SQLite and PostgreSQL.

Complete fill, a no-op rerun, identities and links of the sample
organisation, deletions flowing incrementally, expired cursors re-listing and
tombstoning exactly what is missing, and a partial listing deleting nothing.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sync_helpers import at, snapshot, state_of, sync, write_config

from baton.config import BatonConfig
from model import (
    Deal,
    Event,
    Identity,
    Link,
    Person,
    RecordState,
    RunStatus,
    SourceState,
    Task,
)
from sandbox.org import Organisation
from sandbox.run import RunningSandbox
from tests.conftest import both_backends


def calendar_copies(org: Organisation) -> int:
    """Google events as stored: one row per calendar a meeting is on (owner + colleagues)."""
    total = 0
    for meeting in (m for m in org.meetings if m.tool == "google"):
        owner = org.member(meeting.owner).email
        total += 1 + sum(a.email != owner and a.email.endswith("@fernweh.example")
                         for a in meeting.attendees)
    return total


def count(engine: Engine, table: type) -> int:
    with engine.connect() as connection:
        return connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


@both_backends
def test_sample_org_fills_the_model_and_a_rerun_is_a_no_op(
        sandbox: RunningSandbox, engine: Engine, database_url: str, tmp_path: Path) -> None:
    config = write_config(sandbox, tmp_path, database_url)
    outcome, code = sync(config, engine, at(sandbox, 0))
    assert code == 1 and [r.source for r in outcome.failed] == ["trello-archive"]
    org = sandbox.org
    # every work item but the archive board's (never synced), plus Salesforce activities
    assert count(engine, Task) == len(org.items) - 1 + len(org.activities)
    assert count(engine, Deal) == len(org.deals)
    assert count(engine, Event) == calendar_copies(org) + 1  # plus one Salesforce event
    with engine.connect() as connection:
        states = {name: status for name, status in connection.execute(
            sa.select(SourceState.name, SourceState.last_status))}
    assert states.pop("trello-archive") is RunStatus.failed
    assert set(states.values()) == {RunStatus.ok}
    before = snapshot(engine)
    sync(config, engine, at(sandbox, 10))
    assert snapshot(engine) == before


@both_backends
def test_identities_of_the_sample_org_resolve_to_the_right_people(
        sandbox: RunningSandbox, engine: Engine, database_url: str, tmp_path: Path) -> None:
    sync(write_config(sandbox, tmp_path, database_url), engine, at(sandbox, 0))
    with engine.connect() as connection:
        emails = {pid: email for pid, email in connection.execute(
            sa.select(Person.id, Person.email))}
        identities = {(i.source, i.external_id): i for i in connection.execute(
            sa.select(Identity))}
    tools = {"asana": "asana-main", "trello": "trello-studio", "salesforce": "salesforce",
             "google": "google"}
    for member in sandbox.org.members:
        for tool, external_id in sandbox.seeded.ids[f"person:{member.key}"].items():
            identity = identities[(tools[tool], external_id)]
            assert emails[identity.person_id] == member.email, (tool, member.key)
    unmatched = {i.username for i in identities.values() if i.person_id is None}
    assert unmatched == {"fotofrank", "leanovak"}
    felix = [i for i in identities.values() if i.email and i.email.startswith("felix")]
    assert felix and not any(i.active for i in felix)


@both_backends
def test_links_of_the_sample_org_are_found(sandbox: RunningSandbox, engine: Engine,
                                           database_url: str, tmp_path: Path) -> None:
    sync(write_config(sandbox, tmp_path, database_url), engine, at(sandbox, 0))
    ids = sandbox.seeded.ids
    expected = {
        frozenset({ids["item:stage-design-asana"]["asana"],
                   ids["item:stage-design-card"]["trello"]}),
        frozenset({ids["item:signage-concepts-asana"]["asana"],
                   ids["item:signage-concepts-card"]["trello"]}),
        frozenset({ids["deal:nordwind-summit"]["salesforce"],
                   ids["item:stage-design-card"]["trello"]}),
    }
    with engine.connect() as connection:
        found = {frozenset({a, b}) for a, b in connection.execute(
            sa.select(Link.a_external_id, Link.b_external_id))}
    assert found == expected


@both_backends
def test_links_are_found_whatever_form_people_paste(sandbox: RunningSandbox, engine: Engine,
                                                    database_url: str, tmp_path: Path) -> None:
    """The organisation's links pasted the way another team does: a card's object id, a
    Markdown link with the slug in capitals, a deal whose description holds the Asana URL
    (the other direction), a Classic 15-character URL on a card; a card attached to a card
    is no link."""
    ids, replicas = sandbox.seeded.ids, sandbox.replicas
    trello = replicas.trello
    card = {key: ids[f"item:{key}"]["trello"] for key in
            ("stage-design-card", "signage-concepts-card", "poster-artwork")}
    task = {key: ids[f"item:{key}"]["asana"] for key in
            ("stage-design-asana", "signage-concepts-asana", "supplier-contracts")}
    deal = {key: ids[f"deal:{key}"]["salesforce"] for key in
            ("nordwind-summit", "kestrel-party", "helios-launch")}
    summit = ids["project:summit"]["asana"]
    signage = trello.cards[card["signage-concepts-card"]].short_link
    replicas.asana.update_task(task["stage-design-asana"],
                               notes=f"Design card: https://trello.com/c/{card['stage-design-card']}")
    replicas.asana.update_task(task["signage-concepts-asana"],
                               notes=f"see [card](https://trello.com/c/{signage}/4-SIGNAGE).")
    replicas.salesforce.update(deal["kestrel-party"], Description=(
        f"Delivery: https://app.asana.com/0/{summit}/{task['supplier-contracts']}/f"))
    trello.add_attachment(card["poster-artwork"], "Opportunity",
                          f"https://fernweh.my.salesforce.com/{deal['helios-launch'][:15]}")
    trello.add_attachment(card["poster-artwork"], "Related card", "https://trello.com/c/"
                          f"{trello.cards[card['stage-design-card']].short_link}")
    sync(write_config(sandbox, tmp_path, database_url), engine, at(sandbox, 0))
    with engine.connect() as connection:
        found = {frozenset({a, b}) for a, b in connection.execute(
            sa.select(Link.a_external_id, Link.b_external_id))}
    assert found == {
        frozenset({task["stage-design-asana"], card["stage-design-card"]}),
        frozenset({task["signage-concepts-asana"], card["signage-concepts-card"]}),
        frozenset({deal["nordwind-summit"], card["stage-design-card"]}),
        frozenset({deal["kestrel-party"], task["supplier-contracts"]}),
        frozenset({deal["helios-launch"], card["poster-artwork"]}),
    }


@both_backends
def test_deletions_in_every_tool_flow_in_incrementally(
        sandbox: RunningSandbox, engine: Engine, database_url: str, tmp_path: Path) -> None:
    config = write_config(sandbox, tmp_path, database_url)
    sync(config, engine, at(sandbox, 0))
    ids, replicas = sandbox.seeded.ids, sandbox.replicas
    at(sandbox, 5)
    replicas.asana.delete_task(ids["item:thank-you-notes"]["asana"])
    replicas.trello.delete_card(ids["item:run-of-show"]["trello"])
    replicas.trello.archive_card(ids["item:stage-plan"]["trello"])
    replicas.salesforce.delete(ids["deal:kestrel-party"]["salesforce"])
    replicas.google.calendar.delete_event(ids["meeting:pitch-prep"]["google"])
    before = snapshot(engine)
    sync(config, engine, at(sandbox, 10))
    assert state_of(engine, Task, ids["item:thank-you-notes"]["asana"]) is RecordState.deleted
    assert state_of(engine, Task, ids["item:run-of-show"]["trello"]) is RecordState.deleted
    assert state_of(engine, Task, ids["item:stage-plan"]["trello"]) is RecordState.archived
    assert state_of(engine, Deal, ids["deal:kestrel-party"]["salesforce"]) is \
        RecordState.deleted
    event_id = f"jonas@fernweh.example/{ids['meeting:pitch-prep']['google']}"
    assert state_of(engine, Event, event_id) is not RecordState.active
    after = snapshot(engine)
    changed = {name for name in before if before[name] != after[name]}
    # a Trello board's raw dateLastActivity moves with its cards; nothing else may churn
    assert changed <= {"task", "deal", "event", "event_attendee", "task_assignee", "project"}


def delete_behind_an_expired_token(sandbox: RunningSandbox, config: BatonConfig,
                                   engine: Engine) -> str:
    """Sync Asana, then delete a task and expire the events token, so the deletion can
    only be learnt from a complete re-listing. Returns the deleted task's gid."""
    sync(config, engine, at(sandbox, 0), sources=["asana-main"])
    gone = sandbox.seeded.ids["item:guest-list"]["asana"]
    at(sandbox, 5)
    sandbox.replicas.asana.delete_task(gone)
    sandbox.replicas.asana.expire_sync_tokens()
    return gone


@both_backends
def test_expired_asana_sync_token_re_lists_and_tombstones_exactly_the_missing_task(
        sandbox: RunningSandbox, engine: Engine, database_url: str, tmp_path: Path) -> None:
    config = write_config(sandbox, tmp_path, database_url)
    gone = delete_behind_an_expired_token(sandbox, config, engine)
    sync(config, engine, at(sandbox, 10), sources=["asana-main"])
    with engine.connect() as connection:
        deleted = set(connection.execute(sa.select(Task.external_id).where(
            Task.state == RecordState.deleted)).scalars())
    assert deleted == {gone}


@both_backends
def test_a_failed_full_listing_deletes_nothing(sandbox: RunningSandbox, engine: Engine,
                                               database_url: str, tmp_path: Path) -> None:
    config = write_config(sandbox, tmp_path, database_url)
    gone = delete_behind_an_expired_token(sandbox, config, engine)
    sandbox.replicas.asana.knobs.fail_next(50, 500, path_contains="/tasks")
    outcome, code = sync(config, engine, at(sandbox, 10), sources=["asana-main"], full=True)
    assert code == 1 and outcome.failed[0].status in (RunStatus.partial, RunStatus.failed)
    assert state_of(engine, Task, gone) is RecordState.active
    sandbox.replicas.asana.knobs.reset()
    sync(config, engine, at(sandbox, 15), sources=["asana-main"], full=True)
    assert state_of(engine, Task, gone) is RecordState.deleted
