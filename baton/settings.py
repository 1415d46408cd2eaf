"""Process-level settings from the environment (`BATON_*`), overridden by CLI flags.

Kept apart from `baton.yaml`: these say *which* config to load and how to
run (a fixed clock for reproducible runs, tracebacks for debugging), not what
to sync. A bad value is a user mistake like a bad config: `env_settings` turns it
into one line naming the variable and what it expects.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "BATON_"
INSTANT_EXAMPLE = "2026-03-10T09:00:00Z"
EXPECTED = {"now": f"an ISO 8601 instant such as {INSTANT_EXAMPLE}",
            "debug": "1 or 0 (or true/false, yes/no, on/off)",
            "config": "the path of a baton.yaml"}


class SettingsError(ValueError):
    """A `BATON_*` variable or a flag such as `--now` that cannot be used; `str()` is
    the one line to show."""


def parse_instant(text: str) -> datetime:
    """The one reading of a user-given instant (`--now`, `BATON_NOW`): ISO 8601, and a
    time without an offset is UTC."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f'"{text}" is not {EXPECTED["now"]}') from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def instant_option(text: str | None, flag: str = "--now") -> datetime | None:
    """A `--now`-style flag's value, or a SettingsError naming the flag."""
    if text is None:
        return None
    try:
        return parse_instant(text)
    except ValueError as exc:
        raise SettingsError(f"{flag}: {exc}") from None


class EnvSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore")

    config: Path = Path("baton.yaml")
    now: datetime | None = None
    debug: bool = False

    @field_validator("now", mode="before")
    @classmethod
    def _instant(cls, value: Any) -> Any:
        return parse_instant(value) if isinstance(value, str) else value


def env_settings() -> EnvSettings:
    """The settings, or a SettingsError with one line per bad variable (no traceback:
    `BATON_DEBUG` itself may be the bad one)."""
    try:
        return EnvSettings()
    except ValidationError as exc:
        lines = [f'{ENV_PREFIX}{str(e["loc"][0]).upper()}: "{e.get("input")}" is not '
                 f'{EXPECTED.get(str(e["loc"][0]), "valid")}' for e in exc.errors()]
        raise SettingsError("\n".join(lines)) from None
