"""The registry of rule kinds: one explicit dict, no discovery magic.

A kind is a module with a docstring (the user docs: **Fires when**, **Does
not fire when**, **Why it matters**), a `Params` model and a pure
`evaluate(view, params, now)`. A kind whose absence findings need saying why
they stopped may add `quiet_reasons(view, params, now)` (see
`rules.evaluate.resolve_reason`). Renaming a kind keeps the old name in
`ALIASES`, so existing rules.yaml files keep working.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from types import ModuleType
from typing import Any

from pydantic import BaseModel

from rules.findings import Finding
from rules.kinds import (
    blocker_done_dependent_idle,
    client_meeting_no_followup,
    double_booking,
    due_during_time_off,
    due_soon_unassigned,
    linked_items_disagree,
    meeting_during_time_off,
    overdue,
    overload,
    stale_source,
    won_deal_no_kickoff,
    work_owned_by_inactive_person,
)
from rules.view import ModelView

KINDS: dict[str, ModuleType] = {
    "double_booking": double_booking,
    "due_during_time_off": due_during_time_off,
    "meeting_during_time_off": meeting_during_time_off,
    "overdue": overdue,
    "due_soon_unassigned": due_soon_unassigned,
    "overload": overload,
    "linked_items_disagree": linked_items_disagree,
    "won_deal_no_kickoff": won_deal_no_kickoff,
    "blocker_done_dependent_idle": blocker_done_dependent_idle,
    "client_meeting_no_followup": client_meeting_no_followup,
    "work_owned_by_inactive_person": work_owned_by_inactive_person,
    "stale_source": stale_source,
}

ALIASES: dict[str, str] = {}
"""Old kind name → current name."""

Evaluate = Callable[[ModelView, Any, datetime], Iterator[Finding]]


def kind_module(name: str) -> ModuleType:
    return KINDS[ALIASES.get(name, name)]


def params_model(name: str) -> type[BaseModel]:
    model: type[BaseModel] = kind_module(name).Params
    return model


def evaluator(name: str) -> Evaluate:
    function: Evaluate = kind_module(name).evaluate
    return function


def known_kinds() -> list[str]:
    return sorted({*KINDS, *ALIASES})
