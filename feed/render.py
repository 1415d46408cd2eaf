"""Templates and the filters they use; autoescape is always on.

Nothing that came from a synced tool is ever marked safe. Deep links are
the one place escaping is not enough (`javascript:` survives HTML escaping),
so `safe_url` lets only http(s) URLs become links; anything else is shown as
text.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from feed.auth import Viewer
from feed.settings import FeedSettings
from rules.timeutil import zone

TEMPLATES = Path(__file__).parent / "templates"


def safe_url(url: object) -> str | None:
    if not isinstance(url, str):
        return None
    parts = urlsplit(url.strip())
    return url.strip() if parts.scheme in ("http", "https") and parts.netloc else None


def age(then: datetime | None, now: datetime) -> str:
    """`5 min ago`, `3 h ago`, `in 2 d`: coarse on purpose, readable at a glance."""
    if then is None:
        return "never"
    seconds = int((now - then).total_seconds())
    future, seconds = seconds < 0, abs(seconds)
    if seconds < 60:
        return "just now"
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            amount = f"{seconds // size} {unit}"
            return f"in {amount}" if future else f"{amount} ago"
    return "just now"


def make_environment(settings: FeedSettings) -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    tz = zone(settings.timezone)
    env.filters["safe_url"] = safe_url
    env.filters["when"] = lambda value, fmt="%a %d %b %H:%M": _local(value, tz, fmt)
    env.globals["query"] = lambda **kw: urlencode({k: v for k, v in kw.items() if v})
    return env


def _local(value: datetime | None, tz: ZoneInfo, fmt: str) -> str:
    """In the installation's timezone; a moment at the edge of the calendar (a snooze
    stored until 9999-12-31 before ends were bounded) cannot be shifted there without
    overflowing, so it is shown as stored (UTC) rather than failing the whole page."""
    if value is None:
        return "—"
    try:
        return value.astimezone(tz).strftime(fmt)
    except OverflowError:
        return f"{value.strftime(fmt)} {value.tzname() or ''}".rstrip()


def render(request: Request, name: str, context: dict[str, Any], *,
           viewer: Viewer | None = None, status_code: int = 200) -> HTMLResponse:
    settings: FeedSettings = request.app.state.settings
    env: Environment = request.app.state.templates
    now = settings.clock()
    page = env.get_template(name).render(
        viewer=viewer, csrf=viewer.csrf_token if viewer else "", title=settings.title,
        path=request.url.path, now=now, age=lambda then: age(then, now),
        timezone=settings.timezone, **context)
    return HTMLResponse(page, status_code=status_code)
