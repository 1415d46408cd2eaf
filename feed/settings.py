"""What the feed needs to know about its installation, passed in as plain data.

The feed never reads baton.yaml itself (feed/ must not import baton/), so the
shell builds one `FeedSettings` from the loaded config and hands it to
`create_app`. Tests build one by hand in a line.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rules.view import RulesContext


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Coordinator:
    """The coordinator on duty (baton.yaml `coordinator:`): who acts on work nobody owns."""

    email: str
    name: str = ""

    @property
    def label(self) -> str:
        return self.name or self.email


@dataclass(frozen=True)
class FeedSettings:
    """Installation facts; `clock` is injectable so tests and `BATON_NOW` runs agree."""

    rules_context: RulesContext = field(default_factory=RulesContext)
    rules_file: Path | None = None
    """Where admins' saved rules are written too, so the next `baton sync` keeps them."""
    source_names: Sequence[str] = ()
    known_people: Sequence[str] = ()
    clock: Callable[[], datetime] = system_clock
    title: str = "baton"
    base_url: str = ""
    """Absolute root for links in the Atom feed; empty: taken from each request."""
    cookie_secure: bool = False
    """Set on HTTPS deployments so the session cookie never travels in clear."""
    session_lifetime: timedelta = timedelta(days=14)
    workload_weeks: int = 4
    coordinator: Coordinator | None = None

    @property
    def timezone(self) -> str:
        return self.rules_context.default_timezone

    @property
    def rules_path_shown(self) -> str:
        """The name problems are reported against (file:line:col)."""
        return self.rules_file.name if self.rules_file is not None else "rules.yaml"
