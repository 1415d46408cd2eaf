"""Loading `baton.yaml`: the contract every command starts from.

`load_config` either returns a fully valid `BatonConfig` or raises
`ConfigError` listing every problem as `file:line:col: message`. Relative
paths (rules file, SQLite database, key files, CA bundles) are resolved
against the config file's folder, so cron can run baton from any directory.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BeforeValidator, Field
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from baton.sources import SalesforceSource, Source, Strict
from rules.configfile import ConfigError, Document, Problem, expand_env, parse, validate

WEEKDAYS = {"mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7}


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f'unknown timezone "{value}"; use an IANA name such as '
                         '"Europe/Berlin"') from None
    return value


def _weekday(value: Any) -> Any:
    if isinstance(value, str) and value.lower()[:3] in WEEKDAYS:
        return WEEKDAYS[value.lower()[:3]]
    return value


def _database_url(value: str) -> str:
    try:
        url = make_url(value)
    except ArgumentError:
        raise ValueError(f'"{value}" is not a database URL; use sqlite:///baton.db or '
                         "postgresql+psycopg://user@host/db") from None
    if url.get_backend_name() not in ("sqlite", "postgresql", "postgres"):
        raise ValueError(f'unsupported database "{url.get_backend_name()}"; '
                         "baton supports sqlite and postgresql")
    return value


TimeZoneName = Annotated[str, AfterValidator(_timezone)]
Weekday = Annotated[int, BeforeValidator(_weekday), Field(ge=1, le=7)]
Email = Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+$"), AfterValidator(str.lower)]


class PersonConfig(Strict):
    email: Email
    name: str = ""
    weekly_capacity_hours: float = Field(40.0, ge=0, le=168)
    working_days: list[Weekday] = Field(default_factory=lambda: [1, 2, 3, 4, 5])
    timezone: TimeZoneName | None = None
    active: bool = True
    aliases: dict[str, str] = Field(default_factory=dict,
                                    description="source name → that tool's user id or username")


class CoordinatorConfig(Strict):
    """The coordinator on duty: the feed names them as the one to act on work nobody owns
    (an unassigned task in a project without an owner, a stale source)."""

    email: Email
    name: str = ""


class BatonConfig(Strict):
    database: Annotated[str, AfterValidator(_database_url)] = "sqlite:///baton.db"
    timezone: TimeZoneName = "UTC"
    rules_file: Path = Path("rules.yaml")
    sources: list[Source] = Field(default_factory=list)
    people: list[PersonConfig] = Field(default_factory=list)
    holidays: list[date] = Field(default_factory=list)
    coordinator: CoordinatorConfig | None = None

    def source(self, name: str) -> Source:
        for source in self.sources:
            if source.name == name:
                return source
        raise KeyError(name)


def load_config(path: Path, environ: Mapping[str, str] | None = None) -> BatonConfig:
    doc = parse(path)
    data, problems = expand_env(doc, environ)
    try:
        config = validate(doc, BatonConfig, data)
    except ConfigError as exc:
        raise ConfigError(problems + exc.problems) from None
    problems += cross_checks(doc, config, path.parent)
    if problems:
        raise ConfigError(problems)
    return resolve_paths(config, path.parent)


def cross_checks(doc: Document, config: BatonConfig, base: Path) -> list[Problem]:
    """Problems no single field can see: duplicates and references between entries."""
    problems: list[Problem] = []
    names = [s.name for s in config.sources]
    for i, name in enumerate(names):
        if names.index(name) != i:
            problems.append(doc.problem(("sources", i, "name"), (
                f'duplicate source name "{name}" (also sources[{names.index(name)}]); '
                "every source needs its own name")))
    emails = Counter(p.email for p in config.people)
    seen: set[str] = set()
    for i, person in enumerate(config.people):
        if emails[person.email] > 1 and person.email in seen:
            problems.append(doc.problem(("people", i, "email"),
                                        f'person "{person.email}" is listed twice'))
        seen.add(person.email)
        for alias_source in person.aliases:
            if alias_source not in names:
                problems.append(doc.problem(("people", i, "aliases", alias_source), (
                    f'alias for unknown source "{alias_source}"; configured sources: '
                    f'{", ".join(names) or "none"}'), at_key=True))
    rules_path = base / config.rules_file
    if not rules_path.is_file():
        problems.append(doc.problem(("rules_file",), (
            f"rules file {rules_path} not found; create it or point rules_file at it")))
    return problems


def resolve_paths(config: BatonConfig, base: Path) -> BatonConfig:
    url = make_url(config.database)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        database = Path(url.database)
        if not database.is_absolute():
            config = config.model_copy(update={
                "database": url.set(database=str((base / database).resolve())).render_as_string(
                    hide_password=False)})
    sources = [_resolve_source_paths(source, base) for source in config.sources]
    return config.model_copy(update={"rules_file": (base / config.rules_file).resolve(),
                                     "sources": sources})


def _resolve_source_paths(source: Source, base: Path) -> Source:
    """Key files and CA bundles are relative to the config file, like the rules file."""
    if isinstance(source, SalesforceSource) and source.ca_bundle is not None:
        source = source.model_copy(update={"ca_bundle": base / source.ca_bundle})
    auth = getattr(source, "auth", None)
    for field in ("key_file", "private_key_file"):
        value = getattr(auth, field, None)
        if isinstance(value, Path) and not value.is_absolute():
            auth = auth.model_copy(update={field: (base / value).resolve()})
            source = source.model_copy(update={"auth": auth})
    return source
