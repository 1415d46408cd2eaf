"""How far behind and ahead of `now` the rules look at calendar events.

A calendar sync lists a window of time around `now`; an event outside it is not in the
model, so a rule looking further would miss it without a word. This is the one place
that says what the configured rules need; the Google source's window is widened to it
(`baton/connect.py`). Each kind states its reach from its params:

| kind | behind | ahead |
|---|---|---|
| double_booking | `lookback_hours` | `lookahead_days` |
| due_during_time_off | — | `lookahead_days` + the due day |
| meeting_during_time_off | — | `lookahead_days` |
| overload | back to this week's Monday | `weeks_ahead` weeks |
| client_meeting_no_followup | `max_age_days` | — |
| the others | — (time off of today at most) | — |

Not covered by any window: `overload` also reads time off up to the latest due date of
a person's open tasks, and `work_owned_by_inactive_person` any future meeting; both see
what the window holds.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rules.config import RulesConfig
from rules.kinds import ALIASES


@dataclass(frozen=True)
class Horizon:
    """Whole days behind and ahead of `now`."""

    past_days: int = 0
    future_days: int = 0

    def __or__(self, other: Horizon) -> Horizon:
        return Horizon(max(self.past_days, other.past_days),
                       max(self.future_days, other.future_days))


NOTHING = Horizon()
REACH: dict[str, Callable[[Any], Horizon]] = {
    "double_booking": lambda p: Horizon(math.ceil(p.lookback_hours / 24), p.lookahead_days),
    "due_during_time_off": lambda p: Horizon(0, p.lookahead_days + 1),
    "meeting_during_time_off": lambda p: Horizon(0, p.lookahead_days),
    "overload": lambda p: Horizon(7, 7 * p.weeks_ahead),
    "client_meeting_no_followup": lambda p: Horizon(p.max_age_days, 0),
    "overdue": lambda p: NOTHING,
    "due_soon_unassigned": lambda p: NOTHING,
    "linked_items_disagree": lambda p: NOTHING,
    "won_deal_no_kickoff": lambda p: NOTHING,
    "blocker_done_dependent_idle": lambda p: NOTHING,
    "work_owned_by_inactive_person": lambda p: NOTHING,
    "stale_source": lambda p: NOTHING,
}
"""Every kind of `rules.kinds.KINDS` (a test holds them equal)."""


def event_horizon(config: RulesConfig) -> Horizon:
    """The widest reach of the enabled rules."""
    found = NOTHING
    for rule in config.rules:
        found |= REACH[ALIASES.get(rule.kind, rule.kind)](rule.params)
    return found

