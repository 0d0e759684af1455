"""The benchmark scripts run (they call the batch runner's own steps, so a change there must
keep them working); their figures are not checked here — timings belong in benchmarks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("evaluator", [[], ["--no-vector"]], ids=["vector", "rows"])
def test_batch_phases_prints_every_phase(evaluator: list[str]) -> None:
    pytest.importorskip("numpy")
    small = ["--blocks", "2", "--size", "40", "--repeat", "1", "--formats", "wide,long,parquet"]
    done = subprocess.run(
        [sys.executable, "benchmarks/batch_phases.py", *small, *evaluator],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    phases = {
        line.split()[0] + (" " + line.split()[1] if line.startswith("write") else "")
        for line in done.stdout.splitlines()[2:]
    }
    assert phases == {"read", "decode", "assess", "write wide", "write long", "write parquet"}
