"""``pip install .`` gives a working ``advisor`` that finds its rules from any folder."""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_wheel_ships_rules_and_runs_from_anywhere(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    wheel = next(dist.glob("policy_advisor-*.whl"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    # The new environment borrows this one's dependencies (not its editable checkout).
    purelib = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    deps = sysconfig.get_paths()["purelib"]
    (purelib / "_borrowed_deps.pth").write_text(deps + "\n", encoding="utf-8")
    subprocess.run(
        [str(python), "-m", "pip", "install", "--no-deps", "-q", str(wheel)],
        check=True,
        timeout=300,
        capture_output=True,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    advisor = venv / "bin" / "advisor"
    check = subprocess.run([str(advisor), "rules", "check"], cwd=elsewhere, capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stderr
    where = subprocess.run(
        [str(python), "-c", "import advisor.catalogue as c; print(c.default_rules_dir())"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "_rules" in where and str(ROOT) not in where
    example = ROOT / "examples" / "guangming-ai-company.toml"
    match = subprocess.run(
        [str(advisor), "match", str(example), "--format", "json"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert match.returncode == 0, match.stderr
    assert json.loads(match.stdout)["results"]
