"""The Asana replica's custom fields on tasks: number, text and enum, and the
time-tracking estimate (`format: duration`), named and typed as the OpenAPI says.

No recorded sample holds custom field values (MANIFEST: "still missing"), so keys
come from `CustomFieldResponse` and enums from `CustomFieldBase`/`CustomFieldCreateRequest`
in tests/fixtures/api-specs/asana; `description` is [Opt In].
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from sandbox.asana import AsanaState, create_app
from sandbox.knobs import Clock, Knobs
from sandbox.server import running
from tests.sandbox.test_sandbox_asana_contract import schema_properties

TOKEN = "fields-token"
FIELDS = ",".join(f"custom_fields.{name}" for name in (
    "name", "resource_subtype", "type", "format", "custom_label", "number_value",
    "text_value", "enum_value.name", "display_value", "precision"))


@pytest.fixture(scope="module")
def answer() -> Iterator[tuple[httpx.Client, dict[str, str]]]:
    state = AsanaState(Knobs(clock=Clock(datetime(2026, 3, 2, 9, tzinfo=UTC))))
    ws = state.add_workspace("other.example").gid
    state.add_user("Owner", "owner@other.example", workspaces=[ws], token=TOKEN)
    hours = state.add_custom_field(ws, "Effort", format="custom", custom_label="hrs",
                                   precision=1, description="Estimated hours")
    tracked = state.add_custom_field(ws, "Estimated time", format="duration")
    text = state.add_custom_field(ws, "Estimate", subtype="text")
    size = state.add_custom_field(ws, "Sizing", subtype="enum", enum_options=["2h", "1 day"])
    project = state.add_project(ws, "Launch", custom_fields=[hours.gid, tracked.gid,
                                                             text.gid, size.gid])
    task = state.add_task("Plan", projects=[project.gid], custom_values={
        hours.gid: 2.25, tracked.gid: 90, text.gid: "90 min", size.gid: "1 day"})
    empty = state.add_task("Empty", projects=[project.gid])
    for wrong in ({hours.gid: "2"}, {text.gid: 2}, {size.gid: "3 days"}, {"404": 1}):
        with pytest.raises((ValueError, KeyError)):
            state.add_task("Bad", projects=[project.gid], custom_values=wrong)
    with running(create_app(state)) as server, httpx.Client(
            base_url=server.base_url + "/api/1.0",
            headers={"Authorization": f"Bearer {TOKEN}"}) as client:
        yield client, {"task": task.gid, "empty": empty.gid}


def fields_of(client: httpx.Client, gid: str, **params: Any) -> list[dict[str, Any]]:
    data = client.get(f"/tasks/{gid}", params=params).json()["data"]
    return data["custom_fields"]


def test_full_fields_use_the_specs_names_and_enums(answer: tuple[httpx.Client, Any]) -> None:
    client, ids = answer
    allowed = schema_properties("CustomFieldResponse")
    fields = fields_of(client, ids["task"])
    assert [f["name"] for f in fields] == ["Effort", "Estimated time", "Estimate", "Sizing"]
    for field in fields:
        assert set(field) <= allowed and "description" not in field  # opt-in
        assert field["resource_subtype"] == field["type"] in {"number", "text", "enum"}
        assert isinstance(field["display_value"], str)
    effort, tracked, text, size = fields
    assert (effort["number_value"], effort["display_value"]) == (2.2, "2.2")  # precision 1
    assert (effort["format"], effort["custom_label"]) == ("custom", "hrs")
    assert (tracked["format"], tracked["number_value"], tracked["custom_label"]) == (
        "duration", 90, None)
    assert (text["text_value"], text["display_value"]) == ("90 min", "90 min")
    assert size["enum_value"]["name"] == size["display_value"] == "1 day"
    assert set(size["enum_value"]) <= schema_properties("EnumOption")
    assert [o["name"] for o in size["enum_options"]] == ["2h", "1 day"]


def test_opt_fields_select_what_the_connector_asks(answer: tuple[httpx.Client, Any]) -> None:
    client, ids = answer
    fields = fields_of(client, ids["task"], opt_fields=FIELDS + ",custom_fields.description")
    effort, _, text, size = fields
    assert effort == {"gid": effort["gid"], "name": "Effort", "resource_subtype": "number",
                      "type": "number", "format": "custom", "custom_label": "hrs",
                      "number_value": 2.2, "display_value": "2.2", "precision": 1,
                      "description": "Estimated hours"}
    assert set(text) == {"gid", "name", "resource_subtype", "type", "text_value",
                         "display_value", "description"}
    assert size["enum_value"] == {"gid": size["enum_value"]["gid"], "name": "1 day"}
    empty = fields_of(client, ids["empty"], opt_fields=FIELDS)
    assert [f.get("number_value", f.get("text_value", f.get("enum_value"))) for f in empty] \
        == [None] * 4
    assert [f["display_value"] for f in empty] == [None] * 4


def test_builder_refuses_what_asana_refuses() -> None:
    state = AsanaState()
    ws = state.add_workspace("x").gid
    for bad in ({"subtype": "people"}, {"format": "hours"}, {"custom_label": "h"},
                {"subtype": "text", "format": "duration"}, {"precision": 7},
                {"subtype": "enum"}, {"enum_options": ["a"]}):
        with pytest.raises(ValueError):
            state.add_custom_field(ws, "Bad", **bad)
