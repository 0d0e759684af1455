"""The one sanitising step between user, file or rule text and a terminal.

Every string that did not come from this program's own literals (a company
name, a file name, a rule title, an error text quoting a file) passes through
``printable`` before it is written to a terminal, a toast, a table cell or a
report. Control characters are shown as visible escapes (``\\x1b``), so no
ESC sequence of any kind (CSI, OSC ended by BEL or ST, DCS, APC, PM, SOS,
their 8-bit C1 forms) can reach the terminal, and bidi overrides and lone
surrogates cannot reorder or break the line. Printable text, Chinese and the
ideographic space included, is unchanged.
"""

from __future__ import annotations

import re
from functools import cache

# C0 (but \t and \n, handled by mode), DEL, C1, Arabic letter mark, LRM/RLM,
# line/paragraph separators, bidi embeddings/overrides/isolates, surrogates, BOM.
_UNSAFE_CLASS = "\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff"
_UNSAFE_SINGLE_LINE = re.compile(f"[{_UNSAFE_CLASS}\t\n]")


@cache
def _unsafe_multiline() -> re.Pattern[str]:
    """The unsafe characters but tab and newline. Compiled on first use: a class this wide
    costs about 0.4 ms to compile, and most commands only ever print single lines."""
    return re.compile(f"[{_UNSAFE_CLASS}]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: object, *, multiline: bool = False) -> str:
    """``text`` safe for a terminal: control and bidi characters shown as escapes.

    Single-line (the default) also escapes tab and newline, so a name can never
    add a line to a table, a list or a report; ``multiline`` keeps them.
    """
    value = text if isinstance(text, str) else str(text)
    pattern = _unsafe_multiline() if multiline else _UNSAFE_SINGLE_LINE
    if pattern.search(value) is None:
        return value
    return pattern.sub(_escape, value)


def is_clean(text: str, *, multiline: bool = False) -> bool:
    """True when ``printable`` would leave ``text`` unchanged."""
    return (_unsafe_multiline() if multiline else _UNSAFE_SINGLE_LINE).search(text) is None
