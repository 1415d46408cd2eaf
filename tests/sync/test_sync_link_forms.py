"""Every URL form of every stored record resolves to it, wherever and however it is pasted.

Records come from the recorded API samples through the real mappers (Trello cards
and boards, Asana tasks, subtasks and projects, Salesforce opportunities, accounts
and contacts, Google events); each URL form people paste is built from what the
sample says (`url`, `shortUrl`, `shortLink`, `permalink_url`, `attributes.url`,
`htmlLink`). Resolution goes through `RecordIndex`, the index `sync.links` builds
once per run, and `urls_in`, which finds URLs in plain text, Markdown and HTML.
"""

from __future__ import annotations

import html
import json
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.asana.mapping import MapContext as AsanaContext
from connectors.asana.mapping import map_project as map_asana_project
from connectors.asana.mapping import map_task as map_asana_task
from connectors.google.mapping import EventContext, map_event
from connectors.salesforce.mapping import MapContext as SalesforceContext
from connectors.salesforce.mapping import map_account, map_contact, map_opportunity
from connectors.trello.mapping import CardContext, map_board, map_card
from connectors.trello.mapping import MapContext as TrelloContext
from model.record_ids import salesforce_id18
from sync.link_text import urls_in
from sync.links import RecordIndex, Ref

SAMPLES = Path(__file__).parents[1] / "fixtures" / "api-samples"
TOOLS = {"asana-main": "asana", "trello-studio": "trello", "salesforce": "salesforce",
         "google": "google"}
INSTANCE = "https://acme.my.salesforce.com"
UNSTORED = "1209999999999991"  # an Asana gid of nothing baton stores (a user, a story)


def sample(name: str) -> Any:
    return json.loads((SAMPLES / name).read_text())


@dataclass(frozen=True)
class Stored:
    """A record as stored (its ref and own URL) and the URL forms that must reach it."""

    ref: Ref
    url: str | None
    forms: tuple[tuple[str, str], ...]


def _ref(kind: str, record: Any) -> Ref:
    return (kind, record.source, record.external_id)


# -- Trello --------------------------------------------------------------------------------

