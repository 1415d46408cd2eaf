"""`rules.yaml`: rule instances and silences, validated with `file:line:col` messages.

Kinds are code and rules are config: each entry names a kind and gives its
params, which that kind's `Params` model validates, so a typo such as
`min_overlap_minute` is reported with a "did you mean" instead of silently
falling back to a default. Every problem in the file is reported at once.

An accepted file is stored as a `RuleConfigVersion` (author, time, text,
sha256); the newest version is the live one. A file that fails validation
never replaces it: evaluation keeps running on the last good rules and the
problems are reported (Prometheus keeps the previous rule set the same way).
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)
from sqlmodel import Session, col, select

from model import RuleConfigVersion, Severity
from rules.configfile import ConfigError, Document, Problem, dotted, expand_env, parse, validate
from rules.findings import Firing
from rules.kinds import known_kinds, params_model

RuleId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$", max_length=128)]
Email = Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+$"), AfterValidator(str.lower)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Scope(Strict):
    """Limit a rule to some people, projects or sources (empty list: no limit)."""

    people: list[Email] = Field(default_factory=list, description="person emails")
    projects: list[str] = Field(default_factory=list, description="project names or ids")
    sources: list[str] = Field(default_factory=list, description="source names")


class RuleSpec(Strict):
    id: RuleId = Field(description="stable id: alerts, acks and history hang on it")
    kind: str = Field(description="one of the rule kinds, e.g. double_booking")
    severity: Severity = Severity.warning
    params: dict[str, Any] = Field(default_factory=dict, description="the kind's params")
    scope: Scope = Field(default_factory=Scope)
    min_duration_minutes: int = Field(0, ge=0, description=(
        "a finding must keep firing this long before its alert opens (flap damping)"))
    enabled: bool = True
    description: str = ""


class SilenceMatch(Strict):
    """Every given field must match; `email` and `source` match any subject of the alert."""

    rule: str | None = None
    kind: str | None = None
    email: Email | None = None
    source: str | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> SilenceMatch:
        if not any((self.rule, self.kind, self.email, self.source)):
            raise ValueError("a silence needs at least one of rule, kind, email, source")
        return self


class Silence(Strict):
    match: SilenceMatch
    until: AwareDatetime = Field(description="ISO 8601 with offset, e.g. 2026-04-01T09:00:00Z")
    starts_at: AwareDatetime | None = None
    author: str = Field(min_length=1)
    reason: str = Field(min_length=1)

    @model_validator(mode="after")
    def _ordered(self) -> Silence:
        if self.starts_at is not None and self.starts_at >= self.until:
            raise ValueError("silence ends (until) before it starts (starts_at)")
        return self

    def is_active(self, now: datetime) -> bool:
        return (self.starts_at is None or self.starts_at <= now) and now < self.until

    def matches(self, firing: Firing) -> bool:
        wanted = self.match
        subjects = firing.finding.subjects
        return ((wanted.rule is None or wanted.rule == firing.rule)
                and (wanted.kind is None or wanted.kind == firing.kind)
                and (wanted.email is None or wanted.email in firing.emails)
                and (wanted.source is None or wanted.source in firing.finding.sources
                     or any(s.source == wanted.source for s in subjects)))


class RulesFile(Strict):
    rules: list[RuleSpec] = Field(default_factory=list)
    silences: list[Silence] = Field(default_factory=list)


@dataclass(frozen=True)
class Rule:
    id: str
    kind: str
    severity: Severity
    params: BaseModel
    scope: Scope
    min_duration: timedelta


@dataclass(frozen=True)
class RulesConfig:
    rules: tuple[Rule, ...]
    silences: tuple[Silence, ...]
    sha256: str

    def rule(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)

    def silence_for(self, firing: Firing, now: datetime) -> Silence | None:
        return next((s for s in self.silences if s.is_active(now) and s.matches(firing)), None)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_rules(path: Path, *, environ: Mapping[str, str] | None = None,
               known_sources: Sequence[str] | None = None,
               known_people: Sequence[str] | None = None) -> RulesConfig:
    """Read and validate a rules file; raises `ConfigError` listing every problem."""
    doc = parse(path)
    return _validated(doc, _text(path), environ, known_sources, known_people)


def parse_rules(text: str, shown_path: str, *, environ: Mapping[str, str] | None = None,
                known_sources: Sequence[str] | None = None,
                known_people: Sequence[str] | None = None) -> RulesConfig:
    """Validate rules given as text (the admin editor, a stored version)."""
    return _validated(parse(Path(shown_path), text), text, environ, known_sources,
                      known_people)


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _validated(doc: Document, text: str, environ: Mapping[str, str] | None,
               known_sources: Sequence[str] | None, known_people: Sequence[str] | None
               ) -> RulesConfig:
    data, problems = expand_env(doc, environ)
    spec: RulesFile | None = None
    try:
        spec = validate(doc, RulesFile, data)
    except ConfigError as exc:
        problems += exc.problems
    params, param_problems = _rule_params(doc, data)
    problems += param_problems
    problems += cross_checks(doc, data, known_sources, known_people)
    if problems or spec is None:
        raise ConfigError(problems)
    rules = tuple(Rule(r.id, r.kind, r.severity, params[i], r.scope,
                       timedelta(minutes=r.min_duration_minutes))
                  for i, r in enumerate(spec.rules) if r.enabled)
    return RulesConfig(rules, tuple(spec.silences), sha256_text(text))


def _rule_params(doc: Document, data: Any) -> tuple[dict[int, BaseModel], list[Problem]]:
    """Each rule's kind and params, checked on the raw data so all rules are reported."""
    entries = data.get("rules") if isinstance(data, dict) else None
    found: dict[int, BaseModel] = {}
    problems: list[Problem] = []
    for i, entry in enumerate(entries if isinstance(entries, list) else []):
        if not isinstance(entry, dict) or not isinstance(entry.get("kind"), str):
            continue
        name, kind = f'rule "{entry.get("id", f"#{i + 1}")}"', entry["kind"]
        if kind not in known_kinds():
            problems.append(doc.problem(("rules", i, "kind"), (
                f'{name}: unknown kind "{kind}"{hint(kind, known_kinds(), "known kinds")}')))
            continue
        model = params_model(kind)
        raw = entry.get("params") or {}
        if not isinstance(raw, dict):
            continue
        try:
            found[i] = model.model_validate(raw)
        except ValidationError as exc:
            problems += [_param_problem(doc, i, name, model, err) for err in exc.errors()]
    return found, problems


