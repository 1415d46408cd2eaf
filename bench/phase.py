"""The measured phases, each run in its own child process (`python -m bench.phase`).

A fresh process per phase means no warm caches, pools or imported state carry
over from one measurement to the next, and its peak RSS is its own (read by
the parent with `os.wait4`). Timers start after imports and schema setup, so
they cover the work itself. Usage: `python -m bench.phase NAME ARGS_JSON OUT_JSON`.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import requests
import sqlalchemy as sa

from baton import database
from baton.config import BatonConfig, load_config
from baton.rules_commands import evaluate_stored
from baton.sync_command import sync_all
from bench.fetch import fetch_only
from bench.store import store_only
from model import Alert, AlertStatus

Args = dict[str, Any]
MIN_SAMPLES = 5


def _config(args: Args) -> BatonConfig:
    return load_config(Path(args["config"]), environ={})


def sync(args: Args) -> dict[str, Any]:
    """A `baton sync` (first or incremental, as the stored cursors say), all sources."""
    config = _config(args)
    engine = database.make_engine(config.database)
    database.upgrade(engine)
    started = time.perf_counter()
    outcome, code = sync_all(config, engine, sources=[], full=False,
                             now=datetime.fromisoformat(args["now"]), quiet=True)
    seconds = time.perf_counter() - started
    if code != 0:
        raise SystemExit(f"bench: sync exited {code}: "
                         + "; ".join(f"{r.source}: {r.error}" for r in outcome.failed))
    return {"seconds": seconds, "sources": {
        r.source: {"records": sum(s.fetched for s in r.streams), "seconds": r.seconds,
                   "api_calls": sum(s.api_calls for s in r.streams)}
        for r in outcome.results}}


def fetch(args: Args) -> dict[str, Any]:
    return {"sources": fetch_only(_config(args), datetime.fromisoformat(args["now"]))}


def store(args: Args) -> dict[str, Any]:
    config = _config(args)
    return {"sources": store_only(config.database, args["target"],
                                  [s.name for s in config.sources])}


def evaluate(args: Args) -> dict[str, Any]:
    """All rules of config/rules.yaml over everything stored, alerts written."""
    config = _config(args)
    engine = database.make_engine(config.database)
    started = time.perf_counter()
    evaluate_stored(config, engine, datetime.fromisoformat(args["now"]), quiet=True)
    seconds = time.perf_counter() - started
    with engine.connect() as connection:
        open_alerts = connection.execute(sa.select(sa.func.count()).select_from(Alert).where(
            Alert.status == AlertStatus.open)).scalar_one()
    return {"seconds": seconds, "open_alerts": open_alerts}


def feed_client(args: Args) -> dict[str, Any]:
    """p50 and p95 in ms of the alerts page and the API list: one warm-up request, then
    samples until `repeat` are taken or `budget_seconds` have passed (at least 5)."""
    session = requests.Session()
    session.trust_env = False
    session.headers["Authorization"] = f"Bearer {args['token']}"
    found: dict[str, Any] = {}
    for key, path in (("page", "/"), ("api", "/api/v1/alerts")):
        session.get(args["base_url"] + path, timeout=300).raise_for_status()
        timings: list[float] = []
        deadline = time.perf_counter() + args["budget_seconds"]
        while len(timings) < args["repeat"] and (
                len(timings) < MIN_SAMPLES or time.perf_counter() < deadline):
            started = time.perf_counter()
            session.get(args["base_url"] + path, timeout=300).raise_for_status()
            timings.append((time.perf_counter() - started) * 1000)
        found[key] = [statistics.median(timings), statistics.quantiles(timings, n=20)[18],
                      len(timings)]
    return found


PHASES: dict[str, Callable[[Args], dict[str, Any]]] = {
    "sync": sync, "fetch": fetch, "store": store, "evaluate": evaluate,
    "feed-client": feed_client}


def main(argv: list[str]) -> None:
    name, args, out = argv
    result = PHASES[name](json.loads(args))
    Path(out).write_text(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
