"""Kill -9 the running app mid-consultation, restart it, and resume with the answers.

Drives the real ``python -m advisor`` in a tmux pane (skipped when tmux is
missing): start a consultation, type a company name containing markup, wait
for the autosave, SIGKILL the process, start again, pick the unfinished
consultation from the home screen and find the name shown literally.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import tomllib
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from private_tmux import stop_server, tmux_args  # noqa: E402 - the private tmux server

NAME = "断电[bold]测试[/bold]科技"

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


@pytest.fixture(autouse=True, scope="module")
def _private_server():
    yield
    stop_server()


class Pane:
    def __init__(self, session: str, env: dict[str, str]) -> None:
        self.session = session
        self.env = env

    def start(self) -> None:
        env_args = [arg for key, value in self.env.items() for arg in ("-e", f"{key}={value}")]
        command = f"exec {sys.executable} -m advisor"
        subprocess.run(
            tmux_args(
                "new-session", "-d", "-s", self.session, "-x", "140", "-y", "45", "-c", str(ROOT), *env_args, command
            ),
            check=True,
        )

    def text(self) -> str:
        run = subprocess.run(tmux_args("capture-pane", "-p", "-t", self.session), capture_output=True, text=True)
        return run.stdout

    def keys(self, *keys: str, literal: bool = False) -> None:
        subprocess.run(tmux_args("send-keys", "-t", self.session, *(["-l"] if literal else []), *keys), check=True)

    def pid(self) -> int:
        run = subprocess.run(
            tmux_args("display-message", "-p", "-t", self.session, "#{pane_pid}"),
            capture_output=True,
            text=True,
            check=True,
        )
        return int(run.stdout.strip())

    def stop(self) -> None:
        subprocess.run(tmux_args("kill-session", "-t", self.session), capture_output=True)


def wait_for(condition: Callable[[], bool], what: str, pane: Pane, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}; screen:\n{pane.text()}")


def test_kill_minus_nine_then_resume(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {
        "ADVISOR_DATA_DIR": str(data),
        "TEXTUAL_ANIMATIONS": "none",
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PATH": os.environ.get("PATH", ""),
    }
    pane = Pane(f"advisor-kill-{uuid.uuid4().hex[:8]}", env)
    autosave = data / "autosave"
    try:
        pane.start()
        wait_for(lambda: "新建咨询" in pane.text(), "the home screen", pane)
        pane.keys("n")
        wait_for(lambda: "实时估算" in pane.text(), "the questionnaire", pane)
        pane.keys("]")  # to 身份与所在地: the first field there is the company name
        wait_for(lambda: "单位名称" in pane.text(), "the identity section", pane)
        pane.keys(NAME, literal=True)

        def saved() -> bool:
            for path in autosave.glob("*.toml"):
                try:
                    if tomllib.loads(path.read_text(encoding="utf-8")).get("identity", {}).get("name") == NAME:
                        return True
                except (OSError, tomllib.TOMLDecodeError):
                    pass
            return False

        wait_for(saved, "the autosave", pane)
        pid = pane.pid()
        os.kill(pid, signal.SIGKILL)  # the app we started, no chance to clean up
        wait_for(
            lambda: subprocess.run(tmux_args("has-session", "-t", pane.session), capture_output=True).returncode != 0,
            "the pane to close",
            pane,
            timeout=10,
        )
        assert list(autosave.glob("*.tmp")) == [] and list(autosave.glob(".*.tmp")) == []

        pane.start()
        wait_for(lambda: NAME in pane.text(), "the unfinished consultation on the home screen", pane)
        pane.keys("Tab", "Tab", "Tab")  # 新建咨询 → 打开画像 → 浏览政策库 → 未完成的咨询
        time.sleep(0.5)
        pane.keys("Home")  # highlight the first (only) entry
        time.sleep(0.3)
        pane.keys("Enter")
        wait_for(lambda: "实时估算" in pane.text(), "the resumed questionnaire", pane)
        # resuming returns to the section the person was in: 身份与所在地
        wait_for(lambda: "单位名称" in pane.text() and NAME in pane.text(), "the resumed answer, shown literally", pane)
        assert "已答 1/" in pane.text() or "1/10" in pane.text()
    finally:
        pane.stop()
