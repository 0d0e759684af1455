"""A private tmux server for the terminal tests: ``tmux -L advisor-test-<pid>``.

Every tmux call of the tests goes through ``tmux()``, so they never touch the
default server: other tmux users on a shared machine cannot break the tests,
and the tests cannot break them. ``stop_server`` kills only this private
server (and only when it is this process's own socket).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import Any

TMUX = shutil.which("tmux")
SOCKET = f"advisor-test-{os.getpid()}"


def tmux_args(*args: str) -> list[str]:
    """The argument list of a tmux command on the private server."""
    return [TMUX or "tmux", "-L", SOCKET, *args]


def tmux(*args: str, **kwargs: Any) -> subprocess.CompletedProcess:
    """Run a tmux command on the private server."""
    kwargs.setdefault("capture_output", True)
    kwargs.setdefault("text", True)
    return subprocess.run(tmux_args(*args), **kwargs)


def stop_server() -> None:
    """Kill the private server of this test process (never the default one)."""
    assert SOCKET.startswith("advisor-test-")
    tmux("kill-server")
