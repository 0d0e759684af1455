"""``advisor match --format json`` (and Markdown, HTML) loads only what that format
needs: neither rich nor Textual. Run in a fresh interpreter through ``python -m
advisor`` so no module imported by another test hides an import."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "guangming-ai-company.toml"

# Runs the real entry point, then reports which UI libraries ended up in sys.modules (on stderr),
# when the command ends the process at once (``os._exit``) or else at exit.
WRAPPER = (
    "import atexit, os, runpy, sys\n"
    "def report():\n"
    "    loaded = sorted({m.split('.')[0] for m in sys.modules if m.split('.')[0] in ('rich', 'textual', 'screens')})\n"
    "    sys.stderr.write('LOADED=' + ','.join(loaded) + '\\n')\n"
    "    sys.stderr.flush()\n"
    "atexit.register(report)\n"
    "exit_now = os._exit\n"
    "def report_and_exit(code):\n"
    "    report()\n"
    "    exit_now(code)\n"
    "os._exit = report_and_exit\n"
    "sys.argv = ['advisor'] + sys.argv[1:]\n"
    "runpy.run_module('advisor', run_name='__main__')\n"
)


def _run(*argv: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    run = subprocess.run(
        [sys.executable, "-c", WRAPPER, *argv], capture_output=True, text=True, cwd=ROOT, timeout=120, encoding="utf-8"
    )
    lines = [line for line in run.stderr.splitlines() if line.startswith("LOADED=")]
    assert lines, run.stderr
    loaded = [m for m in lines[-1].removeprefix("LOADED=").split(",") if m]
    return run, loaded


def test_match_json_imports_neither_rich_nor_textual() -> None:
    run, loaded = _run("match", str(EXAMPLE), "--format", "json", "--as-of", "2026-11-21")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["results"]  # the real output, not an early exit
    assert loaded == []


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_match_markdown_and_html_do_not_load_rich_either(fmt: str) -> None:
    run, loaded = _run("match", str(EXAMPLE), "--format", fmt, "--as-of", "2026-11-21")
    assert run.returncode == 0, run.stderr
    assert "光明" in run.stdout
    assert loaded == []


def test_the_wrapper_does_see_rich_when_the_table_is_asked_for() -> None:
    """The check above can fail: the terminal table does load rich (and still no Textual)."""
    run, loaded = _run("match", str(EXAMPLE), "--as-of", "2026-11-21")
    assert run.returncode == 0, run.stderr
    assert loaded == ["rich"]


def test_match_json_does_not_load_the_report_renderers() -> None:
    """JSON needs the engine and the JSON contract only: the Markdown/HTML/table renderers
    (advisor.report) stay unloaded, and the wrapper sees them when a report is asked for."""
    wrapper = WRAPPER.replace(
        "m.split('.')[0] in ('rich', 'textual', 'screens')", "m in ('advisor.report', 'advisor.exports')"
    ).replace("{m.split('.')[0] for m", "{m for m")
    assert wrapper != WRAPPER
    argv = [sys.executable, "-c", wrapper, "match", str(EXAMPLE), "--as-of", "2026-11-21", "--format"]
    for fmt, expected in (("json", ""), ("markdown", "advisor.report")):
        run = subprocess.run(
            [*argv, fmt], capture_output=True, text=True, cwd=ROOT, timeout=120, encoding="utf-8", check=False
        )
        assert run.returncode == 0, run.stderr
        assert run.stderr.splitlines()[-1] == f"LOADED={expected}"


def test_a_short_command_runs_without_the_collector_and_gives_it_back() -> None:
    """``advisor match`` runs its start-up without the cyclic garbage collector (a short
    command's objects live until it exits) and leaves it enabled as it found it; the app's
    and batch's long runs never switch it off."""
    script = (
        "import gc, io, contextlib, sys\n"
        "import advisor.cli as cli\n"
        "seen = []\n"
        "run = cli._run\n"
        "cli._run = lambda args: seen.append((args.command, gc.isenabled())) or run(args)\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        f"    code = cli.main(['match', {str(EXAMPLE)!r}, '--format', 'json', '--as-of', '2026-11-21'])\n"
        "cli._run = lambda args: seen.append((args.command, gc.isenabled())) or 0\n"
        "cli.main(['batch', '--template'])\n"
        "print(code, seen, gc.isenabled(), len(out.getvalue()) > 1000)\n"
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["0", "[('match',", "False),", "('batch',", "True)]", "True", "True"]


def _exit_run(*argv: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """The real entry point, with ``os._exit`` reporting on stderr that it ended the process."""
    wrapper = (
        "import os, runpy, sys\n"
        "exit_now = os._exit\n"
        "def report_and_exit(code):\n"
        "    sys.stderr.write(f'EXIT_NOW={code}\\n')\n"
        "    sys.stderr.flush()\n"
        "    exit_now(code)\n"
        "os._exit = report_and_exit\n"
        "sys.argv = ['advisor'] + sys.argv[1:]\n"
        "runpy.run_module('advisor', run_name='__main__')\n"
    )
    return subprocess.run(
        [sys.executable, "-c", wrapper, *argv], capture_output=True, text=True, cwd=cwd, timeout=120, encoding="utf-8"
    )


def test_batch_ends_the_process_at_once_with_every_file_complete(tmp_path: Path) -> None:
    """``advisor batch`` skips the interpreter's teardown (``cli.entry``), yet its results,
    summary and what it prints are complete, and its exit status is kept."""
    from benchmarks.synthetic import random_profiles, write_csv

    source = write_csv(tmp_path / "in.csv", random_profiles(300, seed=4))
    out = tmp_path / "out.csv"
    run = _exit_run("batch", str(source), "--out", str(out), "--as-of", "2026-11-21")
    assert run.returncode == 0, run.stderr
    assert "EXIT_NOW=0" in run.stderr
    assert len(out.read_bytes().decode("utf-8-sig").splitlines()) == 301
    summary = (tmp_path / "out-summary.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(summary) > 2
    assert "300" in run.stdout  # the printed summary reached the pipe whole
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]

    missing = _exit_run("batch", str(tmp_path / "nope.csv"), "--out", str(out))
    assert missing.returncode != 0 and f"EXIT_NOW={missing.returncode}" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_a_closed_pipe_after_a_quick_command_shows_no_error() -> None:
    """``advisor match --format json | head -1`` (half a MB, more than a pipe holds): the reader
    goes away; the command still ends quietly, with status 0."""
    argv = [sys.executable, "-m", "advisor", "match", str(EXAMPLE), "--format", "json", "--as-of", "2026-11-21"]
    with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        assert proc.stdout.readline()
        proc.stdout.close()
        err = proc.stderr.read().decode("utf-8")
        code = proc.wait(timeout=120)
    assert "Traceback" not in err and "Exception ignored" not in err
    assert code == 0
