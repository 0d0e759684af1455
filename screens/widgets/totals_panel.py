"""What the estimated totals count and what they leave out, said plainly."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from advisor.report import not_counted_groups, totals_lines
from advisor.results import Assessment
from advisor.terminal_text import printable


def totals_text(assessment: Assessment) -> Text:
    """The totals, what is not counted and why, and the counting rules, as plain text.
    (The document warnings are in the banner above the results.)"""
    text = Text(end="")
    lines = totals_lines(assessment)
    for index, line in enumerate(lines):
        text.append(line, style="bold" if index == 0 else "")
        text.append("\n")
    text.append("合计不随筛选变化。", style="dim")
    for note in assessment.totals.notes:
        text.append("\n")
        text.append(note, style="dim")
    for reason, titles in not_counted_groups(assessment):
        text.append("\n")
        text.append(f"未计入：{printable(reason)}：", style="dim bold")
        text.append(printable("、".join(titles)), style="dim")
    return text


class TotalsPanel(VerticalScroll, can_focus=True):
    """Totals of an assessment; focusable (Tab or t) and scrolled with ↑ ↓ PgUp PgDn
    when the terminal is short."""

    DEFAULT_CSS = """
    TotalsPanel {
        height: auto;
        max-height: 35%;
        border-top: solid $primary;
        border-title-align: left;
        padding: 0 1;
    }
    TotalsPanel:focus {
        border-top: thick $accent;
    }
    TotalsPanel > Static {
        width: 1fr;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.border_title = "合计"
        self.plain = ""
        """The shown text without styles, for tests and screen readers."""

    def compose(self) -> ComposeResult:
        yield Static("", markup=False, id="totals-text")

    def show(self, assessment: Assessment) -> None:
        text = totals_text(assessment)
        self.plain = text.plain
        self.query_one("#totals-text", Static).update(text)
