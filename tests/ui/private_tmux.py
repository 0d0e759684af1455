"""Private tmux servers for the terminal tests: never the default server.

``PrivateTerminal`` runs one command in a tmux server of its own (``tmux -L
advisor-test-<pid>-<random>``) and is the one driver of the end-to-end tests: it
reads the pane (``screen``), waits for text to appear or go (``wait_for``,
``wait_gone``: polling against a deadline, never a fixed sleep that decides
anything), presses keys and types text, and on ``close`` kills only its own
server. Other tmux users on a shared machine cannot break the tests, and the
tests cannot break them.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

TMUX = shutil.which("tmux")
#: Names of keys for ``PrivateTerminal.key`` that tmux spells differently.
TMUX_KEYS = {"enter": "Enter", "tab": "Tab", "pagedown": "NPage", "pageup": "PPage", "f3": "F3", "f5": "F5"}


class PrivateTerminal:
    """One command in a detached session of a tmux server of its own, at ``width`` × ``height``.

    The command runs in ``cwd`` with ``env`` added and ``TERM=xterm-256color``. When it ends
    the pane shows ``__EXITED__ <status>`` and stays, so a test can read how it ended; with
    ``keep_open=False`` the command is the pane's process itself (``pid``) and the pane
    closes with it (``running``).
    """

    def __init__(
        self,
        command: list[str],
        env: dict[str, str],
        width: int = 100,
        height: int = 34,
        *,
        cwd: Path | None = None,
        keep_open: bool = True,
    ) -> None:
        self.socket = f"advisor-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.session = "t"
        run = shlex.join(["env", *(f"{k}={v}" for k, v in env.items()), "TERM=xterm-256color", *command])
        line = f"{run}; echo __EXITED__ $?; sleep 600" if keep_open else f"exec {run}"
        where = ["-c", str(cwd)] if cwd is not None else []
        self.tmux(
            "new-session", "-d", "-s", self.session, "-x", str(width), "-y", str(height), *where, line, check=True
        )

    def __enter__(self) -> PrivateTerminal:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def tmux(self, *args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
        """A tmux command on this terminal's own server."""
        return subprocess.run([TMUX or "tmux", "-L", self.socket, *args], capture_output=True, text=True, check=check)

    def screen(self) -> str:
        """The pane's text as shown now."""
        return self.tmux("capture-pane", "-p", "-t", self.session).stdout

    def pid(self) -> int:
        """The process id of the pane's process (the command itself with ``keep_open=False``)."""
        return int(self.tmux("display-message", "-p", "-t", self.session, "#{pane_pid}", check=True).stdout)

    def running(self) -> bool:
        """The session is still there (with ``keep_open=False``: the command has not ended)."""
        return self.tmux("has-session", "-t", self.session).returncode == 0

    def wait_until(self, condition: Callable[[], bool], what: str, timeout: float = 30) -> None:
        """Poll ``condition`` until it holds; fails naming ``what``, with the screen, after ``timeout`` s."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; screen:\n{self.screen()}")
            time.sleep(0.1)

    def wait_for(self, *texts: str, timeout: float = 30) -> str:
        """The screen once every one of ``texts`` is on it; fails with the screen after ``timeout`` s."""
        deadline = time.monotonic() + timeout
        while True:
            shown = self.screen()
            if all(text in shown for text in texts):
                return shown
            if time.monotonic() > deadline:
                raise AssertionError(f"{texts} not shown within {timeout}s; screen:\n{shown}")
            time.sleep(0.05)

    def wait_gone(self, *texts: str, timeout: float = 30) -> str:
        """The screen once none of ``texts`` is on it (e.g. a toast has timed out)."""
        deadline = time.monotonic() + timeout
        while True:
            shown = self.screen()
            if not any(text in shown for text in texts):
                return shown
            if time.monotonic() > deadline:
                raise AssertionError(f"{texts} still shown after {timeout}s; screen:\n{shown}")
            time.sleep(0.05)

    def keys(self, *keys: str, pace: float = 0.0) -> None:
        """Press tmux-named keys (``Enter``, ``Down``, ``C-s``) one at a time, ``pace`` s apart."""
        for key in keys:
            self.tmux("send-keys", "-t", self.session, key, check=True)
            if pace:
                time.sleep(pace)

    def type(self, text: str, pace: float = 0.0) -> None:
        """Type ``text`` literally (no key names): character by character ``pace`` s apart, or
        with no ``pace`` all at once."""
        if not pace:
            self.tmux("send-keys", "-t", self.session, "-l", text, check=True)
            return
        for char in text:
            self.tmux("send-keys", "-t", self.session, "-l", char, check=True)
            time.sleep(pace)

    def key(self, name: str) -> None:
        """One key (a name of ``TMUX_KEYS``, a tmux key name or a character), then wait
        until it shows and the screen is still, as a person looks before the next key."""
        before = self.screen()
        if name in TMUX_KEYS or len(name) > 1:
            self.keys(TMUX_KEYS.get(name, name))
        else:
            self.type(name)
        self.settle(before)

    def settle(self, before: str, timeout: float = 5) -> None:
        """Wait until the screen differs from ``before`` and then stops changing (bounded by ``timeout``)."""
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

    def close(self) -> None:
        """Kill this terminal's own server (and with it the command); never any other server."""
        assert self.socket.startswith("advisor-test-")
        self.tmux("kill-server")