def trello_forms(letter: str, raw: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    short, ident, url = raw["shortLink"], raw["id"], raw["url"]
    slug = url.split("/", 5)[5] if url.count("/") >= 5 else "1-card"
    base = f"https://trello.com/{letter}"
    return (("url", url), ("shortUrl", raw["shortUrl"]), ("shortLink", f"{base}/{short}"),
            ("trailing slash", f"{base}/{short}/"), ("slug upper-case", f"{base}/{short}/"
                                                     f"{slug.upper()}"),
            ("slug renamed since", f"{base}/{short}/99-renamed-since"),
            ("object id", f"{base}/{ident}"), ("object id upper-case", f"{base}/{ident.upper()}"),
            ("http and www", f"http://www.trello.com/{letter}/{short}"),
            ("query and fragment", f"{url}?filter=open#comment-{ident}"),
            ("no scheme", f"trello.com/{letter}/{short}"))


def trello_records() -> list[Stored]:
    cards = [map_card(raw, CardContext("trello-studio")) for raw in
             sample("trello/board_cards_filter_all.json")]
    boards = [map_board(raw, TrelloContext("trello-studio")) for raw in
              sample("trello/member_boards_filter_all.json")]
    return ([Stored(_ref("task", c), c.url, trello_forms("c", c.raw)) for c in cards]
            + [Stored(_ref("project", b), b.url, trello_forms("b", b.raw)) for b in boards])


# -- Asana ---------------------------------------------------------------------------------

def asana_task_forms(raw: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """`container` is the project of `/0/<project>/<task>`, or the parent of a subtask."""
    link, task = raw["permalink_url"], raw["gid"]
    workspace = link.split("/")[4]
    container = (raw.get("parent") or {}).get("gid") or link.split("/")[6]
    app = "https://app.asana.com"
    return (("permalink_url", link), ("/0/<container>/<task>", f"{app}/0/{container}/{task}"),
            ("/0/<container>/<task>/f", f"{app}/0/{container}/{task}/f"),
            ("/0/0/<task>", f"{app}/0/0/{task}"), ("/0/0/<task>/f", f"{app}/0/0/{task}/f"),
            ("/1/<ws>/task/<task>", f"{app}/1/{workspace}/task/{task}"),
            ("comment, focus", f"{app}/1/{workspace}/task/{task}/comment/{UNSTORED}?focus=true"),
            ("/1/ inbox", f"{app}/1/{workspace}/inbox/{UNSTORED}/item/{task}/story/{UNSTORED}"),
            ("/0/inbox", f"{app}/0/inbox/{UNSTORED}/{task}/{UNSTORED}"),
            ("query and fragment", f"{link}?focus=true#comments"),
            ("no scheme", f"app.asana.com/0/0/{task}/f"))


def asana_project_forms(raw: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    link, project = raw["permalink_url"], raw["gid"]
    workspace = link.split("/")[4]
    app = "https://app.asana.com"
    return (("permalink_url", link), ("/0/<project>", f"{app}/0/{project}"),
            ("/0/<project>/list", f"{app}/0/{project}/list"),
            ("/0/<project>/board", f"{app}/0/{project}/board"),
            ("/1/ list view", f"{link}/list/{UNSTORED}"),
            ("/1/ overview", f"{app}/1/{workspace}/project/{project}/overview/{UNSTORED}"))


def asana_records() -> list[Stored]:
    context = AsanaContext("asana-main")
    tasks = [map_asana_task(raw, context).task for name in
             ("asana/project_tasks_limit5.json", "asana/task_subtasks.json")
             for raw in sample(name)["data"]]
    projects = [map_asana_project(raw, context) for raw in
                sample("asana/workspace_projects_with_archived.json")["data"]]
    return ([Stored(_ref("task", t), t.url, asana_task_forms(t.raw)) for t in tasks]
            + [Stored(_ref("project", p), p.url, asana_project_forms(p.raw)) for p in projects])


# -- Salesforce ----------------------------------------------------------------------------

def salesforce_forms(raw: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    sobject, full = raw["attributes"]["type"], raw["Id"]
    forms: list[tuple[str, str]] = [("REST attributes.url", INSTANCE + raw["attributes"]["url"]),
                                    ("18, suffix lower-case", f"{INSTANCE}/{full[:15]}"
                                                              f"{full[15:].lower()}")]
    for size, record_id in (("15", full[:15]), ("18", full)):
        forms += [
            (f"{size} classic", f"{INSTANCE}/{record_id}"),
            (f"{size} classic edit", f"{INSTANCE}/{record_id}/e?retURL=%2F{record_id}"),
            (f"{size} classic pod", f"https://na85.salesforce.com/{record_id}"),
            (f"{size} visualforce", f"https://acme--c.vf.force.com/apex/Sheet?id={record_id}"),
            (f"{size} lightning", f"https://acme.lightning.force.com/lightning/r/{sobject}/"
                                  f"{record_id}/view"),
            (f"{size} lightning no object", f"https://acme.lightning.force.com/lightning/r/"
                                            f"{record_id}/view"),
            (f"{size} lightning related", f"https://acme.lightning.force.com/lightning/r/"
                                          f"{sobject}/{record_id}/related/Contacts/view"),
            (f"{size} one.app", f"https://acme.lightning.force.com/one/one.app#/sObject/"
                                f"{record_id}/view"),
            (f"{size} sandbox classic", f"https://acme--uat.sandbox.my.salesforce.com/"
                                        f"{record_id}"),
            (f"{size} sandbox lightning", f"https://acme--uat.sandbox.lightning.force.com/"
                                          f"lightning/r/{sobject}/{record_id}/view")]
    return tuple(forms)


def salesforce_records() -> list[Stored]:
    context = SalesforceContext("salesforce", INSTANCE)
    found = []
    for name, mapper, kind in (("query_opportunities.json", map_opportunity, "deal"),
                               ("queryAll_accounts.json", map_account, "account"),
                               ("query_contacts.json", map_contact, "contact")):
        for raw in sample(f"salesforce/{name}")["records"][:4]:
            record = mapper(raw, context)
            found.append(Stored(_ref(kind, record), record.url, salesforce_forms(raw)))
    return found


# -- Google --------------------------------------------------------------------------------

def google_records() -> list[Stored]:
    context = EventContext("google", "api@nango.dev")
    found = []
    for raw in sample("google/calendar/events_list_singleEvents_page1.json")["items"][:4]:
        event = map_event(raw, context)
        link = raw["htmlLink"]
        eid = link.split("eid=", 1)[1]
        forms = (("htmlLink", link),
                 ("calendar.google.com", link.replace("www.google.com", "calendar.google.com")),
                 ("time zone added", f"{link}&ctz=Europe/Berlin"),
                 ("editor", f"https://calendar.google.com/calendar/u/0/r/eventedit/{eid}"))
        found.append(Stored(_ref("event", event), event.url, forms))
    return found


RECORDS = trello_records() + asana_records() + salesforce_records() + google_records()
INDEX = RecordIndex(((r.ref, r.url) for r in RECORDS), TOOLS)
CASES = [(r, name, url) for r in RECORDS for name, url in r.forms]


def resolve(text: str, index: RecordIndex = INDEX) -> set[Ref]:
    return {ref for url in urls_in(text) for ref in index.lookup(url)}


def test_the_samples_give_every_tool_and_kind() -> None:
    kinds = {(TOOLS[r.ref[1]], r.ref[0]) for r in RECORDS}
    assert kinds == {("trello", "task"), ("trello", "project"), ("asana", "task"),
                     ("asana", "project"), ("salesforce", "deal"), ("salesforce", "account"),
                     ("salesforce", "contact"), ("google", "event")}
    assert len({r.ref for r in RECORDS}) == len(RECORDS)


@pytest.mark.parametrize(("stored", "form", "url"), CASES,
                         ids=[f"{s.ref[0]}-{s.ref[2][:8]}-{form}" for s, form, _ in CASES])
def test_every_form_resolves_to_its_record_alone(stored: Stored, form: str, url: str) -> None:
    assert resolve(url) == {stored.ref}


WRAPPERS = ("{u}", "{u}.", "{u},", "{u};", "{u}!", "({u})", "({u}).", "[{u}]", "<{u}>",
            "[the card]({u})", '[{u}]({u} "smartCard-inline")', "**{u}**", "_{u}_",
            '<a href="{h}">label</a>', "<a href='{h}' rel=\"noopener\">{h}</a>",
            "<body>see <a href=\"{h}\">this</a>.</body>", "&lt;{h}&gt;",
            "https://www.google.com/url?q={q}&sa=D&usg=x",
            "https://eur01.safelinks.protection.outlook.com/?url={q}&data=x")
FILLER = st.text(alphabet=string.ascii_letters + string.digits + " .,;:!?()[]<>\"'\n",
                 max_size=40)


@given(st.sampled_from(CASES), st.sampled_from(WRAPPERS), FILLER, FILLER)
def test_any_form_in_any_text_resolves(case: tuple[Stored, str, str], wrapper: str,
                                       before: str, after: str) -> None:
    """Markdown, HTML (with `&amp;`), brackets, trailing punctuation, redirect wrappers and
    whatever text surrounds it: the record is still found."""
    stored, _, url = case
    wrapped = wrapper.format(u=url, h=html.escape(url), q=quote(url, safe=""))
    assert stored.ref in resolve(f"{before} {wrapped}\n{after}")


@given(st.text(max_size=300))
def test_arbitrary_text_never_breaks_detection(text: str) -> None:
    for url in urls_in(text):
        INDEX.lookup(url)


def by_kind(tool: str, kind: str) -> list[Stored]:
    return [r for r in RECORDS if TOOLS[r.ref[1]] == tool and r.ref[0] == kind]


def test_board_urls_are_not_cards_and_card_urls_are_not_boards() -> None:
    for card in by_kind("trello", "task"):
        short = card.url.rsplit("/", 1)[-1]  # type: ignore[union-attr]
        assert resolve(f"https://trello.com/b/{short}") == set()
    for board in by_kind("trello", "project"):
        assert resolve(board.url.replace("/b/", "/c/")) == set()  # type: ignore[union-attr]


def test_a_short_link_is_case_sensitive() -> None:
    for card in by_kind("trello", "task"):
        short = card.url.rsplit("/", 1)[-1]  # type: ignore[union-attr]
        assert resolve(f"https://trello.com/c/{short.swapcase()}") == set()


def test_an_attached_file_is_not_a_link_to_its_card() -> None:
    card = by_kind("trello", "task")[0].ref[2]
    assert resolve(f"https://trello.com/1/cards/{card}/attachments/{card}/download/x.jpg") \
        == set()


def test_asana_project_urls_are_projects_and_unknown_tasks_are_nothing() -> None:
    project = by_kind("asana", "project")[0].ref[2]
    tasks_in_it = {r.ref for r in by_kind("asana", "task")}
    assert resolve(f"https://app.asana.com/0/{project}/list") == {("project", "asana-main",
                                                                   project)}
    assert not resolve(f"https://app.asana.com/0/{project}/list") & tasks_in_it
    assert resolve(f"https://app.asana.com/0/{project}/{UNSTORED}/f") == set()
    assert resolve(f"https://app.asana.com/1/1/project/{project}/task/{UNSTORED}") == set()


def test_salesforce_ids_are_case_sensitive_unless_the_suffix_says_otherwise() -> None:
    deal = by_kind("salesforce", "deal")[0].ref
    full = deal[2]
    assert resolve(f"{INSTANCE}/{full[:15].swapcase()}") == set()
    assert resolve(f"{INSTANCE}/{full.lower()}") == {deal}  # the suffix restores the case
    assert resolve(f"{INSTANCE}/{full.upper()}") == {deal}


def test_classic_urls_need_a_salesforce_host_or_the_stored_instance_host() -> None:
    deal = by_kind("salesforce", "deal")[0]
    assert resolve(f"https://example.com/{deal.ref[2]}") == set()
    loopback = "https://127.0.0.1:8443"  # an instance the way the sandbox serves it
    index = RecordIndex([(deal.ref, f"{loopback}/lightning/r/Opportunity/{deal.ref[2]}/view")],
                        TOOLS)
    assert resolve(f"{loopback}/{deal.ref[2][:15]}/e", index) == {deal.ref}


@given(st.text(alphabet=string.ascii_letters + string.digits, min_size=15, max_size=15))
def test_an_18_character_id_is_its_15_plus_a_case_checksum(head: str) -> None:
    full = salesforce_id18(head)
    assert full is not None and full[:15] == head
    assert salesforce_id18(full) == salesforce_id18(full.lower()) == \
        salesforce_id18(full.upper()) == full
    if head.swapcase() != head:
        assert salesforce_id18(head.swapcase()) != full


def test_strings_that_are_no_salesforce_id_are_rejected() -> None:
    assert salesforce_id18("006dM00000Mw7Vt-") is None
    assert salesforce_id18("006dM00000Mw7VtQA") is None  # 17 characters
    assert salesforce_id18("006dM00000Mw7VtBAA") is None  # "B" calls the digit "0" upper-case
