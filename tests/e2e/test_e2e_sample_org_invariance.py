"""Properties of the sample organisations' findings that hold whatever baton's features.

What baton finds in an organisation must not depend on which week it is looked at,
what people are called or in which order records were created: shifting all data
and `now` by whole weeks, renaming people (display names in every tool, Trello
usernames) and reordering every list of records before seeding must give the same
findings, rule kind and subjects, in organisation keys. The organisations are written
in each person's wall time, so a shift that moves a DST change relative to the data
is the interesting case: it must change nothing either.

Each example seeds the replicas, syncs them through the real connectors into a fresh
SQLite database and evaluates the rules in-process (the `baton` process adds only
start-up time); a few examples per property keep this under a minute.
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from datetime import timedelta
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from baton import database
from baton.config import load_config
from baton.rules_commands import context_for
from baton.sync_command import sync_all
from rules.config import load_rules
from rules.evaluate import evaluate_rules
from rules.view import ModelView
from sandbox.org import Organisation
from sandbox.orgs import ORGS
from sandbox.run import sandbox_config, start_org
from tests.org_answers import named_findings, org_keys

RULES = Path(__file__).parents[2] / "config" / "rules.yaml"
Findings = list[tuple[str, tuple[str, ...]]]
EXAMPLES = settings(max_examples=3, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])

WORD = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyzéøñ'-"), min_size=1, max_size=12)
NAME = st.tuples(WORD, WORD).map(lambda parts: " ".join(p.capitalize() for p in parts))


def findings(org: Organisation) -> Findings:
    """Seed, serve, sync and evaluate `org` at its own `now`; findings in org keys."""
    with tempfile.TemporaryDirectory() as folder:
        sandbox = start_org(org, Path(folder))
        engine = None
        try:
            path = Path(folder) / "baton.yaml"
            path.write_text(sandbox_config(sandbox, rules_file=RULES,
                                           database=f"sqlite:///{folder}/baton.db"))
            loaded = load_config(path, environ={})
            engine = database.make_engine(loaded.database)
            database.upgrade(engine)
            sync_all(loaded, engine, sources=[], full=False, now=org.now, quiet=True)
            rules = load_rules(RULES, known_sources=[s.name for s in loaded.sources])
            with Session(engine) as session:
                view = ModelView.load(session, context_for(loaded))
                return named_findings(evaluate_rules(view, rules, org.now), org_keys(sandbox))
        finally:
            sandbox.stop()
            if engine is not None:
                engine.dispose()


@cache
def pinned(name: str) -> Findings:
    spec = ORGS[name]
    return findings(spec.build(spec.pinned_now))


@pytest.mark.parametrize("name", list(ORGS))
@EXAMPLES
@given(weeks=st.integers(min_value=-30, max_value=30).filter(bool))
def test_shifting_data_and_now_by_whole_weeks_changes_no_finding(name: str,
                                                                 weeks: int) -> None:
    spec = ORGS[name]
    shifted = findings(spec.build(spec.pinned_now + timedelta(weeks=weeks)))
    assert shifted == pinned(name)
    assert shifted, "an organisation without findings proves nothing"


@pytest.mark.parametrize("name", list(ORGS))
@EXAMPLES
@given(data=st.data())
def test_renaming_people_and_reordering_records_changes_no_finding(name: str,
                                                                   data: st.DataObject
                                                                   ) -> None:
    spec = ORGS[name]
    org = spec.build(spec.pinned_now)
    names = data.draw(st.lists(NAME, min_size=len(org.members), max_size=len(org.members)))
    org.members = [replace(m, name=new, tool_names=tuple((tool, f"{new} ({tool})")
                                                          for tool, _ in m.tool_names),
                           trello_username=f"{new.split()[0].lower()}{i}"
                           if m.trello_username else None)
                   for i, (m, new) in enumerate(zip(org.members, names, strict=True))]
    for field in ("members", "projects", "items", "meetings", "clients", "deals",
                  "activities", "unmatched_trello_members"):
        setattr(org, field, data.draw(st.permutations(getattr(org, field)), label=field))
    assert findings(org) == pinned(name)
