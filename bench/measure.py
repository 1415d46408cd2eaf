"""Run one phase in a child process and collect its result and peak RSS.

`os.wait4` returns the rusage of exactly that child, so each phase's peak RSS is
its own (RUSAGE_CHILDREN would report the maximum over every child so far).
The child's stdout goes to our stderr: stdout carries only the table.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class PhaseResult:
    data: dict[str, Any]
    peak_rss_mib: float


class PhaseFailed(RuntimeError):
    """A measured phase exited non-zero; its stderr already went to ours."""


def run_phase(name: str, args: dict[str, Any]) -> PhaseResult:
    with tempfile.TemporaryDirectory(prefix="baton-bench-") as folder:
        out = Path(folder) / "result.json"
        process = subprocess.Popen(
            [sys.executable, "-m", "bench.phase", name, json.dumps(args), str(out)],
            cwd=ROOT, stdout=sys.stderr)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            raise PhaseFailed(f"bench phase {name} exited {process.returncode}")
        return PhaseResult(json.loads(out.read_text()), usage.ru_maxrss / 1024)
