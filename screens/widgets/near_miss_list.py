"""“差一点”: measures missed by one numeric requirement, with the gap and its worth."""

from __future__ import annotations

from typing import Iterable

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from advisor.engine import MatchResult
from advisor.report import source_ref

EMPTY_TEXT = "没有“差一点”的措施：不符合的措施都不只差一项数值条件。"


def near_miss_prompt(result: MatchResult) -> Text:
    """Title and source, the gap, and what the measure would be worth."""
    assert result.near_miss is not None
    text = Text(end="")
    text.append(result.measure.title, style="bold")
    text.append(f"（{source_ref(result)}）", style="dim")
    text.append("\n  差距：")
    text.append(result.near_miss.gap_text)
    text.append("\n  达到后约：")
    text.append(result.near_miss.amount.display(), style="bold green")
    return text


class NearMissList(OptionList):
    """Near misses; an option's id is the measure id."""

    DEFAULT_CSS = """
    NearMissList {
        height: 1fr;
    }
    """

    def show(self, results: Iterable[MatchResult]) -> None:
        self.clear_options()
        near = [r for r in results if r.near_miss is not None]
        if not near:
            self.add_option(Option(Text(EMPTY_TEXT, style="dim"), id="none", disabled=True))
            return
        for index, result in enumerate(near):
            if index:
                self.add_option(None)
            self.add_option(Option(near_miss_prompt(result), id=result.measure.id))
        self.highlighted = 0
