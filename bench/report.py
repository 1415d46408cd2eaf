"""The one table: a row per (section, size, metric), a column per backend.

Ratios are baton's rate divided by the ceiling's rate on the same data in the
same run (1.00x would mean baton is as fast as pulling the pages and throwing
them away, or as fast as raw `executemany`). The growth exponent is
log(t2/t1) / log(n2/n1) between consecutive sizes, n being records synced:
about 1 is linear, 1.5 or more is a finding.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from bench.run import SizeResult

SECTIONS = ("full sync", "fetch-only ceiling", "store-only ceiling", "incremental sync",
            "rule evaluation", "peak RSS", "feed")
Row = tuple[str, str, str, dict[str, str]]


@dataclass(frozen=True)
class FeedResult:
    """Milliseconds per request by backend: {"page": (p50, p95, samples), "api": ...}."""

    alerts: int
    latencies: dict[str, dict[str, tuple[float, float, int]]]


def _rate(entry: dict[str, Any]) -> float:
    return entry["records"] / entry["seconds"] if entry["seconds"] > 0 else math.inf


def _size(result: SizeResult) -> str:
    return f"{result.factor}x ({result.records:,} rec)"


def _full_sync(result: SizeResult) -> Iterator[Row]:
    first = next(iter(result.backends.values()))
    for source in first.sync.data["sources"]:
        cells = {}
        for backend, entry in result.backends.items():
            rate = _rate(entry.sync.data["sources"][source])
            cells[backend] = (f"{rate:,.0f} rec/s ({rate / _rate(result.fetch[source]):.2f}x "
                              f"fetch, {rate / _rate(entry.store[source]):.2f}x store)")
        yield "full sync", _size(result), f"{source}", cells
    cells = {}
    for backend, entry in result.backends.items():
        seconds = entry.sync.data["seconds"]
        cells[backend] = (f"{seconds:.1f} s, {result.records / seconds:,.0f} rec/s, "
                          f"{entry.sync_calls:,} calls")
    yield "full sync", _size(result), "all sources (incl. identity + links)", cells


def _ceilings(result: SizeResult) -> Iterator[Row]:
    for source, entry in result.fetch.items():
        value = f"{_rate(entry):,.0f} rec/s ({entry['records']:,} in {entry['seconds']:.2f} s)"
        yield ("fetch-only ceiling", _size(result), f"{source} (no database)",
               dict.fromkeys(result.backends, value))
    first = next(iter(result.backends.values()))
    for source in first.store:
        yield "store-only ceiling", _size(result), source, {
            backend: f"{_rate(entry.store[source]):,.0f} rec/s"
            for backend, entry in result.backends.items()}


def _incremental(result: SizeResult) -> Iterator[Row]:
    changes = result.changes
    if changes is None:
        return
    seconds, calls = {}, {}
    for backend, entry in result.backends.items():
        if entry.incremental is None:
            continue
        seconds[backend] = f"{entry.incremental.data['seconds']:.2f} s"
        calls[backend] = (f"{entry.incremental_calls:,} / {changes.min_pages:,} = "
                          f"{entry.incremental_calls / changes.min_pages:.1f}x "
                          f"({changes.partitions:,})")
    yield ("incremental sync", _size(result),
           f"seconds ({changes.records:,} records changed)", seconds)
    yield ("incremental sync", _size(result),
           "API calls / min pages (partitions polled)", calls)


def _evaluation(results: list[SizeResult]) -> Iterator[Row]:
    previous: SizeResult | None = None
    for result in results:
        yield "rule evaluation", _size(result), "seconds (open alerts)", {
            b: f"{e.evaluate.data['seconds']:.2f} s ({e.evaluate.data['open_alerts']:,})"
            for b, e in result.backends.items()}
        if previous is not None:
            cells = {}
            for backend, entry in result.backends.items():
                t1 = previous.backends[backend].evaluate.data["seconds"]
                t2 = entry.evaluate.data["seconds"]
                exponent = math.log(t2 / t1) / math.log(result.records / previous.records)
                cells[backend] = f"{exponent:.2f}" + (" (finding)" if exponent >= 1.5 else "")
            yield ("rule evaluation", _size(result),
                   f"growth exponent vs {previous.factor}x", cells)
        previous = result


def _memory(result: SizeResult) -> Iterator[Row]:
    for label, attribute in (("sync", "sync"), ("evaluation", "evaluate")):
        yield "peak RSS", _size(result), f"{label} (MiB)", {
            b: f"{getattr(e, attribute).peak_rss_mib:,.0f}" for b, e in result.backends.items()}


def _feed(feed: FeedResult | str, backends: list[str]) -> Iterator[Row]:
    if isinstance(feed, str):
        reason = feed.replace("|", "/").replace("\n", " ")
        yield "feed", "-", f"feed: not measured ({reason})", dict.fromkeys(backends, "-")
        return
    for key, label in (("page", "alerts page p50 / p95"), ("api", "/api/alerts p50 / p95")):
        yield "feed", f"{feed.alerts:,} open alerts", label, {
            b: f"{lat[key][0]:,.0f} / {lat[key][1]:,.0f} ms (n={lat[key][2]})"
            for b, lat in feed.latencies.items()}


def rows(results: list[SizeResult], feed: FeedResult | str, backends: list[str]
         ) -> list[Row]:
    """Every row, grouped by section (a stable sort keeps sizes in order)."""
    found = [row for result in results
             for part in (_full_sync, _ceilings, _incremental, _memory) for row in part(result)]
    found += [*_evaluation(results), *_feed(feed, backends)]
    return sorted(found, key=lambda row: SECTIONS.index(row[0]))


def table(results: list[SizeResult], feed: FeedResult | str, backends: list[str]) -> str:
    lines = ["| section | size | metric | " + " | ".join(backends) + " |",
             "|---|---|---|" + "---|" * len(backends)]
    for section, size, metric, cells in rows(results, feed, backends):
        lines.append(f"| {section} | {size} | {metric} | "
                     + " | ".join(cells.get(b, "-") for b in backends) + " |")
    return "\n".join(lines)
