"""The live estimate next to the questionnaire, updated after every answer."""

from __future__ import annotations

from rich.cells import cell_len
from textual.content import Content
from textual.widget import Widget

from advisor.money import format_wan_range
from advisor.results import Totals


class LivePanel(Widget):
    """Counts of eligible / possible measures and their estimated totals.

    Wide: several lines in a side column. Narrow: one line docked at the bottom.
    """

    DEFAULT_CSS = """
    LivePanel { height: auto; padding: 0 1; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.totals: Totals | None = None
        self.answered = 0
        self.relevant = 0

    def show(self, totals: Totals, answered: int, relevant: int) -> None:
        self.totals = totals
        self.answered = answered
        self.relevant = relevant
        self.refresh(layout=True)

    def lines(self) -> list[str]:
        """The panel's text, one string per line."""
        t = self.totals
        if t is None:
            return ["正在计算…"]
        return [
            "实时估算",
            f"符合：{t.eligible_count} 项",
            f"  {format_wan_range(t.eligible_min_yuan, t.eligible_max_yuan)}",
            f"可能符合：{t.possible_count} 项",
            f"  {format_wan_range(t.possible_min_yuan, t.possible_max_yuan)}",
            f"不符合：{t.ineligible_count} 项",
            f"已答 {self.answered}/{self.relevant} 题",
            "按 r 查看结果",
        ]

    def one_line(self) -> str:
        t = self.totals
        if t is None:
            return "正在计算…"
        return (
            f"实时估算：符合 {t.eligible_count} 项 {format_wan_range(t.eligible_min_yuan, t.eligible_max_yuan)} · "
            f"可能 {t.possible_count} 项 {format_wan_range(t.possible_min_yuan, t.possible_max_yuan)} · "
            f"已答 {self.answered}/{self.relevant}"
        )

    @property
    def text(self) -> str:
        """All the panel says, for tests and screen readers."""
        return "\n".join(self.lines())

    def render(self) -> Content:
        if self.has_class("-one-line") or self.screen.has_class("-narrow"):
            line = self.one_line()
            if cell_len(line) > max(self.size.width, 1):
                line = line.replace(" · 已答", "\n已答")
            content = Content(line)
        else:
            content = Content("\n".join(self.lines()))
        return content.stylize("bold", 0, 4) if not self.screen.has_class("-narrow") else content
