"""`python -m bench` (`make bench`): sync and rule evaluation at 1x, 4x, 16x of a base size,
against their ceilings, on SQLite and PostgreSQL; one table to stdout and bench/results.md.

The default base is 500 tasks, 1,000 events and 100 Salesforce accounts (one
contact each) and deals: about 2,900 records synced at 1x (a meeting is a record
on every attendee's calendar) and 46,000 at 16x. That is what fits the whole
default run, both backends and three sizes, in ten minutes on two cores: sync
runs at roughly 1,400 (SQLite) and 850 (PostgreSQL) records/s, and rule
evaluation grows faster than linearly. The issue's suggested base (25k tasks +
50k events + 10k CRM) would take hours; pass it with the --base-* flags.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import feed_latency
from bench.backends import BACKENDS, databases
from bench.report import table
from bench.run import SizeResult, measure_size
from bench.scenario import Base

RESULTS = Path(__file__).resolve().parent / "results.md"


def _log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--base-tasks", type=int, default=500)
    parser.add_argument("--base-events", type=int, default=1000)
    parser.add_argument("--base-crm", type=int, default=100,
                        help="Salesforce accounts (one contact each) and deals at 1x")
    parser.add_argument("--sizes", default="1,4,16", help="factors of the base, e.g. 1,4,16")
    parser.add_argument("--backends", default=",".join(BACKENDS))
    parser.add_argument("--feed-alerts", type=int, default=10_000)
    parser.add_argument("--output", type=Path, default=RESULTS)
    return parser


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    base = Base(args.base_tasks, args.base_events, args.base_crm)
    sizes = [int(s) for s in args.sizes.split(",")]
    backends = [b for b in args.backends.split(",") if b]
    unknown = set(backends) - set(BACKENDS)
    if unknown:
        raise SystemExit(f"bench: unknown backend(s) {sorted(unknown)}; known: {BACKENDS}")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="baton-bench-") as tmp, \
            databases(Path(tmp), backends) as dbs:
        results: list[SizeResult] = [measure_size(base, factor, backends, dbs, Path(tmp), _log)
                                     for factor in sizes]
        feed = feed_latency.measure(results[-1], args.feed_alerts, _log)
    minutes = (time.monotonic() - started) / 60
    text = (f"baton bench, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: base {base.tasks:,} tasks, "
            f"{base.events:,} events, {base.crm:,} CRM accounts/deals; sizes "
            f"{args.sizes}; backends {', '.join(backends)}; run took {minutes:.1f} min\n\n"
            f"{table(results, feed, backends)}\n")
    print(text)
    args.output.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
