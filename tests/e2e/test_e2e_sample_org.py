"""End to end: the sandbox organisation through the real `baton` process.

`baton sync` over all four replicas must find exactly the planted problems of
the answer key — every one, and no alert on any near miss — then stay quiet
on a rerun, and resolve an alert once the problem is fixed in the tool.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sandbox.org import Expected, answer_key
from sandbox.run import RunningSandbox, sandbox_config
from sandbox.seed import pin_clocks
from tests.conftest import SANDBOX_NOW, running_sandbox

NOW = SANDBOX_NOW
RULES = Path(__file__).parents[2] / "config" / "rules.yaml"


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    yield from running_sandbox(tmp_path_factory)


@pytest.fixture(scope="module")
def config(sandbox: RunningSandbox, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("baton")
    path = folder / "baton.yaml"
    path.write_text(sandbox_config(sandbox, rules_file=RULES,
                                   database=f"sqlite:///{folder / 'baton.db'}"))
    return path


def baton(config: Path, *args: str, now: datetime = NOW) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "baton", *args, "--config", str(config),
                           "--now", now.isoformat()], capture_output=True, text=True,
                          timeout=120, check=False)


def alerts(config: Path, status: str = "open") -> list[dict[str, Any]]:
    done = subprocess.run([sys.executable, "-m", "baton", "alerts", "--config", str(config),
                           "--format", "json", "--status", status], capture_output=True,
                          text=True, timeout=60, check=True)
    return json.loads(done.stdout)


def at(sandbox: RunningSandbox, minutes: int) -> datetime:
    """Move every replica's clock and return the same instant for baton's --now:
    the tools and baton agree on the time, as they do in production."""
    moment = NOW + timedelta(minutes=minutes)
    pin_clocks(sandbox.replicas, moment)
    return moment


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
    if subject["type"] == "source":
        return f"source:{subject['source']}"
    external_id = subject.get("external_id") or subject.get("email") or ""
    if subject["type"] == "event" and "/" in external_id:
        external_id = external_id.split("/", 1)[1]  # Google events: calendar/event id
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


def test_first_sync_finds_exactly_the_answer_key(sandbox: RunningSandbox, config: Path) -> None:
    done = baton(config, "sync")
    assert done.returncode == 1, done.stderr  # trello-archive's token is revoked
    assert "baton: trello-archive:" in done.stderr and "invalid token" in done.stderr
    assert "Traceback" not in done.stderr
    extra, missing = unmatched(alerts(config), answer_key(), org_keys(sandbox))
    assert (extra, missing) == ([], [])


def test_rerun_changes_nothing(sandbox: RunningSandbox, config: Path) -> None:
    before = {a["fingerprint"]: a["first_seen"] for a in alerts(config)}
    done = baton(config, "sync", now=at(sandbox, 10))
    assert done.returncode == 1, done.stderr
    assert "opened 0" in done.stdout and "resolved 0" in done.stdout
    assert {a["fingerprint"]: a["first_seen"] for a in alerts(config)} == before


def test_fixing_the_problem_in_the_tool_resolves_its_alert(sandbox: RunningSandbox,
                                                           config: Path) -> None:
    moment = at(sandbox, 20)
    signage = sandbox.seeded.ids["item:signage-order"]["asana"]
    sandbox.replicas.asana.update_task(signage,
                                       assignee=sandbox.seeded.ids["person:dev"]["asana"])
    done = baton(config, "sync", "--source", "asana-main", now=moment)
    assert done.returncode == 0, done.stderr
    resolved = alerts(config, status="resolved")
    assert [a["kind"] for a in resolved] == ["due_soon_unassigned"]
