"""End to end: each sample organisation through the real `baton` process.

`baton sync` over all four replicas must find exactly the planted problems of
the organisation's answer key — every one, and no alert on any near miss — then
stay quiet on a rerun, and resolve an alert once the problem is fixed in the
tool. Both organisations run: the agency (sandbox/org.py) and the consultancy
(sandbox/consultancy.py), whose habits differ, so passing one is not enough.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sandbox.orgs import ORGS
from sandbox.run import RunningSandbox, sandbox_config
from sandbox.seed import pin_clocks
from tests.conftest import running_sandbox
from tests.org_answers import org_keys, unmatched

RULES = Path(__file__).parents[2] / "config" / "rules.yaml"


def assign_signage(sandbox: RunningSandbox) -> str:
    """The agency assigns the unowned signage order: due_soon_unassigned resolves."""
    signage = sandbox.seeded.ids["item:signage-order"]["asana"]
    sandbox.replicas.asana.update_task(signage,
                                       assignee=sandbox.seeded.ids["person:dev"]["asana"])
    return "asana-main"


def delete_hiring_list(sandbox: RunningSandbox) -> str:
    """The consultancy deletes the Google Tasks list holding the overdue task: its task is
    gone at the source, so the overdue alert resolves."""
    sandbox.replicas.google.tasks.delete_task_list(
        sandbox.seeded.ids["project:hiring"]["google"])
    return "google"


@dataclass(frozen=True)
class Case:
    org: str
    fix: Callable[[RunningSandbox], str]  # changes a tool, returns the source to sync
    resolves: str                          # the kind of the alert the fix resolves


CASES = [Case("agency", assign_signage, "due_soon_unassigned"),
         Case("consultancy", delete_hiring_list, "overdue")]


@dataclass
class Run:
    case: Case
    sandbox: RunningSandbox
    config: Path

    @property
    def now(self) -> datetime:
        return ORGS[self.case.org].pinned_now

    def baton(self, *args: str, now: datetime | None = None
              ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "baton", *args, "--config", str(self.config),
             "--now", (now or self.now).isoformat()],
            capture_output=True, text=True, timeout=120, check=False)

    def alerts(self, status: str = "open") -> list[dict[str, Any]]:
        done = subprocess.run([sys.executable, "-m", "baton", "alerts", "--config",
                               str(self.config), "--format", "json", "--status", status],
                              capture_output=True, text=True, timeout=60, check=True)
        return json.loads(done.stdout)

    def at(self, minutes: int) -> datetime:
        """Move every replica's clock and return the same instant for baton's --now:
        the tools and baton agree on the time, as they do in production."""
        moment = self.now + timedelta(minutes=minutes)
        pin_clocks(self.sandbox.replicas, moment)
        return moment

    @property
    def stale_sources(self) -> list[str]:
        return [name for spec, name in self.sandbox.org.sources.items()
                if not spec.endswith(":main")]


@pytest.fixture(scope="module", params=CASES, ids=[c.org for c in CASES])
def run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
        ) -> Iterator[Run]:
    case: Case = request.param
    for sandbox in running_sandbox(tmp_path_factory, case.org):
        folder = tmp_path_factory.mktemp("baton")
        path = folder / "baton.yaml"
        path.write_text(sandbox_config(sandbox, rules_file=RULES,
                                       database=f"sqlite:///{folder / 'baton.db'}"))
        yield Run(case, sandbox, path)


def test_first_sync_finds_exactly_the_answer_key(run: Run) -> None:
    done = run.baton("sync")
    assert done.returncode == 1, done.stderr  # a source's token is revoked
    for stale in run.stale_sources:
        assert f"baton: {stale}:" in done.stderr
    assert "Traceback" not in done.stderr
    extra, missing = unmatched(run.alerts(), ORGS[run.case.org].answer_key(),
                               org_keys(run.sandbox))
    assert (extra, missing) == ([], [])


def test_rerun_changes_nothing(run: Run) -> None:
    before = {a["fingerprint"]: a["first_seen"] for a in run.alerts()}
    done = run.baton("sync", now=run.at(10))
    assert done.returncode == 1, done.stderr
    assert "opened 0" in done.stdout and "resolved 0" in done.stdout
    assert {a["fingerprint"]: a["first_seen"] for a in run.alerts()} == before


def test_fixing_the_problem_in_the_tool_resolves_its_alert(run: Run) -> None:
    moment = run.at(20)
    source = run.case.fix(run.sandbox)
    done = run.baton("sync", "--source", source, now=moment)
    assert done.returncode == 0, done.stderr
    resolved = run.alerts(status="resolved")
    assert [a["kind"] for a in resolved] == [run.case.resolves]
