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
from urllib.parse import urlsplit

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
    base_url: str = "http://localhost"
    """Absolute root (no trailing slash) of the links the feed writes (Atom, feed URLs):
    `baton serve --base-url`, else the address it listens on. Never a request's Host
    header, which whoever sends the request chooses."""
    cookie_secure: bool = False
    """Force Secure cookies without an https `base_url` (e.g. TLS ends at a proxy that
    forwards to a plain-http base URL); an https `base_url` implies them."""
    session_lifetime: timedelta = timedelta(days=7)
    """A browser session ends this long after sign-in, however busy…"""
    session_idle: timedelta = timedelta(hours=12)
    """…or after this long without a request, whichever comes first."""
    workload_weeks: int = 4
    coordinator: Coordinator | None = None

    @property
    def https(self) -> bool:
        """Served over HTTPS: cookies are Secure and browsers are told to stay on HTTPS."""
        return urlsplit(self.base_url).scheme == "https"

    @property
    def use_secure_cookies(self) -> bool:
        return self.cookie_secure or self.https

    @property
    def timezone(self) -> str:
        return self.rules_context.default_timezone

    @property
    def rules_path_shown(self) -> str:
        """The name problems are reported against (file:line:col)."""
        return self.rules_file.name if self.rules_file is not None else "rules.yaml"
