"""Alerts and findings in the sample organisations' own words, and their answer keys.

Tools hand out their own ids; the answer keys speak in organisation keys
(`item:poster-artwork`). These helpers translate what baton reports (alert JSON
or in-process findings) back into organisation keys, so the end-to-end test and
the property tests compare like with like.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rules.findings import Firing
from sandbox.org import Expected
from sandbox.run import RunningSandbox


def org_keys(sandbox: RunningSandbox) -> dict[str, str]:
    """Every id a tool gave an organisation record, back to its organisation key."""
    keys: dict[str, str] = {}
    for key, ids in sandbox.seeded.ids.items():
        for external_id in ids.values():
            keys[external_id] = key
    for member in sandbox.org.members:
        keys[member.email] = f"person:{member.key}"
    return keys


def subject_key(subject: dict[str, Any], keys: dict[str, str]) -> str:
    """A subject as an organisation key; an instance of a recurring Google event
    (`<series id>_<original start>`) is named by its series."""
    if subject["type"] == "source":
        return f"source:{subject['source']}"
    external_id = subject.get("external_id") or subject.get("email") or ""
    if subject["type"] == "event" and "/" in external_id:
        external_id = external_id.split("/", 1)[1]  # Google events: calendar/event id
    if external_id not in keys and subject["type"] == "event" and "_" in external_id:
        external_id = external_id.rpartition("_")[0]
    return keys.get(external_id, f"unknown:{subject['type']}:{external_id}")


def unmatched(found: list[dict[str, Any]], expected: list[Expected],
              keys: dict[str, str]) -> tuple[list[str], list[str]]:
    """Pair each alert with one answer-key entry of its kind whose subjects cover it."""
    left = list(expected)
    extra = []
    for alert in found:
        named = {subject_key(s, keys) for s in alert["subjects"]}
        match = next((e for e in left if e.kind == alert["kind"] and named <= set(e.subjects)),
                     None)
        if match is None:
            extra.append(f"{alert['kind']}: {alert['title']} {sorted(named)}")
        else:
            left.remove(match)
    return extra, [f"{e.kind}: {e.why}" for e in left]


def named_findings(firings: Iterable[Firing], keys: dict[str, str]
                   ) -> list[tuple[str, tuple[str, ...]]]:
    """Findings as (rule kind, sorted organisation keys of the subjects), sorted."""
    return sorted((f.kind, tuple(sorted({subject_key(s.to_dict(), keys)
                                         for s in f.finding.subjects})))
                  for f in firings)
