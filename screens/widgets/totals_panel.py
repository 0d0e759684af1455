"""What the estimated totals count and what they leave out, said plainly."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from advisor.engine import Assessment
from advisor.report import totals_lines, validity_notices

def totals_text(assessment: Assessment) -> Text:
    """The totals, the counting rules and the document warnings as plain text."""
    text = Text(end="")
    lines = totals_lines(assessment)
    for index, line in enumerate(lines):
        text.append(line, style="bold" if index == 0 else "")
        text.append("\n")
    text.append("合计不随筛选变化。", style="dim")
    for note in assessment.totals.notes:
        text.append("\n")
        text.append(note, style="dim")
    for notice in validity_notices(assessment):
        text.append("\n")
        text.append("注意：", style="bold yellow")
        text.append(notice, style="yellow")
    return text


class TotalsPanel(VerticalScroll, can_focus=False):
    """Totals of an assessment; scrolls when the terminal is short."""

    DEFAULT_CSS = """
    TotalsPanel {
        height: auto;
        max-height: 35%;
        border-top: solid $primary;
        border-title-align: left;
        padding: 0 1;
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
