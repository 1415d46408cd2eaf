"""How far the rules look at calendar events, and the calendar window derived from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from baton.connect import calendar_window
from baton.sources import GoogleSource
from rules.config import parse_rules
from rules.horizon import REACH, Horizon, event_horizon
from rules.kinds import KINDS

DEFAULT_RULES = Path(__file__).parents[2] / "config" / "rules.yaml"


def rules(text: str) -> Horizon:
    return event_horizon(parse_rules(text, "rules.yaml"))


def test_every_kind_states_its_reach() -> None:
    assert set(REACH) == set(KINDS)


def test_the_default_rules_look_two_weeks_back_and_61_days_ahead() -> None:
    # client meetings 14 days back; due dates 60 days ahead plus the due day itself
    assert event_horizon(parse_rules(DEFAULT_RULES.read_text(), "rules.yaml")) == Horizon(14, 61)


@pytest.mark.parametrize(("rule", "expected"), [
    ("{id: a, kind: double_booking, params: {lookahead_days: 90, lookback_hours: 25}}",
     Horizon(2, 90)),
    ("{id: a, kind: overload, params: {weeks_ahead: 12}}", Horizon(7, 84)),
    ("{id: a, kind: meeting_during_time_off, params: {lookahead_days: 400}}", Horizon(0, 400)),
    ("{id: a, kind: due_during_time_off, params: {lookahead_days: 10}}", Horizon(0, 11)),
    ("{id: a, kind: client_meeting_no_followup, params: {max_age_days: 45}}", Horizon(45, 0)),
    ("{id: a, kind: overload, enabled: false, params: {weeks_ahead: 12}}", Horizon(0, 0)),
    ("{id: a, kind: overdue}", Horizon(0, 0)),
])
def test_each_kind_reaches_as_its_params_say(rule: str, expected: Horizon) -> None:
    assert rules(f"rules:\n  - {rule}\n") == expected


def test_the_calendar_window_is_the_source_window_widened_to_the_rules() -> None:
    source = GoogleSource.model_validate({
        "name": "google", "type": "google", "window_past_days": 30, "window_future_days": 180,
        "auth": {"kind": "oauth", "client_id": "c", "client_secret": "s", "refresh_token": "r",
                 "token_uri": "https://oauth2.googleapis.com/token"}})
    assert calendar_window(source, Horizon(14, 61)) == (30, 180)
    assert calendar_window(source, Horizon(45, 400)) == (45, 400)
