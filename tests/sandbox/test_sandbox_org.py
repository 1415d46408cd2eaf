"""The sample organisations plant every rule kind, on any weekday, with near misses.

The consultancy's plants are written in the wall time of the people they concern,
so they mean the same thing on both sides of a DST change; these tests check that
the DST change really falls where its docstring says and that the near misses
stay near misses in every week around it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from sandbox.consultancy import PINNED_NOW
from sandbox.org import Meeting, Organisation, WorkItem, resolve, sample_org
from sandbox.orgs import ORGS

RULE_KINDS = {
    "double_booking", "due_during_time_off", "meeting_during_time_off", "overdue",
    "due_soon_unassigned", "overload", "linked_items_disagree", "won_deal_no_kickoff",
    "blocker_done_dependent_idle", "client_meeting_no_followup",
    "work_owned_by_inactive_person", "stale_source",
}
MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
EVERY_WEEKDAY = [MONDAY + timedelta(days=d, hours=h) for d in range(7) for h in (0, 14)]
NEW_YORK, LONDON = ZoneInfo("America/New_York"), ZoneInfo("Europe/London")
AROUND_DST = [PINNED_NOW + timedelta(weeks=w) for w in range(-3, 5)]
"""The consultancy's pinned Wednesday and the weeks around both March DST changes."""


def consultancy(now: datetime) -> Organisation:
    return ORGS["consultancy"].build(now)


def meeting(org: Organisation, key: str) -> Meeting:
    return next(m for m in org.meetings if m.key == key)


def item(org: Organisation, key: str) -> WorkItem:
    return org.item(key)


def next_week(org: Organisation, weekday: int) -> date:
    today = org.now.date()
    return today - timedelta(days=today.weekday()) + timedelta(days=6 + weekday)


def instance(series: Meeting, on: date) -> tuple[datetime, datetime]:
    """A series instance on `on`, at the series' wall time in its own zone."""
    assert series.start and series.end and series.time_zone
    zone = ZoneInfo(series.time_zone)
    start = datetime.combine(on, series.start.astimezone(zone).time(), tzinfo=zone)
    return start, start + (series.end - series.start)


@pytest.mark.parametrize("name", list(ORGS))
def test_answer_key_covers_every_rule_kind(name: str) -> None:
    assert {e.kind for e in ORGS[name].answer_key()} == RULE_KINDS


@pytest.mark.parametrize("name", list(ORGS))
@pytest.mark.parametrize("now", EVERY_WEEKDAY, ids=lambda d: d.strftime("%a%H"))
def test_answer_key_subjects_exist_in_the_organisation(name: str, now: datetime) -> None:
    org = ORGS[name].build(now)
    for expected in ORGS[name].answer_key():
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


def test_the_consultancy_is_pinned_just_before_both_march_dst_changes() -> None:
    """This week New York is 5 hours behind London, next week 4, then 5 again."""
    org = consultancy(PINNED_NOW)
    standup = meeting(org, "standup")
    offsets = [instance(standup, PINNED_NOW.date() + timedelta(weeks=w)) for w in (0, 1, 3)]
    gaps = [s.astimezone(LONDON).utcoffset() - s.utcoffset()  # type: ignore[operator]
            for s, _ in offsets]
    assert gaps == [timedelta(hours=5), timedelta(hours=4), timedelta(hours=5)]
    leave = meeting(org, "omar-leave")
    assert leave.start_date and leave.end_date
    days = [leave.start_date + timedelta(days=n)
            for n in range((leave.end_date - leave.start_date).days)]
    lengths = {datetime.combine(d + timedelta(days=1), time(), LONDON).astimezone(UTC)
               - datetime.combine(d, time(), LONDON).astimezone(UTC) for d in days}
    assert timedelta(hours=23) in lengths  # London's spring-forward Sunday is in the leave
    assert {d.isoweekday() for d in days} == {4, 5, 6, 7, 1}
    handoff = item(org, "icons-handoff")  # 00:30 Tuesday in London is Monday in UTC then
    assert handoff.due_at and handoff.due_at.astimezone(UTC).date() < leave.end_date


