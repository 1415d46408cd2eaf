"""Checks a parsed SOQL query against the schema, runs it and shapes the records.

Validation reproduces the errors the real API gives for the mistakes a
connector author makes (INVALID_TYPE for an unknown object, INVALID_FIELD for
an unknown field or relationship and for a literal of the wrong type,
INVALID_QUERY_FILTER_OPERATOR for an operator that cannot apply), each with
Salesforce's row/column message. Evaluation follows SOQL, not SQL: string
comparisons ignore case, `!=` also matches null, and ascending order puts
nulls first unless NULLS LAST is given.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cmp_to_key
from typing import Any

from sandbox.salesforce.schema import (
    FieldDef,
    FieldValue,
    ObjectDef,
    RelationshipDef,
    lookup_object,
    wire_value,
)
from sandbox.salesforce.soql import (
    Comparison,
    FieldRef,
    LiteralKind,
    OrderItem,
    Query,
    SoqlError,
    located,
)
from sandbox.salesforce.state import SalesforceState, StoredRecord

_FIELD_HINT = ("If you are attempting to use a custom field, be sure to append the '__c' "
               "after the custom field name. Please reference your WSDL or the describe call "
               "for the appropriate names.")
_ACCEPTS: dict[str, tuple[LiteralKind, ...]] = {
    "id": ("string",), "reference": ("string",), "string": ("string",),
    "picklist": ("string",), "boolean": ("boolean",), "datetime": ("datetime",),
    "date": ("date",), "double": ("number",), "currency": ("number",), "int": ("number",),
}
_TYPE_NAMES = {"datetime": "dateTime", "reference": "id"}


@dataclass(frozen=True)
class Resolved:
    """A field path checked against the schema: relationships walked, then the field."""

    ref: FieldRef
    hops: tuple[tuple[str, ObjectDef], ...]  # (relationship API name, target object)
    field: FieldDef


def resolve(query: Query, root: ObjectDef, ref: FieldRef) -> Resolved:
    current, hops = root, []
    for name in ref.path[:-1]:
        relationship = current.relationship(name)
        target = lookup_object(relationship.target) if relationship else None
        if relationship is None or target is None:
            raise SoqlError("INVALID_FIELD", located(query.text, ref.token, (
                f"Didn't understand relationship '{name}' in field path. If you are attempting"
                " to use a custom relationship, be sure to append the '__r' after the custom "
                "relationship name. Please reference your WSDL or the describe call for the "
                "appropriate names.")))
        hops.append((relationship.name, target))
        current = target
    field = current.field(ref.path[-1])
    if field is None:
        raise SoqlError("INVALID_FIELD", located(query.text, ref.token, (
            f"No such column '{ref.path[-1]}' on entity '{current.name}'. {_FIELD_HINT}")))
    return Resolved(ref, tuple(hops), field)


def root_object(query: Query) -> ObjectDef:
    found = lookup_object(query.sobject.text)
    if found is None:
        raise SoqlError("INVALID_TYPE", located(query.text, query.sobject, (
            f"sObject type '{query.sobject.text}' is not supported. If you are attempting to "
            "use a custom object, be sure to append the '__c' after the entity name. Please "
            "reference your WSDL or the describe call for the appropriate names.")))
    return found


def check_comparison(query: Query, resolved: Resolved, condition: Comparison) -> None:
    kind, name = resolved.field.kind, resolved.field.name
    if condition.kind == "null":
        if condition.op not in ("=", "!="):
            raise _operator_error(query, condition, f"invalid operator on null value for {name}")
        return
    if condition.kind not in _ACCEPTS[kind]:
        quoting = "be" if kind in ("id", "reference", "string", "picklist") else "not be"
        raise SoqlError("INVALID_FIELD", located(query.text, condition.literal, (
            f"value of filter criterion for field '{name}' must be of type "
            f"{_TYPE_NAMES.get(kind, kind)} and should {quoting} enclosed in quotes")))
    if kind == "boolean" and condition.op not in ("=", "!="):
        raise _operator_error(query, condition, f"invalid operator on boolean field: {name}")
    if kind in ("id", "reference") and not _looks_like_id(str(condition.value)):
        raise _operator_error(query, condition, f"invalid ID field: {condition.value}")


def _operator_error(query: Query, condition: Comparison, problem: str) -> SoqlError:
    return SoqlError("INVALID_QUERY_FILTER_OPERATOR",
                     located(query.text, condition.literal, problem))


def _looks_like_id(value: str) -> bool:
    return len(value) in (15, 18) and value.isalnum()


@dataclass(frozen=True)
class Plan:
    root: ObjectDef
    fields: tuple[Resolved, ...]
    where: tuple[tuple[Resolved, Comparison], ...]
    order_by: tuple[tuple[Resolved, OrderItem], ...]
    limit: int | None


def plan(query: Query) -> Plan:
    """Validate everything before touching a row, as the real API does."""
    root = root_object(query)
    fields = tuple(resolve(query, root, ref) for ref in query.fields)
    seen: set[str] = set()
    for item in fields:
        key = item.ref.dotted.lower()
        if key in seen:
            raise SoqlError("MALFORMED_QUERY", located(
                query.text, item.ref.token, f"duplicate field selected: {item.ref.dotted}"))
        seen.add(key)
    where = tuple((resolve(query, root, c.field), c) for c in query.where)
    for resolved, condition in where:
        check_comparison(query, resolved, condition)
    order = tuple((resolve(query, root, o.field), o) for o in query.order_by)
    return Plan(root, fields, where, order, query.limit)


def value_at(state: SalesforceState, record: StoredRecord, resolved: Resolved) -> FieldValue:
    current: StoredRecord | None = record
    for relationship_name, _target in resolved.hops:
        relationship = _relationship(current, relationship_name)
        related_id = current.values.get(relationship.id_field) if current else None
        current = _related(state, related_id)
    return current.values.get(resolved.field.name) if current else None


def _relationship(record: StoredRecord | None, name: str) -> RelationshipDef | None:
    obj = lookup_object(record.sobject) if record else None
    return obj.relationship(name) if obj else None


def _related(state: SalesforceState, related_id: FieldValue) -> StoredRecord | None:
    related = state.get(str(related_id)) if related_id else None
    return related if related is not None and related.deleted_at is None else None


def matches(value: FieldValue, condition: Comparison) -> bool:
    literal = condition.value
    if condition.kind == "null":
        return (value is None) == (condition.op == "=")
    if value is None:
        return condition.op == "!="
    left, right = _comparable(value, literal)
    return {"=": left == right, "!=": left != right, "<": left < right, "<=": left <= right,
            ">": left > right, ">=": left >= right}[condition.op]


def _comparable(value: FieldValue, literal: object) -> tuple[Any, Any]:
    if isinstance(value, str) and isinstance(literal, str):
        if _looks_like_id(value) and len(literal) == 15 and len(value) == 18:
            return value[:15], literal
        return value.casefold(), literal.casefold()
    if isinstance(value, datetime | date | bool):
        return value, literal
    return float(value), float(literal)  # type: ignore[arg-type]


def run(state: SalesforceState, query_plan: Plan, *, include_deleted: bool) -> list[StoredRecord]:
    rows = [r for r in state.rows(query_plan.root.name, include_deleted=include_deleted)
            if all(matches(value_at(state, r, res), c) for res, c in query_plan.where)]
    if query_plan.order_by:
        rows.sort(key=cmp_to_key(lambda a, b: _compare_rows(state, query_plan, a, b)))
    return rows if query_plan.limit is None else rows[:query_plan.limit]


def _compare_rows(state: SalesforceState, query_plan: Plan, a: StoredRecord,
                  b: StoredRecord) -> int:
    for resolved, item in query_plan.order_by:
        left, right = value_at(state, a, resolved), value_at(state, b, resolved)
        if left is None or right is None:
            if left is None and right is None:
                continue
            return (-1 if left is None else 1) * (1 if item.nulls_first else -1)
        left_key, right_key = _comparable(left, right)
        if left_key != right_key:
            order = -1 if left_key < right_key else 1
            return -order if item.descending else order
    return 0


def render(state: SalesforceState, record: StoredRecord, query_plan: Plan,
           version: str) -> dict[str, object]:
    """One record as the API shapes it: `attributes`, then the selected fields in
    order, relationship fields nested under the relationship name (null when the
    lookup is empty), exactly as query_users.json shows for `Profile.Name`."""
    out = _attributes(record, version)
    for resolved in query_plan.fields:
        target: dict[str, object] | None = out
        current: StoredRecord | None = record
        for relationship_name, _obj in resolved.hops:
            relationship = _relationship(current, relationship_name)
            current = _related(state, current.values.get(relationship.id_field)
                               if current and relationship else None)
            if target is None:
                break
            if relationship_name not in target or target[relationship_name] is None:
                target[relationship_name] = _attributes(current, version) if current else None
            target = target[relationship_name]  # type: ignore[assignment]
        if target is not None and current is not None:
            target[resolved.field.name] = wire_value(
                resolved.field.kind, current.values.get(resolved.field.name))
    return out


def _attributes(record: StoredRecord, version: str) -> dict[str, object]:
    return {"attributes": {"type": record.sobject,
                           "url": f"/services/data/v{version}/sobjects/{record.sobject}/"
                                  f"{record.id}"}}
