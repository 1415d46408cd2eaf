"""Properties of the interval logic every calendar rule stands on (hypothesis)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from rules.timeutil import (
    NO_TIME,
    Interval,
    covered,
    day_interval,
    due_deadline,
    local_date,
    merge,
    sweep_overlaps,
)

BASE = datetime(2026, 3, 1, tzinfo=UTC)
ZONES = ["UTC", "Europe/Berlin", "Europe/Madrid", "America/Los_Angeles", "America/New_York",
         "Australia/Lord_Howe", "Asia/Kolkata", "Pacific/Chatham", "America/Santiago"]


@st.composite
def intervals(draw: st.DrawFn) -> Interval:
    start = draw(st.integers(0, 48 * 60))
    length = draw(st.integers(0, 8 * 60))
    return Interval(BASE + timedelta(minutes=start), BASE + timedelta(minutes=start + length))


@given(intervals(), intervals())
def test_overlap_is_symmetric_and_bounded(a: Interval, b: Interval) -> None:
    assert a.overlap(b) == b.overlap(a)
    assert NO_TIME <= a.overlap(b) <= min(a.duration, b.duration)


@given(intervals())
def test_back_to_back_intervals_share_nothing(a: Interval) -> None:
    after = Interval(a.end, a.end + timedelta(hours=1))
    assert a.overlap(after) == NO_TIME


@given(st.lists(intervals(), max_size=30))
def test_sweep_finds_exactly_the_overlapping_pairs_and_never_an_item_with_itself(
        spans: list[Interval]) -> None:
    items = list(enumerate(spans))
    found = {(min(a[0], b[0]), max(a[0], b[0]))
             for a, b, _ in sweep_overlaps(items, lambda item: item[1])}
    brute = {(i, j) for (i, a), (j, b) in itertools.combinations(items, 2) if a.overlap(b)}
    assert found == brute
    assert all(i != j for i, j in found)


@given(st.lists(intervals(), max_size=30))
def test_merge_gives_sorted_disjoint_intervals_covering_the_same_time(
        spans: list[Interval]) -> None:
    merged = merge(spans)
    for before, after in itertools.pairwise(merged):
        assert before.end < after.start, "touching or overlapping intervals must be joined"
    for minute in range(0, 56 * 60, 7):
        point = BASE + timedelta(minutes=minute)
        assert any(s.contains(point) for s in spans) == any(m.contains(point) for m in merged)


@given(st.integers(0, 40 * 60), st.integers(1, 600), st.integers(1, 600))
def test_adjacent_intervals_merge_into_one(start: int, first: int, second: int) -> None:
    a = Interval(BASE + timedelta(minutes=start), BASE + timedelta(minutes=start + first))
    b = Interval(a.end, a.end + timedelta(minutes=second))
    assert merge([b, a]) == [Interval(a.start, b.end)]


@given(st.lists(intervals(), max_size=20), intervals())
def test_covered_equals_the_overlap_with_the_merged_union(spans: list[Interval],
                                                          window: Interval) -> None:
    merged = merge(spans)
    assert covered(merged, window) == sum((m.overlap(window) for m in merged), NO_TIME)
    assert covered(merged, window) <= window.duration


@given(st.dates(date(2025, 1, 1), date(2027, 12, 31)), st.sampled_from(ZONES))
def test_local_days_tile_time_without_gaps_in_every_zone(day: date, zone: str) -> None:
    tz = ZoneInfo(zone)
    today, tomorrow = day_interval(day, tz), day_interval(day + timedelta(days=1), tz)
    assert today.end == tomorrow.start
    assert timedelta(hours=22) <= today.duration <= timedelta(hours=26)
    assert local_date(today.start, tz) == day


@given(st.dates(date(2025, 1, 1), date(2027, 12, 31)), st.sampled_from(ZONES))
def test_date_only_due_is_late_exactly_when_its_local_day_ends(day: date, zone: str) -> None:
    tz = ZoneInfo(zone)
    deadline = due_deadline(day, None, tz)
    assert deadline is not None
    assert local_date(deadline - timedelta(microseconds=1), tz) == day
    assert local_date(deadline, tz) == day + timedelta(days=1)


def test_dst_days_are_23_and_25_hours_long_in_berlin() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    assert day_interval(date(2026, 3, 29), berlin).duration == timedelta(hours=23)
    assert day_interval(date(2026, 10, 25), berlin).duration == timedelta(hours=25)
