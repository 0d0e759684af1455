"""The results screen in a real terminal at 80×24 and 120×36: every visible eligible
row shows its amount whole, and the document warning is on screen without scrolling.

Runs the installed ``advisor`` in tmux on a private socket (never the default server).
Waiting polls ``capture-pane`` against a deadline; no fixed sleeps decide anything.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from advisor.profile_io import load_profile
from advisor.results import ELIGIBLE

TMUX = shutil.which("tmux")
ADVISOR = Path(sys.executable).parent / "advisor"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "guangming-ai-company.toml"
pytestmark = [
    pytest.mark.skipif(TMUX is None, reason="tmux 未安装：无法在真实终端中测试"),
    pytest.mark.skipif(not ADVISOR.exists(), reason=f"未找到已安装的 advisor 命令：{ADVISOR}"),
]


class PrivateTerminal:
    """One tmux session of the given size on this test's own socket."""

    def __init__(self, command: list[str], env: dict[str, str], width: int, height: int) -> None:
        self.socket = f"advisor-t12-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        exports = " ".join(f"{k}={v}" for k, v in env.items())
        line = f"env {exports} TERM=xterm-256color {' '.join(command)}; echo __EXITED__ $?; sleep 600"
        self.tmux("new-session", "-d", "-s", "t", "-x", str(width), "-y", str(height), line)

    def tmux(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([TMUX, "-L", self.socket, *args], capture_output=True, text=True, check=False)

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "t").stdout

    def wait_for(self, *texts: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while True:
            shown = self.screen()
            if all(text in shown for text in texts):
                return shown
            if time.monotonic() > deadline:
                raise AssertionError(f"{texts} not shown within {timeout}s; screen:\n{shown}")
            time.sleep(0.1)

    def wait_gone(self, *texts: str, timeout: float = 30) -> str:
        """Wait until none of ``texts`` is shown (a toast over the table has timed out)."""
        deadline = time.monotonic() + timeout
        while True:
            shown = self.screen()
            if not any(text in shown for text in texts):
                return shown
            if time.monotonic() > deadline:
                raise AssertionError(f"{texts} still shown after {timeout}s; screen:\n{shown}")
            time.sleep(0.1)

    def keys(self, *keys: str) -> None:
        for key in keys:
            self.tmux("send-keys", "-t", "t", key)

    def close(self) -> None:
        self.tmux("kill-server")  # this test's private server only


@pytest.mark.parametrize("size", [(80, 24), (120, 36)])
def test_every_visible_eligible_amount_is_whole(tmp_path: Path, engine, size: tuple[int, int]) -> None:
    width, height = size
    home = tmp_path / "home"
    (home / "Documents").mkdir(parents=True, exist_ok=True)  # the isolated_user fixture may have made it
    env = {"ADVISOR_DATA_DIR": str(tmp_path / "data"), "HOME": str(home), "TEXTUAL_ANIMATIONS": "none"}
    expected = engine.match(load_profile(EXAMPLE), dt.date.today())
    eligible = [r.amount.display() for r in expected.results if r.status == ELIGIBLE]
    assert eligible, "the 光明 example has eligible measures"
    term = PrivateTerminal([str(ADVISOR), str(EXAMPLE)], env, width, height)
    try:
        term.wait_for("已打开")
        term.keys("F5")
        term.wait_for("匹配结果", "估算金额")
        shown = term.wait_gone("已打开", "正在加载政策库")  # toasts lie over the table's right edge
        lines = shown.splitlines()
        top = next(i for i, line in enumerate(lines) if "估算金额" in line)
        bottom = next((i for i, line in enumerate(lines) if i > top and "合计" in line and "─" in line), len(lines))
        rows = [line for line in lines[top + 1 : bottom] if line.strip().startswith("符合")]
        assert len(rows) >= 3, shown  # several eligible rows fit even at 80×24
        for line, amount in zip(rows, eligible, strict=False):
            assert amount in line, f"amount {amount!r} cut in row {line!r}\n{shown}"
        assert "注意" in shown and "按 w 查看全文" in shown  # the warning, without scrolling
        term.keys("w")
        full = term.wait_for("注意：结果所依据文件的状态")
        assert "征求意见稿" in full
    finally:
        term.close()
