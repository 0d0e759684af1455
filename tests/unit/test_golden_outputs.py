"""Every example's match output, in every format, byte for byte as recorded in tests/golden/.

Refactors and speed work must not change a word or a figure of what a person reads. A change
that should alter the output regenerates the files on purpose (``UPDATE_GOLDEN=1 pytest
tests/unit/test_golden_outputs.py``) and the diff is reviewed with the commit.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden"
AS_OF = "2026-11-21"
EXAMPLES = sorted(p.stem for p in (ROOT / "examples").glob("*.toml"))
FORMATS = {
    "table": ["--format", "table", "--all"],
    "json": ["--format", "json"],
    "md": ["--format", "markdown"],
    "html": ["--format", "html"],
}


def run_match(example: str, args: list[str]) -> bytes:
    env = {**os.environ, "COLUMNS": "120", "LINES": "40", "NO_COLOR": "1", "TERM": "dumb"}
    done = subprocess.run(
        [sys.executable, "-m", "advisor", "match", str(ROOT / "examples" / f"{example}.toml"), "--as-of", AS_OF, *args],
        capture_output=True,
        env=env,
        cwd=ROOT,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    return done.stdout


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@pytest.mark.parametrize("example", EXAMPLES)
def test_match_output_is_unchanged(example: str, fmt: str) -> None:
    produced = run_match(example, FORMATS[fmt])
    path = GOLDEN / f"{example}.{fmt}"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_bytes(produced)
    assert path.exists(), f"no recorded output {path.name}: run with UPDATE_GOLDEN=1 once and review it"
    assert produced == path.read_bytes(), f"{path.name} differs from the recorded output"
