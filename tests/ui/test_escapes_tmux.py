"""In a real terminal, a hostile company name changes neither the title nor the clipboard.

A private tmux server (``tmux -L advisor-test-<pid>``) with ``set-clipboard on``, so an
OSC 52 sequence that reached the pane would land in tmux's paste buffers, and an OSC 0/2
would change ``#{pane_title}``. A control run first proves that this terminal does obey
those sequences; then ``advisor match`` (table, JSON, Markdown), ``advisor batch``
(stderr names files) and the app's home screen (autosave list) run with the hostile name,
and the title and buffers must be exactly as before.
"""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from private_tmux import stop_server, tmux

from advisor import storage
from advisor.profile import Profile
from advisor.profile_io import save_profile

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux 未安装")

BASELINE = "advisor-baseline-title"
HOSTILE_NAME = (
    "恶意\x1b]0;PWNED-TITLE\x07\x1b]2;PWNED-TITLE\x1b\\\x1b]52;c;UFdORUQ=\x07"
    "\x1b]52;c;UFdORUQ=\x1b\\\x9d0;PWNED-C1\x9c\u202e反转"
)


@pytest.fixture(autouse=True, scope="module")
def _private_server():
    yield
    stop_server()


def run_in_pane(session: str, command: str, *, done: str = "__DONE__", timeout: float = 30) -> str:
    """Run ``command`` in a fresh pane of the private server; the pane's text once it printed ``done``."""
    assert tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "40", "sh").returncode == 0
    tmux("set-option", "-g", "set-clipboard", "on")
    tmux("set-option", "-g", "allow-rename", "on")
    tmux("select-pane", "-t", session, "-T", BASELINE)
    tmux("send-keys", "-t", session, "-l", f"{command}; echo {done}\n")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        shown = tmux("capture-pane", "-p", "-t", session).stdout
        if f"\n{done}" in "\n" + shown:
            return shown
        time.sleep(0.1)
    raise AssertionError(f"{command!r} did not finish; pane:\n{shown}")


def title(session: str) -> str:
    return tmux("display-message", "-p", "-t", session, "#{pane_title}").stdout.strip()


def buffers() -> str:
    return tmux("list-buffers").stdout


def test_the_terminal_obeys_title_and_clipboard_sequences() -> None:
    """The control: raw sequences do change the title and fill a buffer here,
    so the checks below would see a leak."""
    run_in_pane("control", r"printf '\033]2;PWNED-TITLE\033\\\033]52;c;UFdORUQ=\007'")
    assert title("control") == "PWNED-TITLE"
    assert "PWNED" in buffers() or "PWNED" in tmux("show-buffer").stdout
    tmux("kill-session", "-t", "control")
    tmux("delete-buffer")


def test_cli_and_app_with_a_hostile_name_leave_title_and_clipboard_alone(tmp_path: Path) -> None:
    profile = Profile()
    profile.set("applicant.kind", "enterprise")
    profile.set("identity.name", HOSTILE_NAME)
    path = tmp_path / "hostile.toml"
    save_profile(profile, path)
    folder = tmp_path / "folder"
    folder.mkdir()
    save_profile(profile, folder / "\x1b]0;PWNED-TITLE\x07.toml")
    (folder / "\x1b]52;c;UFdORUQ=\x07坏.toml").write_text(
        'schema_version = 2\n[space]\nleased_area_m2 = "\\u001b]0;PWNED\\u0007"\n', encoding="utf-8"
    )
    python = sys.executable
    for number, command in enumerate(
        [
            f"{python} -m advisor match {path} | head -3",  # the heading names the company
            f"{python} -m advisor match {path} --format json | head -3",
            f"{python} -m advisor match {path} --format markdown | head -3",
            f"{python} -m advisor batch {folder} --out {tmp_path / 'out.csv'} --jobs 1 2>&1 | head -4",
        ]
    ):
        session = f"cli{number}"
        shown = run_in_pane(session, command)
        assert "恶意" in shown or "PWNED" in shown, shown  # the hostile text was printed, escaped
        assert title(session) == BASELINE, (command, title(session))
        assert "PWNED" not in buffers(), command
        tmux("kill-session", "-t", session)

    data = tmp_path / "data"
    storage_env = f"ADVISOR_DATA_DIR={data} HOME={tmp_path}"
    import os

    os.environ["ADVISOR_DATA_DIR"] = str(data)
    try:
        storage.autosave(profile, "20261120-101500-abcdef")
    finally:
        del os.environ["ADVISOR_DATA_DIR"]
    tmux("new-session", "-d", "-s", "app", "-x", "120", "-y", "40", "sh")
    tmux("set-option", "-g", "set-clipboard", "on")
    tmux("select-pane", "-t", "app", "-T", BASELINE)
    tmux("send-keys", "-t", "app", "-l", f"env {storage_env} TERM=xterm-256color {python} -m advisor\n")
    deadline = time.monotonic() + 30
    while "自动保存" not in tmux("capture-pane", "-p", "-t", "app").stdout:
        assert time.monotonic() < deadline, tmux("capture-pane", "-p", "-t", "app").stdout
        time.sleep(0.2)
    assert "恶意" in tmux("capture-pane", "-p", "-t", "app").stdout
    assert title("app") == BASELINE
    assert "PWNED" not in buffers()
    tmux("send-keys", "-t", "app", "q")
    tmux("kill-session", "-t", "app")
