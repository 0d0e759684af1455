"""How the UI code is put together: screens talk to the app by messages, the screens
import no cycle, styles are checked-in files, and the first paint needs only Textual."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

from screens.app import AdvisorApp

ROOT = Path(__file__).resolve().parents[2]
SCREENS = ROOT / "screens"


def screen_modules() -> dict[str, ast.Module]:
    return {
        ".".join(path.relative_to(ROOT).with_suffix("").parts): ast.parse(path.read_text(encoding="utf-8"))
        for path in sorted(SCREENS.rglob("*.py"))
    }


def imports_of(name: str, tree: ast.Module) -> set[str]:
    """The screens modules ``name`` imports, at the top or inside functions (not for type checking only)."""
    found: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        for child in ast.walk(node):
            if isinstance(child, ast.ImportFrom) and child.module and child.module.startswith("screens"):
                found.add(child.module)
            elif isinstance(child, ast.Import):
                found.update(a.name for a in child.names if a.name.startswith("screens"))
    return found - {name}


def test_screens_import_no_cycle() -> None:
    modules = screen_modules()
    graph = {name: imports_of(name, tree) & modules.keys() for name, tree in modules.items()}
    assert graph["screens.widgets.question_field"] == {"screens.widgets.list_answer"}  # the check sees imports
    done: set[str] = set()

    def visit(name: str, path: list[str]) -> None:
        if name in path:
            raise AssertionError("import cycle: " + " -> ".join([*path[path.index(name) :], name]))
        if name in done:
            return
        for imported in sorted(graph[name]):
            visit(imported, [*path, name])
        done.add(name)

    for name in graph:
        visit(name, [])


def test_screens_call_none_of_the_app_s_own_methods() -> None:
    """Screens post messages (screens.messages) instead of calling ``self.app.<AdvisorApp method>()``."""
    own = {name for name, value in vars(AdvisorApp).items() if callable(value) or isinstance(value, property)}
    assert "start_consultation" in own and "push_screen" not in own
    calls = []
    for name, tree in screen_modules().items():
        if name == "screens.app":
            continue
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and ast.unparse(node.func.value) == "self.app"
                and node.func.attr in own
            ):
                calls.append(f"{name}:{node.lineno} self.app.{node.func.attr}()")
    assert calls == []


def test_no_widget_keeps_styles_in_python() -> None:
    """Styles live in app.tcss and results.tcss (checked in), not in DEFAULT_CSS or CSS strings."""
    assert AdvisorApp.CSS_PATH == ["app.tcss", "results.tcss"]
    for sheet in AdvisorApp.CSS_PATH:
        assert (SCREENS / sheet).read_text(encoding="utf-8").strip()
    in_python = [
        f"{name}.{node.name}"
        for name, tree in screen_modules().items()
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
        for statement in node.body
        if isinstance(statement, ast.Assign) and {ast.unparse(t) for t in statement.targets} & {"DEFAULT_CSS", "CSS"}
    ]
    assert in_python == []


PAINT_PROBE = """
import builtins, io, pathlib, sys
from pathlib import Path

def refuse(*args, **kwargs):
    raise AssertionError(f"written while importing or painting: {args[:1]}")

for name in ("write_text", "write_bytes", "touch", "mkdir"):
    setattr(pathlib.Path, name, refuse)

import screens.app
from screens.app import AdvisorApp
from screens.home import HomeScreen

class FirstPaint(AdvisorApp):
    CSS_PATH = [str(Path(screens.app.__file__).with_name(name)) for name in AdvisorApp.CSS_PATH]
    def post_display_hook(self):
        if isinstance(self.screen, HomeScreen) and not hasattr(self, "seen"):
            self.seen = sorted(m for m in sys.modules if m.split(".")[0] in ("pydantic", "advisor", "tomli_w"))
            self.exit()

app = FirstPaint()
app.run(headless=True)
print("LOADED", " ".join(app.seen))
"""


def test_the_first_paint_needs_only_textual_and_writes_nothing(tmp_path: Path) -> None:
    """Issue 9: the home screen paints before the profile model (pydantic), storage or the
    engine are imported; importing the app and painting writes no file (results.tcss included)."""
    env = dict(os.environ, ADVISOR_DATA_DIR=str(tmp_path / "data"), HOME=str(tmp_path), TEXTUAL_ANIMATIONS="none")
    run = subprocess.run(
        [sys.executable, "-c", PAINT_PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr[-3000:]
    loaded = run.stdout.split("LOADED", 1)[1].split()
    assert loaded == ["advisor", "advisor.terminal_text"], loaded
    assert not (tmp_path / "data").exists()
