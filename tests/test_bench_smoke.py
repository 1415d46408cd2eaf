"""`make bench` at a tiny size: every section is in the table and every number is finite.

Speed is never asserted here (a benchmark's numbers are read, not tested); this
only keeps the benchmark runnable as sync, rules and the feed evolve.
"""

from __future__ import annotations

import math
import re
import subprocess
import sys
from pathlib import Path

from bench.report import SECTIONS

ROOT = Path(__file__).resolve().parents[1]
NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?|inf|nan")


def test_bench_runs_at_a_tiny_size_and_reports_every_section(tmp_path: Path) -> None:
    output = tmp_path / "results.md"
    completed = subprocess.run(
        [sys.executable, "-m", "bench", "--base-tasks", "50", "--base-events", "100",
         "--base-crm", "10", "--sizes", "1,2", "--backends", "sqlite", "--feed-alerts", "50",
         "--output", str(output)],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert output.read_text() == completed.stdout.rstrip("\n") + "\n"
    rows = [line.split("|")[1:-1] for line in completed.stdout.splitlines()
            if line.startswith("| ") and not line.startswith("| section")]
    assert {cells[0].strip() for cells in rows} == set(SECTIONS)
    for cells in rows:
        for cell in cells[3:]:
            for number in NUMBER.findall(cell):
                assert math.isfinite(float(number.replace(",", ""))), cells
    metrics = {cells[2].strip() for cells in rows}
    assert {"asana-main", "trello-studio", "google", "salesforce"} <= metrics
    assert any(m.startswith("growth exponent") for m in metrics)
