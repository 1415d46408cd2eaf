"""`opt_fields` selection: which keys of a record Asana answers, and how nested.

Facts reproduced (recorded samples, https://developers.asana.com/docs/inputoutput-options):
- without `opt_fields` a list answers compact records (`gid`, `name`, `resource_type`,
  plus `resource_subtype` for tasks) and a single GET the full record;
- with `opt_fields` a record answers `gid` plus exactly the named fields, nothing
  else: `opt_fields=name,email,photo` has no `resource_type` (workspace users sample);
- a resource-valued field named alone comes compact (`assignee` ->
  `{gid, name, resource_type}`); named with dotted sub-fields it answers `gid` plus
  those (`parent,parent.name` -> `{gid, name}`, subtasks sample);
- an object without a gid has an empty compact form: a task's default
  `memberships` is `[{}]` (task sample); `memberships.section.name` reaches into it.
Unknown field names are left out rather than refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

FieldTree = dict[str, "FieldTree"]


@dataclass(frozen=True)
class Ref:
    """A pointer to another record, resolved only if the selection reaches it."""

    kind: str
    gid: str


@dataclass
class Obj:
    """One record's answerable fields in Asana's key order, plus its two default views."""

    gid: str | None
    values: dict[str, Any]
    compact: tuple[str, ...]
    full: tuple[str, ...]


Resolver = Callable[[Ref], Obj]


def parse_opt_fields(raw: str | None) -> FieldTree | None:
    """`"a,b.c,this.d"` -> `{"a": {}, "b": {"c": {}}, "d": {}}`; None when absent."""
    if raw is None:
        return None
    tree: FieldTree = {}
    for path in filter(None, (part.strip() for part in raw.split(","))):
        node = tree
        for name in path.removeprefix("this.").split("."):
            node = node.setdefault(name, {})
    return tree


def render(value: Any, tree: FieldTree | None, resolve: Resolver, *, full: bool = False) -> Any:
    """Answer `value` the way Asana would for the selection `tree`.

    `tree` None means "no opt_fields": the record's default view, full or compact.
    """
    if isinstance(value, list):
        return [render(item, tree, resolve, full=full) for item in value]
    if isinstance(value, Ref):
        value = resolve(value)
    if not isinstance(value, Obj):
        return value
    if tree:
        keys = [key for key in value.values if key in tree]
        head = {"gid": value.gid} if value.gid is not None else {}
        return head | {key: render(value.values[key], tree[key] or None, resolve)
                       for key in keys if key != "gid"}
    keys = list(value.full if full else value.compact)
    return {key: render(value.values[key], None, resolve) for key in keys}
