"""Checking replica answers against a Google discovery document (People, Tasks)."""

from __future__ import annotations

from typing import Any


def check_schema(value: Any, schema: dict[str, Any], spec: dict[str, Any],
                 where: str = "$") -> None:
    """Every key the replica emits exists in the discovery schema, with its JSON type and,
    where the schema has one, a value from its enum."""
    if "$ref" in schema:
        schema = spec["schemas"][schema["$ref"]]
    kind = schema.get("type")
    if kind == "object":
        assert isinstance(value, dict), where
        for key, item in value.items():
            assert key in schema["properties"], f"{where}.{key} is not in the spec"
            check_schema(item, schema["properties"][key], spec, f"{where}.{key}")
    elif kind == "array":
        assert isinstance(value, list), where
        for i, item in enumerate(value):
            check_schema(item, schema["items"], spec, f"{where}[{i}]")
    else:
        expected = {"string": str, "boolean": bool, "integer": int}[kind]
        assert type(value) is expected, f"{where}: {value!r} is not {kind}"
        assert value in schema.get("enum", [value]), f"{where}: {value!r} not in enum"
