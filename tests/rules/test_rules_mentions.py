"""Name and id matching behind `won_deal_no_kickoff` (rules/mentions.py).

Table-driven cases for the forms a client's name and a Salesforce id take in
real task text, then properties (hypothesis): the indexed rule agrees with a
plain deals x tasks comparison, and neither reordering rows nor renaming
people changes what fires.
"""

from __future__ import annotations

import json
import random
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rules.kinds.won_deal_no_kickoff import Params, evaluate
from rules.mentions import (
    PhraseIndex,
    SalesforceIdIndex,
    name_words,
    salesforce_id15,
    salesforce_id18,
    words,
)
from tests.rules.rules_given import Builder, context_from

SAMPLES = Path(__file__).parents[1] / "fixtures" / "api-samples" / "salesforce"
NOW = datetime(2026, 3, 10, 9, tzinfo=UTC)
OPPORTUNITY = "006dM00000Mw7VtQAJ"  # from query_opportunities.json


@pytest.mark.parametrize(("text", "expected"), [
    ("Kickoff: ACME summer gala", ("kickoff", "acme", "summer", "gala")),
    ("Zürich Événements", ("zurich", "evenements")),
    ("Große Straße", ("grosse", "strasse")),
    ("kick-off_call/acme.", ("kick", "off", "call", "acme")),
    ("  ", ()),
])
def test_words_fold_case_accents_and_punctuation(text: str, expected: tuple[str, ...]) -> None:
    assert words(text) == expected


@pytest.mark.parametrize(("name", "expected"), [
    ("Acme, Inc.", ("acme",)),
    ("ACME Inc", ("acme",)),
    ("Müller GmbH & Co. KG", ("muller",)),
    ("Helios GmbH", ("helios",)),
    ("Nordwind AG", ("nordwind",)),
    ("Banco Azul S.A.", ("banco", "azul")),
    ("Kestrel Foods Ltd.", ("kestrel", "foods")),
    ("Limited Editions Limited", ("limited", "editions")),  # only a trailing legal form goes
    ("Co.", ("co",)),  # a name that is only a legal form keeps its word
])
def test_name_words_leave_off_a_trailing_legal_form(name: str, expected: tuple[str, ...]
                                                    ) -> None:
    assert name_words(name) == expected


@pytest.mark.parametrize(("name", "text", "named"), [
    ("Acme, Inc.", "Kickoff ACME", True),
    ("Acme, Inc.", "Acmetrics dashboard", False),
    ("Acme, Inc.", "acme-inc venue", True),
    ("Acme Summer Gala", "acme summer-gala: venue", True),
    ("Acme Summer Gala", "Acme summer galas", False),
    ("Acme Summer Gala", "summer gala for acme", False),
    ("Zürich Événements GmbH", "call ZURICH evenements", True),
    ("Zürich Événements GmbH", "zurich", False),
    ("Nordwind Summit 2027", "Nordwind Summit 2026", False),
    ("Nordwind Summit 2027", "NORDWIND SUMMIT 2027 kickoff", True),
])
def test_a_name_is_found_as_whole_words(name: str, text: str, named: bool) -> None:
    index: PhraseIndex[str] = PhraseIndex()
    index.add(name_words(name), "target")
    assert (index.find(words(text)) == ["target"]) is named


def sample_ids() -> list[str]:
    found: set[str] = set()
    for path in SAMPLES.glob("*.json"):
        found |= {m for m in re.findall(r'"Id": "([0-9A-Za-z]{18})"', path.read_text())}
    return sorted(found)


def test_recorded_ids_round_trip_between_15_and_18_characters() -> None:
    ids = sample_ids()
    assert len(ids) > 50
    for record_id in ids:
        assert salesforce_id18(record_id[:15]) == record_id
        assert salesforce_id15(record_id) == record_id[:15]
        assert salesforce_id15(record_id.lower()) == record_id[:15]  # 18 chars: any case
        assert salesforce_id15(record_id.upper()) == record_id[:15]


@pytest.mark.parametrize("value", ["", "abc", "0065g00000Xyz", "006dM00000Mw7VtQA!",
                                   "006dM00000Mw7VtQAJX", "006dM00000Mw7Vt999",
                                   "006dM00000Mw7VtQ-J"])
def test_what_is_not_a_salesforce_id(value: str) -> None:
    assert salesforce_id15(value) is None


@pytest.mark.parametrize(("text", "found"), [
    (f"see https://x.lightning.force.com/lightning/r/Opportunity/{OPPORTUNITY}/view", True),
    (f"lowercased link .../{OPPORTUNITY.lower()}/view", True),
    (f"classic https://na1.salesforce.com/{OPPORTUNITY[:15]}", True),
    (f"15 characters lowercased {OPPORTUNITY[:15].lower()} are another record", False),
    (f"{OPPORTUNITY}X is a longer word", False),
    ("no id at all", False),
])
def test_a_salesforce_id_is_found_in_text(text: str, found: bool) -> None:
    index: SalesforceIdIndex[str] = SalesforceIdIndex()
    index.add(OPPORTUNITY, "deal")
    assert bool(index.find(words(text), text)) is found


