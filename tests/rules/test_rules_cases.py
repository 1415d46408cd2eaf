"""Every kind against its data-driven cases in `cases/<kind>.yml`.

Each case gives `now`, optional `params` and `context`, the records, and the
identities expected to fire (sorted subject keys, plus `period:` for kinds
keyed by a week); `expect: []` is a near miss that must stay silent. Case
names are the test ids, so a failure names the situation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from rules.kinds import KINDS, evaluator, params_model
from tests.rules.rules_given import Builder, context_from, instant

CASES = Path(__file__).parent / "cases"


def load_cases() -> list[Any]:
    found = []
    for kind in sorted(KINDS):
        path = CASES / f"{kind}.yml"
        for case in YAML(typ="safe").load(path.read_text(encoding="utf-8"))["cases"]:
            found.append(pytest.param(kind, case, id=f"{kind}:{case['name']}"))
    return found


def test_every_kind_has_positive_and_near_miss_cases() -> None:
    for kind in KINDS:
        cases = YAML(typ="safe").load((CASES / f"{kind}.yml").read_text())["cases"]
        assert any(c["expect"] for c in cases), f"{kind} has no case that fires"
        assert any(c["expect"] == [] for c in cases), f"{kind} has no near miss"


@pytest.mark.parametrize(("kind", "case"), load_cases())
def test_case(kind: str, case: dict[str, Any]) -> None:
    view = Builder().rows(case.get("given", {})).view(context_from(case.get("context")))
    params = params_model(kind).model_validate(case.get("params") or {})
    findings = list(evaluator(kind)(view, params, instant(case["now"])))
    got = sorted(sorted(f.identity) for f in findings)
    assert got == sorted(sorted(keys) for keys in case["expect"])
    for finding in findings:
        assert finding.title and finding.evidence, "every finding explains itself"
