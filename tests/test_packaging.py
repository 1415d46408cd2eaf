"""What a user's install of baton needs is declared, and nothing shipped leans on tests/.

An import that works here only because some other package happened to pull its
distribution in (python-dateutil came with a Google library) breaks the day that
package drops it; and a user's install has no `tests` package at all.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from collections.abc import Iterator
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
SHIPPED = [pattern.rstrip("*") for pattern in
           PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]]
CHECKED = [*SHIPPED, "bench"]  # bench/ runs from a user's clone with the same install
OURS = {*CHECKED, "tests"}


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


DECLARED = {_normal(re.split(r"[<>=!~\[; ]", spec)[0])
            for spec in PYPROJECT["project"]["dependencies"]}


def imports(folder: str) -> Iterator[tuple[Path, str]]:
    """(file, top-level module) for every absolute import under `folder`."""
    for path in sorted((ROOT / folder).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                yield path.relative_to(ROOT), name.split(".")[0]


@pytest.mark.parametrize("folder", CHECKED)
def test_every_third_party_import_is_a_declared_dependency(folder: str) -> None:
    distributions = packages_distributions()
    undeclared = {
        f"{path}: {module} (from {', '.join(distributions.get(module, ['?']))})"
        for path, module in imports(folder)
        if module not in OURS and module not in sys.stdlib_module_names
        and module != "__future__"
        and not {_normal(d) for d in distributions.get(module, [])} & DECLARED}
    assert not undeclared, "declare these in pyproject.toml [project] dependencies:\n" + \
        "\n".join(sorted(undeclared))


@pytest.mark.parametrize("folder", CHECKED)
def test_nothing_shipped_or_benchmarked_imports_the_tests(folder: str) -> None:
    assert [str(path) for path, module in imports(folder) if module == "tests"] == []
