"""advisor loads no pydantic plugin (``advisor.pydantic_plugins``): an installed plugin never
sees a profile, and pydantic's plugin search (``importlib.metadata``, the scan of every
installed distribution) is not run. Each check runs in a fresh interpreter with a real plugin
installed on its path (a distribution whose ``pydantic`` entry point records every call), and
the same interpreter without advisor shows that pydantic does load that plugin."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "guangming-ai-company.toml"

PLUGIN = """
import sys

class Plugin:
    def new_schema_validator(self, *args, **kwargs):
        with open(sys.argv[-1], "a", encoding="utf-8") as log:
            log.write("built\\n")
        return None, None, None

plugin = Plugin()
"""


@pytest.fixture
def plugin_path(tmp_path: Path) -> Path:
    """A folder holding an installed pydantic plugin (module and dist-info with its entry point)."""
    (tmp_path / "spy_plugin.py").write_text(PLUGIN, encoding="utf-8")
    info = tmp_path / "spy_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: spy-plugin\nVersion: 1.0\n", encoding="utf-8")
    (info / "entry_points.txt").write_text("[pydantic]\nspy = spy_plugin:plugin\n", encoding="utf-8")
    return tmp_path


def _run(code: str, folder: Path) -> tuple[subprocess.CompletedProcess[str], str]:
    log = folder / "calls.log"
    log.unlink(missing_ok=True)
    run = subprocess.run(
        [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(folder)!r})\n{code}", str(log)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        encoding="utf-8",
    )
    assert run.returncode == 0, run.stderr
    return run, log.read_text(encoding="utf-8") if log.exists() else ""


def test_pydantic_alone_loads_the_installed_plugin(plugin_path: Path) -> None:
    """The control: the plugin is found and called when advisor is not imported."""
    _, calls = _run("from pydantic import BaseModel\nclass A(BaseModel):\n    x: int\nA(x=1)", plugin_path)
    assert calls.count("built") >= 1


def test_advisor_never_loads_a_plugin_nor_scans_for_one(plugin_path: Path) -> None:
    code = (
        "from advisor.profile_io import load_profile\n"
        "from advisor.rulestore import load_engine\n"
        f"profile = load_profile({str(EXAMPLE)!r})\n"
        "assert load_engine().match(profile).results\n"
        "print(sorted(m for m in ('importlib.metadata', 'spy_plugin') if m in sys.modules))\n"
    )
    run, calls = _run(code, plugin_path)
    assert calls == ""
    assert run.stdout.strip() == "[]"


def test_a_batch_run_loads_no_plugin(plugin_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "r.csv"
    code = (
        "from advisor.cli import main\n"
        f"assert main(['batch', {str(ROOT / 'examples')!r}, '--out', {str(out)!r}, '--as-of', '2026-11-21']) == 0\n"
        "print('importlib.metadata' in sys.modules)\n"
    )
    run, calls = _run(code, plugin_path)
    assert calls == ""
    assert run.stdout.strip().splitlines()[-1] == "False"
    assert out.read_text(encoding="utf-8-sig").count("\n") > 1


def test_anything_else_asked_of_the_loader_comes_from_pydantic_s_own() -> None:
    """A later pydantic asking the loader for another name gets the real one, not an ImportError."""
    code = (
        "import advisor.pydantic_plugins as p\n"
        "stub = sys.modules[p.LOADER]\n"
        "print(type(stub).__name__, list(stub.get_plugins()), stub.PYDANTIC_ENTRY_POINT_GROUP)\n"
        "from pydantic.plugin._loader import PYDANTIC_ENTRY_POINT_GROUP\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", "import sys\n" + code], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["_NoPlugins", "[]", "pydantic"]


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="threads counted in /proc")
def test_a_batch_run_starts_no_blas_threads(tmp_path: Path) -> None:
    """numpy's OpenBLAS would start a spinning thread per core; batch asks for none."""
    pytest.importorskip("numpy")
    out = tmp_path / "r.csv"
    code = (
        "import os, sys\nos.environ.pop('OPENBLAS_NUM_THREADS', None)\nfrom advisor.cli import main\n"
        f"assert main(['batch', {str(ROOT / 'examples')!r}, '--out', {str(out)!r}, '--as-of', '2026-11-21']) == 0\n"
        "import numpy\nprint(len(os.listdir('/proc/self/task')))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().splitlines()[-1] == "1"