@pytest.mark.parametrize("now", AROUND_DST, ids=lambda d: d.strftime("%m-%d"))
def test_consultancy_plants_mean_the_same_in_every_week_around_dst(now: datetime) -> None:
    org = consultancy(now)
    tuesday = next_week(org, 2)
    sync_start, sync_end = instance(meeting(org, "platform-sync"), tuesday)
    review = meeting(org, "design-review")
    assert review.start and review.end and review.start.date() == tuesday
    shared = min(sync_end, review.end) - max(sync_start, review.start)
    assert shared == timedelta(minutes=30)
    standup, arch = meeting(org, "standup"), meeting(org, "arch-sync")
    assert arch.start
    assert instance(standup, arch.start.date())[1] == arch.start  # back to back
    leave, handoff = meeting(org, "omar-leave"), item(org, "icons-handoff")
    assert leave.end_date and handoff.due_at
    leave_end = datetime.combine(leave.end_date, time(), LONDON)
    assert handoff.due_at - leave_end == timedelta(minutes=30)


@pytest.mark.parametrize("now", EVERY_WEEKDAY, ids=lambda d: d.strftime("%a%H"))
def test_consultancy_week_bound_plants_hold_on_any_weekday(now: datetime) -> None:
    org = consultancy(now)
    next_week = (org.now.date() + timedelta(days=7)).isocalendar()[:2]
    priya = sum(i.estimate_hours or 0 for i in org.items if "priya" in i.assignees
                and i.due_on and i.due_on.isocalendar()[:2] == next_week)
    assert priya > 1.1 * org.member("priya").weekly_capacity_hours
    sams = [i for i in org.items if "sam" in i.assignees and i.due_on
            and i.due_on.isocalendar()[:2] == next_week]
    capacity = org.member("sam").weekly_capacity_hours
    assert sum((i.estimate_hours or 0) / len(i.assignees) for i in sams) < capacity
    assert sum(i.estimate_hours or 0 for i in sams) > 1.1 * capacity  # unless cards split
    audit, leave = item(org, "a11y-audit"), meeting(org, "omar-leave")
    assert leave.start_date and leave.end_date and audit.due_on
    assert leave.start_date < audit.due_on < leave.end_date
    ooo, signoff = meeting(org, "nina-ooo"), meeting(org, "qa-signoff")
    assert ooo.start and ooo.end and signoff.start
    assert ooo.start < signoff.start < ooo.end


def test_consultancy_near_misses_are_really_near() -> None:
    org = consultancy(PINNED_NOW)
    standup = meeting(org, "standup")
    moved, cancelled = standup.changes
    assert moved.start == meeting(org, "vendor-call").end + timedelta(minutes=30)
    assert moved.original == meeting(org, "vendor-call").start
    assert cancelled.cancelled and cancelled.original == meeting(org, "sprint-demo").start
    sync = meeting(org, "platform-sync")
    assert any(a.email.startswith("omar@") and a.response == "declined"
               for a in sync.attendees)
    card, task = item(org, "api-docs-card"), item(org, "api-docs")
    assert card.due_at and task.due_on
    assert card.due_at.astimezone(NEW_YORK).date() - task.due_on == timedelta(days=1)
    assert card.due_at.astimezone(UTC).date() - task.due_on == timedelta(days=2)
    legacy = org.project("legacy")
    assert legacy.archived and item(org, "migrate-auth").also_in == ("platform",)
    assert not org.project("platform").archived


def test_consultancy_habits_differ_from_the_agency() -> None:
    org = consultancy(PINNED_NOW)
    kate = org.member("kate")
    assert len({kate.name, *(name for _, name in kate.tool_names)}) == 4
    assert kate.asana_email != kate.email
    assert {p.effort for p in org.projects if p.tool != "google"} == {
        "days", "minutes", "field", ""}
    assert {i.link_form for i in org.items if i.links_to} == {
        "short", "slug", "asana-task", "asana-0", "asana-project-task"}
    assert {i.deal_link_form for i in org.items if i.deal_links} == {
        "classic15", "lightning15"}
    assert [m.key for m in org.members if not m.active_in_config] == ["raj", "ines"]
