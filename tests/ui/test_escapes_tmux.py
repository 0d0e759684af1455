"""In a real terminal, a hostile company name changes neither the title nor the clipboard.

A shell in a private tmux server (``private_tmux.PrivateTerminal``) with ``set-clipboard on``, so an
OSC 52 sequence that reached the pane would land in tmux's paste buffers, and an OSC 0/2
would change ``#{pane_title}``. A control run first proves that this terminal does obey
those sequences; then ``advisor match`` (table, JSON, Markdown), ``advisor batch``
(stderr names files) and the app's home screen (autosave list) run with the hostile name,
and the title and buffers must be exactly as before.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest
from private_tmux import TMUX, PrivateTerminal

from advisor import storage
from advisor.profile import Profile
from advisor.profile_io import save_profile

pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux 未安装")

BASELINE = "advisor-baseline-title"
HOSTILE_NAME = (
    "恶意\x1b]0;PWNED-TITLE\x07\x1b]2;PWNED-TITLE\x1b\\\x1b]52;c;UFdORUQ=\x07"
    "\x1b]52;c;UFdORUQ=\x1b\\\x9d0;PWNED-C1\x9c\u202e反转"
)


def shell() -> PrivateTerminal:
    """A shell in a terminal of its own that obeys title and clipboard sequences, titled ``BASELINE``."""
    term = PrivateTerminal(["sh"], {}, 120, 40)
    term.tmux("set-option", "-g", "set-clipboard", "on")
    term.tmux("set-option", "-g", "allow-rename", "on")
    term.tmux("select-pane", "-t", term.session, "-T", BASELINE)
    return term


def run_in(term: PrivateTerminal, command: str, *, done: str = "__DONE__", timeout: float = 30) -> str:
    """Run ``command`` in the shell; the pane's text once it printed ``done``."""
    term.type(f"{command}; echo {done}\n")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        shown = term.screen()
        if f"\n{done}" in "\n" + shown:
            return shown
        time.sleep(0.1)
    raise AssertionError(f"{command!r} did not finish; pane:\n{shown}")


def title(term: PrivateTerminal) -> str:
    return term.tmux("display-message", "-p", "-t", term.session, "#{pane_title}").stdout.strip()


def buffers(term: PrivateTerminal) -> str:
    return term.tmux("list-buffers").stdout + term.tmux("show-buffer").stdout


def test_the_terminal_obeys_title_and_clipboard_sequences() -> None:
    """The control: raw sequences do change the title and fill a buffer here,
    so the checks below would see a leak."""
    with shell() as term:
        run_in(term, r"printf '\033]2;PWNED-TITLE\033\\\033]52;c;UFdORUQ=\007'")
        assert title(term) == "PWNED-TITLE"
        assert "PWNED" in buffers(term)


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
    for command in [
        f"{python} -m advisor match {path} | head -3",  # the heading names the company
        f"{python} -m advisor match {path} --format json | head -3",
        f"{python} -m advisor match {path} --format markdown | head -3",
        f"{python} -m advisor batch {folder} --out {tmp_path / 'out.csv'} --jobs 1 2>&1 | head -4",
    ]:
        with shell() as term:
            shown = run_in(term, command)
            assert "恶意" in shown or "PWNED" in shown, shown  # the hostile text was printed, escaped
            assert title(term) == BASELINE, (command, title(term))
            assert "PWNED" not in buffers(term), command

    data = tmp_path / "data"
    storage_env = f"ADVISOR_DATA_DIR={data} HOME={tmp_path}"
    os.environ["ADVISOR_DATA_DIR"] = str(data)
    try:
        storage.autosave(profile, "20261120-101500-abcdef")
    finally:
        del os.environ["ADVISOR_DATA_DIR"]
    with shell() as term:
        term.type(f"env {storage_env} TERM=xterm-256color {python} -m advisor\n")
        assert "恶意" in term.wait_for("自动保存")
        assert title(term) == BASELINE
        assert "PWNED" not in buffers(term)
        term.keys("q")