def test_an_id_column_matches_in_either_length() -> None:
    index: SalesforceIdIndex[str] = SalesforceIdIndex()
    index.add(OPPORTUNITY, "deal")
    assert index.of_value(OPPORTUNITY) == ["deal"]
    assert index.of_value(OPPORTUNITY[:15]) == ["deal"]
    assert index.of_value("006dM00000Mw7VuQAJ") == [] and index.of_value(None) == []


# -- properties of the rule ---------------------------------------------------------------

VOCABULARY = ["Acme", "Nordwind", "Zürich", "Gala", "Summit", "Offsite", "Helios", "Launch",
              "GmbH", "Inc.", "2027", "kickoff", "venue", "Événements"]
SEPARATORS = [" ", "  ", "-", ": ", ", ", "/", "_"]
SOURCES = ["asana-main", "trello-studio", "google", "salesforce"]


@st.composite
def phrases(draw: st.DrawFn, min_size: int = 1) -> str:
    picked = draw(st.lists(st.sampled_from(VOCABULARY), min_size=min_size, max_size=3))
    cased = [w.upper() if draw(st.booleans()) else w.lower() if draw(st.booleans()) else w
             for w in picked]
    return "".join(w + draw(st.sampled_from(SEPARATORS)) for w in cased).strip(" -:,/_")


@st.composite
def organisations(draw: st.DrawFn) -> dict[str, Any]:
    accounts = [{"id": f"a{n}", "name": draw(phrases())} for n in range(draw(st.integers(1, 3)))]
    deals = [{"id": f"o{n}", "name": draw(phrases()), "is_closed": True, "is_won": True,
              "close_on": "2026-03-02", "account": draw(st.sampled_from(accounts))["id"],
              "owner": "005owner"}
             for n in range(draw(st.integers(1, 4)))]
    people = [{"email": f"p{n}@agency.example", "name": draw(phrases())} for n in range(3)]
    tasks = [{"id": f"t{n}", "source": draw(st.sampled_from(SOURCES)),
              "title": draw(phrases()), "description": draw(st.none() | phrases()),
              "assignees": [draw(st.sampled_from(people))["email"]]}
             for n in range(draw(st.integers(1, 8)))]
    identities = [{"source": "salesforce", "id": "005owner", "email": people[0]["email"],
                   "person": people[0]["email"]}]
    return {"accounts": accounts, "deals": deals, "people": people, "tasks": tasks,
            "identities": identities}


def fired(given_rows: dict[str, Any], params: Params | None = None) -> list[tuple[str, ...]]:
    view = Builder().rows(given_rows).view(context_from(None))
    return sorted(f.identity for f in evaluate(view, params or Params(), NOW))


def evidence(given_rows: dict[str, Any]) -> list[str]:
    view = Builder().rows(given_rows).view(context_from(None))
    return sorted(json.dumps([e.to_dict() for e in f.evidence], sort_keys=True)
                  for f in evaluate(view, Params(), NOW))


def plain_comparison(org: dict[str, Any]) -> list[tuple[str, ...]]:
    """Every deal against every task, the slow obvious way: what the index must equal."""
    params = Params()
    accounts = {a["id"]: a["name"] for a in org["accounts"]}
    sources = {t["source"] for t in org["tasks"]} - {"salesforce"}
    missed = []
    for deal in org["deals"]:
        wanted = [p for p in (name_words(deal["name"]), name_words(accounts[deal["account"]]))
                  if len(" ".join(p)) >= params.min_name_length]
        named = any(
            text_words[i:i + len(phrase)] == phrase
            for task in org["tasks"] if task["source"] in sources
            for text in (task["title"], task["description"] or "")
            for text_words in [words(text)] for phrase in wanted
            for i in range(len(text_words)))
        if not named:
            missed.append((f"deal:salesforce:{deal['id']}",))
    return sorted(missed)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(organisations())
def test_the_index_agrees_with_comparing_every_deal_with_every_task(org: dict[str, Any]
                                                                    ) -> None:
    assert fired(org) == plain_comparison(org)


@settings(max_examples=60, deadline=None)
@given(organisations(), st.randoms(use_true_random=False))
def test_reordering_rows_never_changes_findings(org: dict[str, Any], rnd: random.Random
                                                ) -> None:
    shuffled = {key: rnd.sample(rows, len(rows)) for key, rows in org.items()}
    assert fired(shuffled) == fired(org)
    assert evidence(shuffled) == evidence(org)


@settings(max_examples=60, deadline=None)
@given(organisations(), st.lists(phrases(), min_size=3, max_size=3))
def test_renaming_people_never_changes_findings(org: dict[str, Any], names: list[str]
                                                ) -> None:
    """New names and emails for everyone (names drawn from the same words as the deals)."""
    email = {p["email"]: f"renamed{n}@agency.example" for n, p in enumerate(org["people"])}
    renamed = {
        **org,
        "people": [{**p, "name": name, "email": email[p["email"]]}
                   for p, name in zip(org["people"], names, strict=True)],
        "tasks": [{**t, "assignees": [email[a] for a in t["assignees"]]} for t in org["tasks"]],
        "identities": [{**i, "email": email[i["email"]], "person": email[i["person"]]}
                       for i in org["identities"]]}
    assert fired(renamed) == fired(org)
