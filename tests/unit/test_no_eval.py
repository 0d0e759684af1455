"""Nothing in the package evaluates text as code or unpickles data.

Rules and profiles are data: this scans the source of advisor/ and screens/
with ``ast`` for eval/exec, pickle-like modules, ``shell=True`` and shell calls.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = [ROOT / "advisor", ROOT / "screens"]
FORBIDDEN_CALLS = {"eval", "exec", "__import__"}
FORBIDDEN_ATTRS = {("os", "system"), ("os", "popen"), ("builtins", "eval"), ("builtins", "exec")}
FORBIDDEN_MODULES = {"pickle", "cPickle", "_pickle", "marshal", "shelve", "dill", "cloudpickle"}


def _sources() -> list[Path]:
    return sorted(p for package in PACKAGES if package.is_dir() for p in package.rglob("*.py"))


def _violations(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[str] = []
    for node in ast.walk(tree):
        where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in FORBIDDEN_CALLS:
                found.append(f"{where}: {func.id}()")
            if (
                isinstance(func, ast.Attribute)
                and isinstance(func.value, ast.Name)
                and (func.value.id, func.attr) in FORBIDDEN_ATTRS
            ):
                found.append(f"{where}: {func.value.id}.{func.attr}()")
            for keyword in node.keywords:
                if keyword.arg == "shell" and not (
                    isinstance(keyword.value, ast.Constant) and keyword.value.value is False
                ):
                    found.append(f"{where}: shell={ast.unparse(keyword.value)}")
        elif isinstance(node, ast.Import):
            found.extend(f"{where}: import {a.name}" for a in node.names if a.name.split(".")[0] in FORBIDDEN_MODULES)
        elif isinstance(node, ast.ImportFrom):
            if node.module and node.module.split(".")[0] in FORBIDDEN_MODULES:
                found.append(f"{where}: from {node.module} import …")
        elif isinstance(node, ast.Name) and node.id in ("eval", "exec") and isinstance(node.ctx, ast.Load):
            found.append(f"{where}: reference to {node.id}")  # e.g. f = eval; f(text)
    return found


def test_sources_are_found() -> None:
    assert any(p.name == "engine.py" for p in _sources())


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_eval_exec_pickle_or_shell(path: Path) -> None:
    assert _violations(path) == []


def test_the_scanner_catches_each_pattern(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import pickle\nfrom marshal import loads\nimport subprocess, os\n"
        "eval('1')\nexec('x=1')\nsubprocess.run('ls', shell=True)\nos.system('ls')\nf = eval\n",
        encoding="utf-8",
    )
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        found = _violations(bad)
    finally:
        ROOT = saved
    for pattern in (
        "import pickle",
        "from marshal",
        "eval()",
        "exec()",
        "shell=True",
        "os.system()",
        ":8: reference to eval",
    ):
        assert any(pattern in f for f in found), (pattern, found)
