"""YAML files whose every problem is reported as `file:line:col: message`.

Both config files admins edit (`baton.yaml` and `rules.yaml`) go through this
module, so they share one error format: ruamel keeps each node's position,
`${VAR}` references are expanded from the environment, and a pydantic
validation error is walked back along its `loc` to the nearest node that has
a position (the key when there is one). All problems are collected before
anything is reported, as `promtool check rules` does, so an admin fixes a file
in one pass. Messages name keys and expected values, never a value that may be
a secret.
"""

from __future__ import annotations

import difflib
import os
import re
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError

ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
Loc = tuple[int | str, ...]
ModelT = TypeVar("ModelT", bound=BaseModel)


class _DatesAsText(RoundTripConstructor):
    """ruamel turns `2026-13-01` into a date while parsing and crashes without a
    position; keeping timestamps as text lets pydantic judge them, with one."""


_DatesAsText.add_constructor("tag:yaml.org,2002:timestamp", _DatesAsText.construct_yaml_str)


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.message}"


class ConfigError(Exception):
    """One or more problems in a config file; `str()` is the full report."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.path, p.line, p.col))
        super().__init__(self.report())

    def report(self) -> str:
        lines = [str(p) for p in self.problems]
        count = len(self.problems)
        lines.append(f"{count} problem{'s' if count != 1 else ''} found")
        return "\n".join(lines)


@dataclass
class Document:
    """A parsed YAML file: the ruamel tree (with positions) and where it came from."""

    path: str
    tree: Any

    def problem(self, loc: Loc, message: str, *, at_key: bool = False) -> Problem:
        line, col = self.position(loc, at_key=at_key)
        return Problem(self.path, line, col, message)

    def present(self, loc: Loc) -> Loc:
        """`loc` without the items that are not keys or indexes in the file (union tags)."""
        node, kept = self.tree, []
        for item in loc:
            if _has(node, item):
                kept.append(item)
                node = node[item]
        return tuple(kept)

    def position(self, loc: Loc, *, at_key: bool = False) -> tuple[int, int]:
        """1-based line/col of the deepest node on `loc` that exists in the file.

        Loc items that are not in the tree (a union tag, a missing key) are
        skipped, so a missing key points at its parent mapping.
        """
        node, best = self.tree, (1, 1)
        last = len(loc) - 1
        for i, item in enumerate(loc):
            if not _has(node, item):
                continue
            if isinstance(node, CommentedMap):
                line, col = node.lc.key(item) if (at_key or i < last) else node.lc.value(item)
            else:
                line, col = node.lc.item(item)
            best, node = (line + 1, col + 1), node[item]
        return best


def _has(node: Any, item: int | str) -> bool:
    if isinstance(node, CommentedMap):
        return item in node
    return isinstance(node, CommentedSeq) and isinstance(item, int) and 0 <= item < len(node)


def parse(path: Path, text: str | None = None) -> Document:
    """Parse YAML keeping positions; syntax errors and duplicate keys become a Problem."""
    shown = str(path)
    if text is None:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError([Problem(shown, 1, 1, "file not found")]) from None
        except OSError as exc:
            raise ConfigError([Problem(shown, 1, 1, f"cannot read file: {exc.strerror}")]) from None
    yaml = YAML(typ="rt")
    yaml.Constructor = _DatesAsText
    try:
        tree = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = exc.problem or exc.context or "invalid YAML"
        raise ConfigError([Problem(shown, line, col, f"YAML syntax error: {what}")]) from None
    if tree is None:
        tree = CommentedMap()
    if not isinstance(tree, CommentedMap):
        raise ConfigError([Problem(shown, 1, 1, "the file must be a mapping of keys to values")])
    return Document(shown, tree)


def expand_env(doc: Document, environ: Mapping[str, str] | None = None, *,
               defer: Callable[[Loc, Problem], bool] | None = None
               ) -> tuple[Any, list[Problem]]:
    """Plain Python data from the tree with `${VAR}` replaced from the environment.

    A missing variable is a problem, unless `defer(loc, problem)` takes it over: then
    the whole value is left None (baton's read-only commands use this for secrets)."""
    env = os.environ if environ is None else environ
    problems: list[Problem] = []

    def walk(node: Any, loc: Loc) -> Any:
        if isinstance(node, Mapping):
            return {key: walk(value, (*loc, key)) for key, value in node.items()}
        if isinstance(node, list):
            return [walk(value, (*loc, i)) for i, value in enumerate(node)]
        if isinstance(node, str):
            missing = [m.group(1) for m in ENV_REFERENCE.finditer(node) if m.group(1) not in env]
            if missing and defer is not None and defer(loc, unset(missing[0], loc)):
                return None
            problems.extend(unset(name, loc) for name in missing)
            return ENV_REFERENCE.sub(lambda m: env.get(m.group(1), ""), node)
        return node

    def unset(name: str, loc: Loc) -> Problem:
        return doc.problem(loc, (
            f"environment variable {name} is not set (used by {dotted(loc)}); "
            f"export {name} before running baton, or remove the reference"))

    return walk(doc.tree, ()), problems


def validate(doc: Document, model: type[ModelT], data: Any,
             context: dict[str, Any] | None = None) -> ModelT:
    """Validate `data` against `model`, raising every problem with its position."""
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        raise ConfigError([problem_from_error(doc, model, err) for err in exc.errors()]) from None


def problem_from_error(doc: Document, model: type[BaseModel], err: Any) -> Problem:
    loc: Loc = tuple(err["loc"])
    kind, ctx = err["type"], err.get("ctx") or {}
    name = dotted(doc.present(loc))
    parent = dotted(doc.present(loc[:-1])) or "the file"
    if kind == "extra_forbidden":
        key = str(loc[-1])
        hint = did_you_mean(key, allowed_keys(model, loc[:-1]))
        return doc.problem(loc, f'unknown key "{key}" in {parent}{hint}', at_key=True)
    if kind == "missing":
        return doc.problem(loc, f'missing required key "{loc[-1]}" in {parent}')
    if kind == "union_tag_invalid":
        expected = ctx.get("expected_tags", "")
        hint = did_you_mean(str(ctx.get("tag")), [t.strip(" '") for t in expected.split(",")])
        return doc.problem((*loc, ctx.get("discriminator", "").strip("'")),
                           f'{name}: unknown {ctx.get("discriminator", "").strip(chr(39))} '
                           f'"{ctx.get("tag")}"; expected one of {expected}{hint}')
    if kind == "union_tag_not_found":
        return doc.problem(loc, f'{name}: missing key {ctx.get("discriminator")}')
    message = err["msg"].removeprefix("Value error, ")
    return doc.problem(loc, f"{name}: {message}" if name else message)


def dotted(loc: Loc) -> str:
    text = ""
    for item in loc:
        text += f"[{item}]" if isinstance(item, int) else (f".{item}" if text else str(item))
    return text


def did_you_mean(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    allowed = ", ".join(sorted(choices))
    if close:
        return f' (did you mean "{close[0]}"?)'
    return f"; allowed keys: {allowed}" if allowed else ""


def allowed_keys(model: type[BaseModel], loc: Loc) -> list[str]:
    """Field names of the model found at `loc`, following lists, dicts and tagged unions."""
    current: Any = model
    for item in loc:
        current = _step(current, item)
        if current is None:
            return []
    current = _unwrap(current, None)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _step(annotation: Any, item: int | str) -> Any:
    annotation = _unwrap(annotation, item)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        field = annotation.model_fields.get(str(item))
        return field.annotation if field is not None else annotation
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (list, tuple, Sequence) and args:
        return args[0]
    if origin in (dict, Mapping) and len(args) == 2:
        return args[1]
    return None


def _unwrap(annotation: Any, tag: int | str | None) -> Any:
    """Strip Annotated/Optional; pick the union member whose tag literal matches."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
            continue
        if origin in (typing.Union, types.UnionType):
            members = [a for a in typing.get_args(annotation) if a is not type(None)]
            chosen = next((m for m in members if tag is not None and _has_tag(m, tag)), None)
            annotation = chosen or (members[0] if len(members) == 1 else annotation)
            if chosen is None and len(members) != 1:
                return annotation
            continue
        return annotation


def _has_tag(member: Any, tag: int | str) -> bool:
    if not (isinstance(member, type) and issubclass(member, BaseModel)):
        return False
    return any(typing.get_origin(field.annotation) is typing.Literal
               and tag in typing.get_args(field.annotation)
               for field in member.model_fields.values())
