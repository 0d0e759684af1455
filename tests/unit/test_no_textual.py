"""The domain package never imports Textual; only starting the app does.

Each check runs in a fresh interpreter so modules imported by other tests do
not hide an import.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.toml"))


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120, encoding="utf-8"
    )


def test_importing_every_advisor_module_does_not_load_textual() -> None:
    run = _run(
        "import importlib, pkgutil, sys, advisor\n"
        "names = [m.name for m in pkgutil.walk_packages(advisor.__path__, 'advisor.') if m.name != 'advisor.__main__']\n"
        "for name in names: importlib.import_module(name)\n"
        "assert len(names) >= 10, names\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.') or m.startswith('screens'))\n"
        "print('LOADED', bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    assert run.returncode == 0, run.stdout + run.stderr


def _cli_modules(argv: list[str]) -> subprocess.CompletedProcess[str]:
    return _run(
        "import io, sys, contextlib\n"
        "from advisor.cli import main\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        "    try:\n"
        f"        code = main({argv!r})\n"
        "    except SystemExit as e:\n"
        "        code = e.code\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.') or m.startswith('screens'))\n"
        "print('CODE', code, 'LOADED', bad, 'OUT', len(out.getvalue()))\n"
        "sys.exit(3 if bad else 0)\n"
    )


def test_help_does_not_load_textual() -> None:
    run = _cli_modules(["--help"])
    assert run.returncode == 0, run.stdout + run.stderr
    assert "CODE 0" in run.stdout


def test_match_does_not_load_textual() -> None:
    assert EXAMPLES, "examples/*.toml are needed"
    for fmt in ("table", "json", "markdown", "html"):
        run = _cli_modules(["match", str(EXAMPLES[0]), "--format", fmt, "--as-of", "2026-11-21"])
        assert run.returncode == 0, run.stdout + run.stderr
        assert "CODE 0" in run.stdout


def test_bad_profile_and_rule_commands_do_not_load_textual(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("schema_version = 2\n[identity]\nnmae = 1\n", encoding="utf-8")
    for argv, code in ((["match", str(bad)], 2), (["rules", "check"], 0), (["rules", "list"], 0), (["schema"], 0)):
        run = _cli_modules(argv)
        assert run.returncode == 0, (argv, run.stdout + run.stderr)
        assert f"CODE {code}" in run.stdout, (argv, run.stdout)


def test_advisor_help_entry_point() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "advisor", "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        encoding="utf-8",
    )
    assert run.returncode == 0 and "政策顾问" in run.stdout
