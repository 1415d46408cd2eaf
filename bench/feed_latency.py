"""Feed latency: the alerts page and `GET /api/v1/alerts` with N open alerts, over loopback.

The database is the largest size's, after its full sync and evaluation, so
alerts point at real records. If evaluation opened fewer than N, copies of the
real ones (same rule, subjects and evidence; a new fingerprint) make up the
rest. The feed is served by `sandbox.server.start` in this process, and the
client (plain `requests`, a viewer's API token as Bearer) runs in a child,
so server and client do not share a GIL.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session, select

from baton import database
from baton.config import load_config
from baton.rules_commands import context_for
from bench.measure import run_phase
from bench.report import FeedResult
from bench.run import SizeResult
from bench.scenario import NOW
from model import Alert, AlertStatus, Severity
from sandbox import server

REPEAT = 30
BUDGET_SECONDS = 10.0
"""Per endpoint and backend: 10k alerts make a request take seconds, and the default
run must fit in ten minutes; the sample count is printed with the percentiles."""


def top_up(engine: sa.Engine, target: int) -> int:
    """Make `target` open alerts exist; returns how many were copies."""
    with Session(engine) as session:
        real = list(session.exec(select(Alert).where(Alert.status == AlertStatus.open)))
        missing = target - len(real)
        templates = real or [Alert(rule="overdue", kind="overdue", fingerprint="bench",
                                   severity=Severity.warning, title="Synthetic alert",
                                   first_seen=NOW, last_seen=NOW)]
        for number in range(max(0, missing)):
            model = templates[number % len(templates)]
            copy = Alert.model_validate(model.model_dump(exclude={"id"}))
            copy.fingerprint = f"{model.fingerprint}#bench{number}"
            session.add(copy)
        session.commit()
    return max(0, missing)


def _viewer_token(engine: sa.Engine) -> str:
    from feed.users import Role, TokenKind, add_user, issue_token

    with Session(engine) as session:
        issued = add_user(session, "bench-viewer", Role.viewer, NOW)
        token = issue_token(session, issued.user, TokenKind.api, NOW, label="bench")
        session.commit()
        return token


def _one_backend(config_path: Path, alerts: int) -> dict[str, tuple[float, float, int]]:
    from feed.app import create_app
    from feed.settings import FeedSettings

    config = load_config(config_path, environ={})
    engine = database.make_engine(config.database)
    top_up(engine, alerts)
    settings = FeedSettings(rules_context=context_for(config),
                            source_names=[s.name for s in config.sources],
                            known_people=[p.email for p in config.people], clock=lambda: NOW)
    handle = server.start(create_app(settings, engine))
    try:
        data = run_phase("feed-client", {"base_url": handle.base_url, "repeat": REPEAT,
                                         "budget_seconds": BUDGET_SECONDS,
                                         "token": _viewer_token(engine)}).data
    finally:
        handle.stop()
        engine.dispose()
    return {key: (value[0], value[1], value[2]) for key, value in data.items()}


def measure(largest: SizeResult, alerts: int, log: Callable[[str], None]
            ) -> FeedResult | str:
    """Latencies, or why the feed was not measured (it is written by another issue and
    may be absent or half-built: that is reported, never papered over)."""
    try:
        app = importlib.import_module("feed.app")
    except ImportError as exc:
        return f"feed/ not present or not importable: {exc}"
    if not hasattr(app, "create_app"):
        return "feed/ not present (no feed.app.create_app)"
    latencies = {}
    for backend, entry in largest.backends.items():
        try:
            latencies[backend] = _one_backend(entry.config, alerts)
        except Exception as exc:  # a half-built feed must not cost the whole run's table
            return f"the feed failed on {backend}: {type(exc).__name__}: {exc}"
        log(f"feed {backend}: done")
    return FeedResult(alerts, latencies)
