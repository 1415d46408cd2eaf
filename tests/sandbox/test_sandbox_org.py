"""The sample organisation plants every rule kind, on any weekday, with near misses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sandbox.org import answer_key, resolve, sample_org

RULE_KINDS = {
    "double_booking", "due_during_time_off", "meeting_during_time_off", "overdue",
    "due_soon_unassigned", "overload", "linked_items_disagree", "won_deal_no_kickoff",
    "blocker_done_dependent_idle", "client_meeting_no_followup",
    "work_owned_by_inactive_person", "stale_source",
}
MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
EVERY_WEEKDAY = [MONDAY + timedelta(days=d, hours=h) for d in range(7) for h in (0, 14)]


def test_answer_key_covers_every_rule_kind() -> None:
    assert {e.kind for e in answer_key()} == RULE_KINDS


@pytest.mark.parametrize("now", EVERY_WEEKDAY, ids=lambda d: d.strftime("%a%H"))
def test_answer_key_subjects_exist_in_the_organisation(now: datetime) -> None:
    org = sample_org(now)
    for expected in answer_key():
        for subject in expected.subjects:
            assert resolve(org, subject) is not None


@pytest.mark.parametrize("now", EVERY_WEEKDAY, ids=lambda d: d.strftime("%a%H"))
def test_week_bound_plants_stay_in_the_next_iso_week(now: datetime) -> None:
    org = sample_org(now)
    next_week = (now + timedelta(days=7)).isocalendar()[:2]
    kim_hours = sum(i.estimate_hours or 0 for i in org.items if "kim" in i.assignees
                    and i.due_on and i.due_on.isocalendar()[:2] == next_week)
    assert kim_hours > org.member("kim").weekly_capacity_hours
    ooo = next(m for m in org.meetings if m.key == "chloe-ooo")
    poster = next(i for i in org.items if i.key == "poster-artwork")
    assert ooo.start and ooo.end and poster.due_at
    assert ooo.start < poster.due_at < ooo.end
    assert ooo.start.isocalendar()[:2] == next_week


def test_near_misses_are_really_near() -> None:
    org = sample_org(MONDAY)
    by_key = {m.key: m for m in org.meetings}
    assert by_key["client-sync"].end == by_key["budget-review"].start
    pitch = by_key["supplier-pitch"]
    assert any(a.email.startswith("dev@") and a.response == "declined" for a in pitch.attendees)
    assert by_key["team-lunch"].transparent and by_key["old-kickoff"].status == "cancelled"
    vacation, brochure = by_key["isla-vacation"], next(
        i for i in org.items if i.key == "brochure-layout")
    assert vacation.end_date == brochure.due_on


def test_identities_are_realistic() -> None:
    org = sample_org(MONDAY)
    ben = org.member("ben")
    assert ben.asana_email and ben.asana_email != ben.email
    assert not org.member("felix").active and org.member("felix").salesforce
    assert org.unmatched_trello_members