def _param_problem(doc: Document, index: int, name: str, model: type[BaseModel],
                   err: Any) -> Problem:
    loc = ("rules", index, "params", *err["loc"])
    if err["type"] == "extra_forbidden":
        key = str(err["loc"][-1])
        return doc.problem(loc, f'{name}: unknown param "{key}"'
                                f'{hint(key, list(model.model_fields), "allowed params")}',
                           at_key=True)
    message = err["msg"].removeprefix("Value error, ")
    return doc.problem(loc, f"{name}: param {dotted(tuple(err['loc']))}: {message}")


def hint(word: str, choices: Sequence[str], noun: str) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    if close:
        return f' (did you mean "{close[0]}"?)'
    return f"; {noun}: {', '.join(sorted(choices))}" if choices else ""


def cross_checks(doc: Document, data: Any, known_sources: Sequence[str] | None,
                 known_people: Sequence[str] | None) -> list[Problem]:
    """What no single field can see: duplicate ids, references to unknown names.

    Runs on the raw data, so these problems are reported even when other
    entries are malformed.
    """
    rules = _entries(data, "rules")
    ids = [str(rule.get("id")) for rule in rules]
    problems: list[Problem] = []
    for i, rule in enumerate(rules):
        if "id" in rule and ids.index(ids[i]) != i:
            problems.append(doc.problem(("rules", i, "id"), (
                f'duplicate rule id "{ids[i]}" (also rules[{ids.index(ids[i])}]); ids must '
                "be unique because alerts are keyed by them")))
        scope = rule.get("scope")
        if isinstance(scope, dict):
            problems += _scope_problems(doc, i, ids[i], scope, known_sources, known_people)
    for i, silence in enumerate(_entries(data, "silences")):
        match = silence.get("match")
        if isinstance(match, dict):
            problems += _silence_problems(doc, i, match, ids)
    return problems


