"""Link detection over a stored organisation, on SQLite and PostgreSQL.

Each planted URL sits in another part of a record (Asana `html_notes` only, a
Trello attachment, a Salesforce `Description`, a calendar description), in
another form, in either of the two records, or points into a second source of
the same tool; near misses (same-tool mentions, deleted records) must not link.
Detection keeps the stored links in step with the texts without touching what
admins decided, and costs the same handful of queries however much is stored.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from model import (
    RECORD_KINDS,
    Account,
    Deal,
    Event,
    Link,
    LinkMethod,
    LinkStatus,
    Project,
    RecordState,
    Task,
)
from sync import links
from tests.conftest import both_backends
from tests.link_helpers import declare_sources, store_records

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
SOURCES = {"asana-main": "asana", "asana-clients": "asana", "trello-studio": "trello",
           "salesforce": "salesforce", "google": "google"}
CARD, CARD_SHORT = "6a26f2fdbc520ab9f45a5214", "8eMIKY5v"
OTHER_CARD, OTHER_SHORT = "6a26ebb3cd5f60a53a5859a1", "sQnjwQay"
BOARD, BOARD_SHORT = "6a26ebb3cd5f60a53a585978", "NYLufejN"
DEAL, ACCOUNT, SF_EVENT = "006dM00000Mw7VtQAJ", "001dM00003jU9GxQAK", "00UdM000004FzyYUAS"
TASK, OTHER_TASK, CLIENT_TASK = "1211440849237760", "1211440849237762", "1300000000000001"
GOOGLE_EVENT = "3jipb4nqt786pa7ma2heehi4ms"
EID = "M2ppcGI0bnF0Nzg2cGE3bWEyaGVlaGk0bXMgYXBpQG5hbmdvLmRldg"  # "<event> api@nango.dev"


def task(source: str, external_id: str, url: str, description: str | None = None,
         **raw: Any) -> Task:
    return Task(source=source, external_id=external_id, url=url, title=external_id,
                description=description, raw=raw)


def organisation() -> list[Any]:
    """Records of five sources; comments say which link each URL must (or must not) make."""
    asana = "https://app.asana.com/1/1202775892569436/project/1211440849237745/task"
    return [
        # a labelled link: the URL is only in html_notes -> Trello card (by shortLink)
        task("asana-main", TASK, f"{asana}/{TASK}", "Design: card",
             html_notes=f'<body>Design: <a href="https://trello.com/c/{CARD_SHORT}/7-stage'
                        f'?x=1&amp;y=2">card</a></body>'),
        # mentions another Asana task: same tool, no link
        task("asana-main", OTHER_TASK, f"{asana}/{OTHER_TASK}",
             f"after https://app.asana.com/0/0/{TASK}/f"),
        task("asana-clients", CLIENT_TASK, f"https://app.asana.com/1/9/task/{CLIENT_TASK}"),
        # attachment, 15-character Lightning id -> deal; attached card -> nothing (same tool)
        task("trello-studio", CARD, f"https://trello.com/c/{CARD_SHORT}", None,
             attachments=[{"url": f"https://acme.lightning.force.com/lightning/r/{DEAL[:15]}"
                                  "/view"},
                          {"url": f"https://trello.com/c/{OTHER_SHORT}/3-dive-in"}]),
        # schemeless URL into the second Asana source -> its task
        task("trello-studio", OTHER_CARD, f"https://trello.com/c/{OTHER_SHORT}",
             f"client copy: app.asana.com/1/9/task/{CLIENT_TASK}."),
        # a deleted card links nothing, and nothing links to it
        Task(source="trello-studio", external_id="6a26ebb3cd5f60a53a5859ff", title="gone",
             url="https://trello.com/c/GoneGone", state=RecordState.deleted,
             deleted_at=NOW, description=f"https://app.asana.com/0/0/{OTHER_TASK}"),
        Project(source="trello-studio", external_id=BOARD, name="Board",
                url=f"https://trello.com/b/{BOARD_SHORT}/my-trello-board", raw={}),
        # the deal holds the URL (the other direction) -> Asana task, classic /0/ form
        Deal(source="salesforce", external_id=DEAL, name="Summit",
             url=f"https://acme.my.salesforce.com/lightning/r/Opportunity/{DEAL}/view",
             raw={"Description": f"Delivery: (https://app.asana.com/0/1211440849237745/"
                                 f"{OTHER_TASK}/f), gone: https://trello.com/c/GoneGone"}),
        # account description -> Trello board (a project, not a card)
        Account(source="salesforce", external_id=ACCOUNT, name="Nordwind",
                url=f"https://acme.my.salesforce.com/lightning/r/Account/{ACCOUNT}/view",
                raw={"Description": f"Board: [board](https://trello.com/b/{BOARD})"}),
        # a Salesforce event whose description holds the Google event -> the same meeting
        Event(source="salesforce", external_id=SF_EVENT, title="Pitch",
              url=f"https://acme.my.salesforce.com/lightning/r/Event/{SF_EVENT}/view",
              description=f"https://www.google.com/calendar/event?eid={EID}", raw={}),
        Event(source="google", external_id=f"api@nango.dev/{GOOGLE_EVENT}", title="Pitch",
              url=f"https://www.google.com/calendar/event?eid={EID}", raw={}),
    ]


EXPECTED = {
    (("task", "asana-main", TASK), ("task", "trello-studio", CARD),
     LinkMethod.url_in_description),
    (("deal", "salesforce", DEAL), ("task", "trello-studio", CARD),
     LinkMethod.url_in_attachment),
    (("task", "asana-clients", CLIENT_TASK), ("task", "trello-studio", OTHER_CARD),
     LinkMethod.url_in_description),
    (("deal", "salesforce", DEAL), ("task", "asana-main", OTHER_TASK),
     LinkMethod.url_in_description),
    (("account", "salesforce", ACCOUNT), ("project", "trello-studio", BOARD),
     LinkMethod.url_in_description),
    (("event", "google", f"api@nango.dev/{GOOGLE_EVENT}"), ("event", "salesforce", SF_EVENT),
     LinkMethod.url_in_description),
}


def stored_links(engine: Engine) -> set[tuple[Any, ...]]:
    with engine.connect() as connection:
        return {((r.a_kind, r.a_source, r.a_external_id), (r.b_kind, r.b_source,
                                                           r.b_external_id), r.method)
                for r in connection.execute(sa.select(Link))}


def detect(engine: Engine) -> int:
    with engine.begin() as connection:
        return links.detect(connection, NOW)


@pytest.fixture
def org(engine: Engine) -> Engine:
    declare_sources(engine, SOURCES)
    store_records(engine, *organisation())
    return engine


@both_backends
def test_links_are_found_in_every_text_in_every_form_in_both_directions(org: Engine) -> None:
    assert detect(org) == len(EXPECTED)
    assert stored_links(org) == EXPECTED
    with org.connect() as connection:
        evidence = connection.execute(sa.select(Link.evidence).where(
            Link.a_external_id == TASK)).scalar_one()
    assert evidence == f"https://trello.com/c/{CARD_SHORT}/7-stage?x=1&y=2"


def set_raw(engine: Engine, table: Any, external_id: str, raw: dict[str, Any]) -> None:
    with engine.begin() as connection:
        connection.execute(sa.update(table).where(table.external_id == external_id)
                           .values(raw=raw))


@both_backends
def test_a_link_follows_its_text_and_admin_decisions_stay(org: Engine) -> None:
    detect(org)
    with org.begin() as connection:
        connection.execute(sa.update(Link).where(Link.a_kind == "account")
                           .values(status=LinkStatus.refuted))
        connection.execute(sa.insert(Link).values(
            a_kind="deal", a_source="salesforce", a_external_id=DEAL, b_kind="task",
            b_source="asana-main", b_external_id=TASK, method=LinkMethod.manual,
            created_by="admin@agency.example", created_at=NOW, updated_at=NOW))
    set_raw(org, Task, TASK, {"html_notes": "<body>no link any more</body>"})
    set_raw(org, Account, ACCOUNT, {})  # the refuted link's URL is gone too
    set_raw(org, Deal, DEAL, {"Description": f"https://app.asana.com/0/0/{OTHER_TASK}"})
    detect(org)
    found = stored_links(org)
    assert (("task", "asana-main", TASK), ("task", "trello-studio", CARD),
            LinkMethod.url_in_description) not in found  # the URL was removed
    assert (("deal", "salesforce", DEAL), ("task", "asana-main", TASK),
            LinkMethod.manual) in found  # an admin's link is never removed
    with org.connect() as connection:
        rows = {(r.a_kind, r.b_external_id): r for r in connection.execute(sa.select(Link))}
    assert rows[("account", BOARD)].status is LinkStatus.refuted  # stays refuted
    assert rows[("deal", OTHER_TASK)].evidence == f"https://app.asana.com/0/0/{OTHER_TASK}"


@both_backends
def test_a_rerun_on_the_same_texts_writes_nothing(org: Engine) -> None:
    detect(org)
    with org.connect() as connection:
        before = connection.execute(sa.select(Link).order_by(Link.id)).all()
    detect(org)
    with org.connect() as connection:
        assert connection.execute(sa.select(Link).order_by(Link.id)).all() == before


@both_backends
def test_mutual_urls_make_one_link(org: Engine) -> None:
    """The card also carries the Asana task's URL: still one link, found from either side."""
    set_raw(org, Task, CARD, {"attachments": [{"url": f"https://app.asana.com/0/0/{TASK}"}]})
    detect(org)
    pairs = [(a, b) for a, b, _ in stored_links(org)]
    assert pairs.count((("task", "asana-main", TASK), ("task", "trello-studio", CARD))) == 1


@pytest.fixture
def statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    yield seen
    sa.event.remove(engine, "before_cursor_execute", record)


def test_detection_costs_the_same_queries_for_ten_or_five_hundred_records(
        engine: Engine, statements: list[str]) -> None:
    """One index build and one scan per kind: no query per record or per URL."""
    counts = []
    for size in (10, 500):
        declare_sources(engine, {"asana-main": "asana", "trello-studio": "trello"})
        store_records(engine,
                      *(task("trello-studio", f"{n:024x}", f"https://trello.com/c/c{n:07d}",
                             f"see https://app.asana.com/0/0/{10**15 + n}/f")
                        for n in range(size)),
                      *(task("asana-main", str(10**15 + n), f"https://app.asana.com/0/0/"
                                                            f"{10**15 + n}")
                        for n in range(size)))
        detect(engine)  # the first run inserts; count a steady-state run
        statements.clear()
        assert detect(engine) == size
        counts.append(len(statements))
    # source types, the index (a query per kind), the texts (a query per kind), stored links
    per_run = 1 + len(RECORD_KINDS) + len(links.TEXTS) + 1
    assert counts == [per_run, per_run]
