"""The questionnaire's sections with how many of their questions are answered."""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from textual.content import Content
from textual.widgets import OptionList
from textual.widgets.option_list import Option


def section_prompt(title: str, answered: int, relevant: int, width: int, current: bool = False) -> Content:
    """``▸ title   answered/relevant`` padded in cells so counts line up."""
    count = f"{answered}/{relevant}" if relevant else "—"
    text = ("▸ " if current else "  ") + title
    gap = max(width - cell_len(text) - cell_len(count), 1)
    content = Content(text + " " * gap + count)
    if current:
        return content.stylize("bold")
    return content.stylize("dim") if not relevant else content


class SectionList(OptionList):
    """One option per catalogue section; the highlighted one is shown."""

    PROMPT_WIDTH = 18

    def __init__(self, sections: Sequence[tuple[str, str]], **kwargs) -> None:
        """``sections`` are (id, title) pairs in catalogue order."""
        super().__init__(
            *[Option(section_prompt(title, 0, 0, self.PROMPT_WIDTH), id=sid) for sid, title in sections],
            markup=False,
            **kwargs,
        )
        self.titles = dict(sections)
        self.counts: dict[str, tuple[int, int]] = {}
        self.current = sections[0][0] if sections else ""

    def show_counts(self, counts: dict[str, tuple[int, int]], current: str | None = None) -> None:
        """Update each section's answered/relevant count and mark the shown section."""
        self.counts = counts
        self.current = current or self.current
        for index, (sid, title) in enumerate(self.titles.items()):
            answered, relevant = counts.get(sid, (0, 0))
            prompt = section_prompt(title, answered, relevant, self.PROMPT_WIDTH, sid == self.current)
            self.replace_option_prompt_at_index(index, prompt)
