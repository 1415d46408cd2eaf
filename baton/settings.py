"""Process-level settings from the environment (`BATON_*`), overridden by CLI flags.

Kept apart from `baton.yaml`: these say *which* config to load and how to
run (a fixed clock for reproducible runs, tracebacks for debugging), not what
to sync.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class EnvSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BATON_", extra="ignore")

    config: Path = Path("baton.yaml")
    now: datetime | None = None
    debug: bool = False

    @field_validator("now")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value
