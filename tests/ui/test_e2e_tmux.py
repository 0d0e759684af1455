"""End to end in a real terminal: the installed ``advisor`` inside tmux.

Types answers key by key, saves the profile with Ctrl+S, quits, checks the
file, restarts ``advisor FILE`` and checks the same answers are on screen.
Waiting polls ``capture-pane`` against a deadline; assertions never rely on
a fixed sleep.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from advisor.profile import credit_code_check_char
from advisor.profile_io import load_profile

sys.path.insert(0, str(Path(__file__).resolve().parent))
from private_tmux import stop_server, tmux_args

TMUX = shutil.which("tmux")
ADVISOR = Path(sys.executable).parent / "advisor"
pytestmark = [
    pytest.mark.skipif(TMUX is None, reason="tmux 未安装：无法在真实终端中做端到端测试"),
    pytest.mark.skipif(not ADVISOR.exists(), reason=f"未找到已安装的 advisor 命令：{ADVISOR}"),
]


@pytest.fixture(autouse=True, scope="module")
def _private_server():
    yield
    stop_server()


CODE = "91440300MA5DC1234" + credit_code_check_char("91440300MA5DC1234")
NAME = "光明智算科技"


class Terminal:
    """One detached tmux session running a command at 100×34."""

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        self.name = f"advisor-e2e-{uuid.uuid4().hex[:8]}"
        exports = " ".join(f"{k}={v}" for k, v in env.items())
        line = f"env {exports} TERM=xterm-256color {' '.join(command)}; echo __EXITED__ $?; sleep 600"
        subprocess.run(tmux_args("new-session", "-d", "-s", self.name, "-x", "100", "-y", "34", line), check=True)

    def screen(self) -> str:
        return subprocess.run(tmux_args("capture-pane", "-p", "-t", self.name), capture_output=True, text=True).stdout

    def wait_for(self, *texts: str, timeout: float = 20) -> str:
        deadline = time.monotonic() + timeout
        while True:
            shown = self.screen()
            if all(text in shown for text in texts):
                return shown
            if time.monotonic() > deadline:
                raise AssertionError(f"{texts} not shown within {timeout}s; screen:\n{shown}")
            time.sleep(0.1)

    def keys(self, *keys: str) -> None:
        """Press keys one at a time, paced like a person (not a paste)."""
        for key in keys:
            subprocess.run(tmux_args("send-keys", "-t", self.name, key), check=True)
            time.sleep(0.08)

    def type(self, text: str) -> None:
        for char in text:
            subprocess.run(tmux_args("send-keys", "-t", self.name, "-l", char), check=True)
            time.sleep(0.05)

    def close(self) -> None:
        subprocess.run(tmux_args("kill-session", "-t", self.name), capture_output=True)


def test_answer_save_quit_and_reopen(tmp_path: Path) -> None:
    home = tmp_path / "home"  # made with its Documents folder by the isolated_user fixture
    env = {"ADVISOR_DATA_DIR": str(tmp_path / "data"), "HOME": str(home), "TEXTUAL_ANIMATIONS": "none"}
    first = Terminal([str(ADVISOR)], env)
    try:
        first.wait_for("新建咨询")
        first.keys("n")
        first.wait_for("申请主体类型", "已答 0/")
        first.keys("Enter")  # open the list of applicant kinds, as a person would, and look
        first.wait_for("活动举办单位（专业机构、行业协会）")
        first.keys("Down", "Enter")  # 企业
        first.wait_for("已答 1/")
        first.keys("PageDown")
        first.wait_for("单位名称")
        first.type(NAME)
        first.keys("Tab")
        first.wait_for("█ 统一社会信用代码", "已答 2/")  # focus has moved: the code cannot land in the name
        first.type(CODE)
        first.wait_for("把注册地填为")  # the code's 440300 suggests 深圳市 (never a district)
        first.keys("Enter")  # 采用; on to 注册地所在区
        first.wait_for("深圳市")
        first.keys("Enter")
        first.wait_for("福田区")
        first.keys(*["Down"] * 9, "Enter")  # 注册地所在区: 光明区 (ninth)
        first.wait_for("光明区")
        first.keys("C-s")
        first.wait_for("保存画像（.toml）")
        first.keys("Enter")
        first.wait_for("已保存到")
        first.keys("C-q")
        first.wait_for("__EXITED__ 0")
    finally:
        first.close()

    saved = list((home / "Documents").glob("*.toml"))
    assert [p.name for p in saved] == [f"{NAME}-画像-{time.strftime('%Y-%m-%d')}.toml"]
    profile = load_profile(saved[0])
    assert profile.applicant.kind == "enterprise"
    assert profile.identity.name == NAME
    assert profile.identity.credit_code == CODE
    assert (profile.identity.registered_city, profile.identity.registered_district) == ("深圳市", "光明区")

    second = Terminal([str(ADVISOR), str(saved[0])], env)
    try:
        # the same file continues its consultation in the section the person was in (issue 11)
        shown = second.wait_for("已答 5/", NAME, CODE, "光明区")  # kind, name, code, city, district
        assert "深圳市" in shown and "谁在咨询     1/1" in shown
        second.keys("C-q")
        second.wait_for("__EXITED__ 0")
    finally:
        second.close()
