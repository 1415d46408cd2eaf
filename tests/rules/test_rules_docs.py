"""Every kind documents itself: its docstring is what admins read in `rules check` hints."""

from __future__ import annotations

import inspect

import pytest
from pydantic import BaseModel

from rules.kinds import KINDS

SECTIONS = ("**Fires when**", "**Does not fire when**", "**Why it matters")


@pytest.mark.parametrize("name", sorted(KINDS))
def test_kind_docstring_has_the_three_sections_in_order(name: str) -> None:
    doc = inspect.getdoc(KINDS[name]) or ""
    positions = [doc.find(section) for section in SECTIONS]
    assert all(p >= 0 for p in positions), f"{name}: missing one of {SECTIONS}"
    assert positions == sorted(positions), f"{name}: sections out of order"
    for start, end in zip(positions, [*positions[1:], len(doc)], strict=True):
        assert len(doc[start:end].split()) > 8, f"{name}: a section without an example"


@pytest.mark.parametrize("name", sorted(KINDS))
def test_params_forbid_unknown_keys_default_everything_and_describe_fields(name: str) -> None:
    params: type[BaseModel] = KINDS[name].Params
    assert params.model_config.get("extra") == "forbid"
    params()  # every field has a default
    for field_name, field in params.model_fields.items():
        assert field.description, f"{name}.{field_name} has no description"


@pytest.mark.parametrize("name", sorted(KINDS))
def test_evaluate_takes_view_params_now(name: str) -> None:
    signature = inspect.signature(KINDS[name].evaluate)
    assert list(signature.parameters) == ["view", "params", "now"]