def _entries(data: Any, key: str) -> list[dict[str, Any]]:
    found = data.get(key) if isinstance(data, dict) else None
    return [e if isinstance(e, dict) else {} for e in found] if isinstance(found, list) else []


def _silence_problems(doc: Document, index: int, match: dict[str, Any], ids: list[str]
                      ) -> list[Problem]:
    problems: list[Problem] = []
    where = ("silences", index, "match")
    rule, kind = match.get("rule"), match.get("kind")
    if isinstance(rule, str) and rule not in ids:
        problems.append(doc.problem((*where, "rule"), (
            f'silence matches unknown rule "{rule}"{hint(rule, ids, "rule ids")}')))
    if isinstance(kind, str) and kind not in known_kinds():
        problems.append(doc.problem((*where, "kind"), (
            f'silence matches unknown kind "{kind}"{hint(kind, known_kinds(), "known kinds")}')))
    return problems


def _scope_problems(doc: Document, index: int, rule_id: str, scope: dict[str, Any],
                    known_sources: Sequence[str] | None,
                    known_people: Sequence[str] | None) -> list[Problem]:
    problems: list[Problem] = []
    checks = (("sources", "source", known_sources), ("people", "person", known_people))
    for field, noun, known in checks:
        values = scope.get(field)
        if known is None or not isinstance(values, list):
            continue
        for j, value in enumerate(values):
            if isinstance(value, str) and value.lower() not in [k.lower() for k in known]:
                problems.append(doc.problem(("rules", index, "scope", field, j), (
                    f'rule "{rule_id}": scope names unknown {noun} "{value}"'
                    f'{hint(value, list(known), f"configured {field}")}')))
    return problems


def live_version(session: Session) -> RuleConfigVersion | None:
    """The newest accepted rules file, i.e. the one in force."""
    statement = select(RuleConfigVersion).order_by(col(RuleConfigVersion.id).desc()).limit(1)
    return session.exec(statement).first()


def store_version(session: Session, text: str, author: str, now: datetime,
                  note: str | None = None) -> RuleConfigVersion:
    """Record `text` as the live rules unless it already is; call only after validating."""
    digest = sha256_text(text)
    live = live_version(session)
    if live is not None and live.sha256 == digest:
        return live
    version = RuleConfigVersion(created_at=now, author=author, text=text, sha256=digest,
                                note=note)
    session.add(version)
    session.flush()
    return version


@dataclass(frozen=True)
class Activation:
    """The rules in force after reading the file; `rejected` says why the file was not used."""

    config: RulesConfig
    version: RuleConfigVersion
    rejected: ConfigError | None = None


def activate(session: Session, path: Path, author: str, now: datetime, *,
             environ: Mapping[str, str] | None = None,
             known_sources: Sequence[str] | None = None,
             known_people: Sequence[str] | None = None) -> Activation:
    """Use the rules file if valid (storing it as a new version), else the last good one.

    Raises `ConfigError` only when the file is invalid and no good version was ever
    stored: then there is nothing safe to evaluate with.
    """
    try:
        config = load_rules(path, environ=environ, known_sources=known_sources,
                            known_people=known_people)
    except ConfigError as exc:
        live = live_version(session)
        if live is None:
            raise
        kept = parse_rules(live.text, f"{path} (stored version {live.id})", environ=environ)
        return Activation(kept, live, exc)
    return Activation(config, store_version(session, _text(path), author, now))
