"""The reference consultation of issue 11 in a real terminal, from the keyboard.

Runs the installed ``advisor`` in tmux on a private socket (``tmux -L
advisor-q-<pid>``, never the default server), presses the keys of
``reference_consultation.STEPS`` one by one, waits for each step's text with
``capture-pane`` against a deadline, and asserts the results screen and the
autosaved answers. Prints the keystroke count and the time taken.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from reference_consultation import NAME, STEPS, keystrokes

from advisor.profile_io import load_profile

TMUX = shutil.which("tmux")
ADVISOR = Path(sys.executable).parent / "advisor"
pytestmark = [
    pytest.mark.skipif(TMUX is None, reason="tmux 未安装：无法在真实终端中做端到端测试"),
    pytest.mark.skipif(not ADVISOR.exists(), reason=f"未找到已安装的 advisor 命令：{ADVISOR}"),
]
TMUX_KEYS = {"enter": "Enter", "tab": "Tab", "pagedown": "NPage", "pageup": "PPage", "f3": "F3", "f5": "F5"}


class PrivateTerminal:
    """One tmux server of our own (``-L advisor-q-<pid>``) running a command at 120×40."""

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        self.socket = f"advisor-q-{os.getpid()}"
        exports = " ".join(f"{k}={v}" for k, v in env.items())
        line = f"env {exports} TERM=xterm-256color {' '.join(command)}; echo __EXITED__ $?; sleep 600"
        self.tmux("new-session", "-d", "-s", "ref", "-x", "120", "-y", "40", line)

    def tmux(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([TMUX, "-L", self.socket, *args], check=True, capture_output=True, text=True)

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "ref").stdout

    def wait_for(self, *texts: str, timeout: float = 20) -> str:
        deadline = time.monotonic() + timeout
        while True:
            shown = self.screen()
            if all(text in shown for text in texts):
                return shown
            if time.monotonic() > deadline:
                raise AssertionError(f"{texts} not shown within {timeout}s; screen:\n{shown}")
            time.sleep(0.05)

    def settle(self, before: str, timeout: float = 5) -> None:
        """Wait until the key shows (the screen changes) and the screen stops changing,
        as a person looks before pressing the next key."""
        deadline = time.monotonic() + timeout
        last = self.screen()
        while last == before and time.monotonic() < deadline - 3:
            time.sleep(0.05)
            last = self.screen()
        stable = 0
        while stable < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
            now = self.screen()
            stable = stable + 1 if now == last else 0
            last = now

    def key(self, name: str) -> None:
        before = self.screen()
        if name in TMUX_KEYS or len(name) > 1:
            self.tmux("send-keys", "-t", "ref", TMUX_KEYS.get(name, name))
        else:
            self.tmux("send-keys", "-t", "ref", "-l", name)
        self.settle(before)

    def close(self) -> None:
        subprocess.run([TMUX, "-L", self.socket, "kill-server"], capture_output=True)  # our private server only


def test_reference_consultation_from_the_keyboard(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {"ADVISOR_DATA_DIR": str(data), "HOME": str(tmp_path / "home"), "TEXTUAL_ANIMATIONS": "none"}
    term = PrivateTerminal([str(ADVISOR)], env)
    try:
        term.wait_for("新建咨询")
        started = time.monotonic()
        for keys, text, expect in STEPS:
            for name in keys:
                term.key(name)
            for char in text:
                term.key(char)
            if expect:
                term.wait_for(expect)
        shown = term.wait_for("匹配结果", "43.2万元/年 × 3年", "160万元")  # 租金补贴 30元×1,200×12; 配套 20%×800万
        elapsed = time.monotonic() - started
        assert "最高18万元/年 × 3" in shown  # 贷款贴息 30% × 60万
        print(f"\nreference consultation in tmux: {keystrokes()} keystrokes, {elapsed:.1f} s")
        term.tmux("send-keys", "-t", "ref", "C-q")
        term.wait_for("__EXITED__ 0")
    finally:
        term.close()
    autosaves = list((data / "autosave").glob("*.toml"))
    assert len(autosaves) == 1  # one consultation, one autosave
    p = load_profile(autosaves[0])
    assert p.identity.name == NAME and p.identity.stats_district == "光明区"
    assert p.scale.revenue_wan == {2024: Decimal(8000), 2025: Decimal(13000)}
    assert (p.space.leased_area_m2, p.space.rent_yuan_per_m2_month, p.space.annual_rent_wan) == (
        1200,
        80,
        Decimal("115.2"),
    )
    assert p.finance.vc_invested is False and p.events.held == [] and p.listing.stages_reached == []
    assert not list((data / "autosave").glob("*.lock"))  # released on quit
