"""Fitting user and rule text into terminal cells.

Chinese characters take two cells, so widths are measured with
``rich.cells.cell_len`` and never with ``len()``. Every helper returns a
``rich.text.Text``: rule and company text is never parsed as markup.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text

ELLIPSIS = "…"


def shorten(text: str, width: int) -> str:
    """``text`` cut to at most ``width`` cells, ending in an ellipsis when cut.

    A wide character that does not fit whole is left out (never half shown)."""
    if cell_len(text) <= width:
        return text
    if width <= 0:
        return ""
    kept: list[str] = []
    used = 0
    room = width - cell_len(ELLIPSIS)
    for char in text:
        size = cell_len(char)
        if used + size > room:
            break
        kept.append(char)
        used += size
    return "".join(kept) + ELLIPSIS


def fit(text: str, width: int, *, style: str = "", justify: str = "left") -> Text:
    """One line of ``text`` in at most ``width`` cells, an ellipsis where it is cut."""
    return Text(shorten(text, width), style=style, justify=justify, no_wrap=True, end="")  # type: ignore[arg-type]


def fit_keeping_tail(head: str, tail: str, width: int, *, style: str = "") -> Text:
    """``head`` shortened so that ``tail`` (e.g. the article number) always shows."""
    room = width - cell_len(tail)
    if room <= cell_len(ELLIPSIS) + 1:
        return fit(head + tail, width, style=style)
    shown = fit(head, room, style=style)
    shown.append(tail)
    return shown
