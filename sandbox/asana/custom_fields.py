"""Custom field definitions and task values for the Asana replica, checked as Asana would.

Facts reproduced (tests/fixtures/api-specs/asana/asana_oas.yaml, CustomFieldBase and
CustomFieldCreateRequest): `resource_subtype` is the type (`type` its deprecated twin);
`format` is one of currency, identifier, percentage, custom, duration, none, and
`custom_label` is null unless the format is custom; number fields round to `precision`
(0..6); an enum value is one of the field's options. Only the subtypes baton reads
(number, text, enum) are kept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sandbox.asana.records import CustomField, CustomValue, EnumOption

SUBTYPES = frozenset({"number", "text", "enum"})
FORMATS = frozenset({"currency", "identifier", "percentage", "custom", "duration", "none"})


def new_custom_field(gid: Callable[[], str], workspace: str, name: str, *,
                     subtype: str = "number", precision: int = 0, description: str = "",
                     format: str = "none", custom_label: str | None = None,
                     enum_options: Iterable[str] = ()) -> CustomField:
    """A definition; a builder mistake (a label without `format: custom`...) is a
    ValueError, as Asana answers 400."""
    if subtype not in SUBTYPES:
        raise ValueError(f"resource_subtype {subtype!r}: one of {sorted(SUBTYPES)}")
    if format not in FORMATS or (format != "none" and subtype != "number"):
        raise ValueError(f"format {format!r} does not fit a {subtype} field")
    if custom_label is not None and format != "custom":
        raise ValueError("custom_label needs format custom")
    if not 0 <= precision <= 6:
        raise ValueError("precision must be between 0 and 6")
    options = [EnumOption(gid(), option) for option in enum_options]
    if bool(options) != (subtype == "enum"):
        raise ValueError("enum options are for (and required by) enum fields")
    return CustomField(gid(), workspace, name, subtype, precision, description, format,
                       custom_label, options)


def checked_values(fields: Mapping[str, CustomField], values: Mapping[str, Any]
                   ) -> dict[str, CustomValue]:
    """Task values by field gid; an enum value may be given by option name or gid."""
    checked: dict[str, CustomValue] = {}
    for gid, value in values.items():
        field = fields.get(gid)
        if field is None:
            raise KeyError(f"custom field {gid} not found")
        checked[gid] = _checked(field, value)
    return checked


def _checked(field: CustomField, value: Any) -> CustomValue:
    if value is None:
        return None
    if field.subtype == "number" and isinstance(value, int | float) \
            and not isinstance(value, bool):
        return round(float(value), field.precision)
    if field.subtype == "text" and isinstance(value, str):
        return value
    option = next((o for o in field.enum_options if value in (o.gid, o.name)), None)
    if field.subtype == "enum" and option is not None:
        return option.gid
    raise ValueError(f"{value!r} is not a value of the {field.subtype} field {field.name!r}")


def display_value(field: CustomField, value: CustomValue) -> str | None:
    """`display_value`: always a string or null (number rounded to its precision)."""
    if value is None:
        return None
    if field.subtype == "number":
        return f"{float(value):.{field.precision}f}"
    if field.subtype == "enum":
        return next(o.name for o in field.enum_options if o.gid == value)
    return str(value)
