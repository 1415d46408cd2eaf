"""How alerts word dates, weeks and people: as a coordinator reads them, consistently.

A date-only deadline is a date (never the midnight after it), a due time is
shown in the person's timezone, and summary and evidence say the same; a week
is its dates, not an ISO number; people are named, not addressed by email.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules.findings import Finding
from rules.kinds import evaluator, params_model
from rules.timeutil import week_dates, week_monday
from rules.view import RulesContext
from tests.rules.rules_given import Builder, instant

BERLIN = {"email": "ana@agency.example", "name": "Ana Ruiz", "timezone": "Europe/Berlin"}
LA = {"email": "ben@agency.example", "name": "Ben Ode", "timezone": "America/Los_Angeles"}


def findings(kind: str, given_rows: dict[str, Any], now: str,
             context: RulesContext | None = None) -> list[Finding]:
    view = Builder().rows(given_rows).view(context or RulesContext())
    params = params_model(kind).model_validate({})
    return list(evaluator(kind)(view, params, instant(now)))


@pytest.mark.parametrize(("monday", "label"), [
    (date(2026, 12, 7), "Mon 7 \N{EN DASH} Sun 13 Dec 2026"),
    (date(2026, 11, 30), "Mon 30 Nov \N{EN DASH} Sun 6 Dec 2026"),
    (date(2026, 12, 28), "Mon 28 Dec 2026 \N{EN DASH} Sun 3 Jan 2027"),
])
def test_a_week_is_named_by_its_dates(monday: date, label: str) -> None:
    assert week_dates(monday) == label


@given(st.dates(min_value=date(2000, 1, 3), max_value=date(2099, 12, 28)))
def test_week_dates_name_the_monday_and_the_sunday(day: date) -> None:
    monday = week_monday(day)
    sunday = monday + timedelta(days=6)
    label = week_dates(monday)
    assert label.startswith(f"Mon {monday.day} ")
    assert label.endswith(f"Sun {sunday.day} {sunday:%b %Y}")
    years = {monday.year, sunday.year}
    assert all(label.count(str(year)) == 1 for year in years), "each year written once"


def test_overload_title_and_evidence_give_the_weeks_dates() -> None:
    rows = {"people": [{**BERLIN, "weekly_capacity_hours": 32, "working_days": [1, 2, 3, 4]}],
            "tasks": [{"id": "t1", "estimate_hours": 40, "start_on": "2026-12-07",
                       "due_on": "2026-12-10", "assignees": [BERLIN["email"]]}]}
    [found] = findings("overload", rows, "2026-12-07T07:00:00Z")
    assert found.title.startswith("Ana Ruiz is overloaded Mon 7 \N{EN DASH} Sun 13 Dec 2026 (")
    assert found.evidence[0].fact.startswith("Ana Ruiz, Mon 7 \N{EN DASH} Sun 13 Dec 2026: ")
    assert found.period == "2026-W50", "the alert's identity is still the ISO week"
    assert "W50" not in found.title + found.evidence[0].fact


DUE_CASES = [
    # (kind, person, task due fields, now, expected due text)
    ("overdue", BERLIN, {"due_on": "2026-11-29"}, "2026-12-02T10:00:00Z", "Sun 2026-11-29"),
    ("overdue", LA, {"due_on": "2026-11-29"}, "2026-11-30T09:00:00Z", "Sun 2026-11-29"),
    ("overdue", LA, {"due_at": "2026-11-29T23:30:00Z"}, "2026-12-02T10:00:00Z",
     "Sun 2026-11-29 15:30 America/Los_Angeles"),
    ("overdue", BERLIN, {"due_at": "2026-11-29T23:30:00Z"}, "2026-12-02T10:00:00Z",
     "Mon 2026-11-30 00:30 Europe/Berlin"),
    ("overdue", None, {"due_on": "2026-11-29"}, "2026-12-02T10:00:00Z", "Sun 2026-11-29"),
    ("due_soon_unassigned", None, {"due_on": "2026-12-03"}, "2026-12-02T10:00:00Z",
     "Thu 2026-12-03"),
    ("due_soon_unassigned", None, {"due_at": "2026-12-03T16:00:00Z"}, "2026-12-02T10:00:00Z",
     "Thu 2026-12-03 17:00 Europe/Berlin"),
    ("due_during_time_off", LA, {"due_on": "2026-12-09"}, "2026-12-02T10:00:00Z",
     "Wed 2026-12-09"),
    ("due_during_time_off", LA, {"due_at": "2026-12-09T19:00:00Z"}, "2026-12-02T10:00:00Z",
     "Wed 2026-12-09 11:00 America/Los_Angeles"),
]


@pytest.mark.parametrize(("kind", "person", "due", "now", "expected"), DUE_CASES)
def test_summary_and_evidence_give_the_same_deadline(kind: str, person: dict[str, str] | None,
                                                     due: dict[str, str], now: str,
                                                     expected: str) -> None:
    rows: dict[str, Any] = {
        "people": [person] if person else [],
        "tasks": [{"id": "t1", "title": "Send shortlist", **due,
                   "assignees": [person["email"]] if person else []}],
        "events": [{"id": "v1", "owner": person["email"], "title": "Vacation",
                    "start_date": "2026-12-07", "end_date": "2026-12-12"}] if person else []}
    [found] = findings(kind, rows, now, RulesContext(default_timezone="Europe/Berlin"))
    facts = [e.fact for e in found.evidence if e.subject is not None
             and e.subject.type == "task"]
    assert expected in found.summary and expected in facts[0]
    if "due_on" in due:
        assert ":" not in found.summary.split(";")[0], "a due date has no time of day"


@pytest.mark.parametrize(("due", "now", "late"), [
    ({"due_on": "2026-11-29"}, "2026-12-02T10:00:00Z", "3 days late"),
    ({"due_on": "2026-12-01"}, "2026-12-02T10:00:00Z", "1 day late"),
    ({"due_at": "2026-12-02T09:00:00Z"}, "2026-12-02T10:00:00Z", "1 hour late"),
    ({"due_at": "2026-11-29T09:00:00Z"}, "2026-12-02T10:00:00Z", "3 days late"),
])
def test_overdue_says_how_late_in_days_or_hours(due: dict[str, str], now: str,
                                                late: str) -> None:
    rows = {"people": [BERLIN], "tasks": [{"id": "t1", **due, "assignees": [BERLIN["email"]]}]}
    [found] = findings("overdue", rows, now)
    assert f", {late}; assigned to Ana Ruiz." in found.summary


@pytest.mark.parametrize(("identity", "person", "who"), [
    ({"person": "felix@agency.example"}, {"email": "felix@agency.example",
                                          "name": "Felix Wagner"},
     "Felix Wagner's salesforce account"),
    ({}, None, "old@agency.example's salesforce account"),
])
def test_an_inactive_account_is_named_after_its_person(identity: dict[str, str],
                                                       person: dict[str, str] | None,
                                                       who: str) -> None:
    rows = {"people": [person] if person else [],
            "identities": [{"source": "salesforce", "id": "005X", "email": "old@agency.example",
                            "active": False, **identity}],
            "deals": [{"id": "o1", "name": "Atlas Gala", "owner": "005X"}]}
    [found] = findings("work_owned_by_inactive_person", rows, "2026-12-02T10:00:00Z")
    assert found.title == f"{who} is inactive but still owns 1 open deal"
    assert found.evidence[0].fact == f"{who} is inactive"


def test_an_inactive_person_is_named_not_addressed() -> None:
    rows = {"people": [{"email": "felix@agency.example", "name": "Felix Wagner",
                        "active": False}],
            "tasks": [{"id": "t1", "assignees": ["felix@agency.example"]}]}
    [found] = findings("work_owned_by_inactive_person", rows, "2026-12-02T10:00:00Z")
    assert found.title == "Felix Wagner is inactive but still owns 1 open task"


def test_display_name_when_the_account_has_no_person() -> None:
    rows = {"identities": [{"source": "asana-main", "id": "user:x@agency.example",
                            "email": "x@agency.example", "display_name": "Xavier Roe",
                            "active": False}],
            "tasks": [{"id": "t1", "assignees": ["x@agency.example"]}]}
    [found] = findings("work_owned_by_inactive_person", rows, "2026-12-02T10:00:00Z")
    assert found.title == "Xavier Roe's asana-main account is inactive but still owns 1 open task"
