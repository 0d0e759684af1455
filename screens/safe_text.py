"""``printable`` for Rich ``Text`` built from user, file and rule strings.

Screens build styled ``Text`` from many pieces (a bold title, a dimmed paragraph, a
calculation line naming a project). ``safe_text`` escapes control and bidi
characters in every piece while keeping each piece's style, so one call at the
point a widget is filled covers all the pieces it was built from.
"""

from __future__ import annotations

from rich.text import Span, Text

from advisor.terminal_text import is_clean, printable


def safe_text(text: Text | str, *, multiline: bool = True) -> Text:
    """``text`` with control and bidi characters shown as escapes, styles kept; a
    ``str`` becomes literal ``Text`` (never markup)."""
    if isinstance(text, str):
        return Text(printable(text, multiline=multiline))
    if is_clean(text.plain, multiline=multiline):
        return text
    cuts = sorted({s.start for s in text.spans} | {s.end for s in text.spans})
    out = Text(style=text.style, justify=text.justify, overflow=text.overflow, no_wrap=text.no_wrap, end=text.end)
    for piece in text.divide(cuts):
        shown = printable(piece.plain, multiline=multiline)
        out.append_text(Text(shown, spans=[Span(0, len(shown), s.style) for s in piece.spans if s.end > s.start]))
    return out
