"""The error types the domain raises; each ``str()`` is Chinese, ready for a person.

One module so a caller catches a profile, rule-set or file problem without importing
the code that reads profiles or rules (and so those modules need not import each other).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal


class ProfileError(Exception):
    """A profile file that cannot be used; ``str()`` is a Chinese paragraph for the user."""


class RuleSetError(Exception):
    """The rule set cannot be used; ``problems`` name file, key and what is wrong."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


class NoDataFolder(OSError):
    """There is no per-user data folder (no home folder); ``str()`` says so in Chinese."""


class OpenElsewhere(Exception):
    """The consultation is open in another running instance of the app (``pid`` on ``host``)."""

    def __init__(self, pid: int, host: str) -> None:
        super().__init__(f"这次咨询已在另一个窗口中打开（进程 {pid}，主机 {host}）")
        self.pid = pid
        self.host = host


#: What can be wrong with a file before its content is read as TOML.
FileProblemKind = Literal[
    "missing",  # no such file (also a dangling symbolic link)
    "directory",
    "not_regular",  # a device, pipe or socket
    "too_large",
    "symlink_loop",
    "bad_path",  # e.g. a NUL character in the path
    "os",  # any other operating-system error (``errno`` says which)
    "empty",
    "utf16",
    "nul",  # a NUL byte: a binary file
    "not_utf8",
]


class FileProblem(Exception):
    """A file that cannot be read as text, and why (``kind`` and the figures the wording needs).

    ``advisor.error_text.file_problem_text`` words it in Chinese (``str()`` is only the kind); profile and rule loading
    put it in their own sentence (a paragraph for a person, a line of ``rules check``).
    """

    def __init__(
        self,
        kind: FileProblemKind,
        path: Path | None = None,
        *,
        size: int | None = None,
        limit: int | None = None,
        line: int | None = None,
        hint: str | None = None,
        errno: int | None = None,
    ) -> None:
        super().__init__(kind)
        self.kind: FileProblemKind = kind
        self.path = path
        self.size = size
        self.limit = limit
        self.line = line
        self.hint = hint
        self.errno = errno
