"""“差一点”: measures one reachable numeric step away, with the step and its worth,
ranked by what they unlock; then measures one yes/no step away, as suggestions with
what their clause pays."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from advisor.report import source_ref
from advisor.results import MatchResult
from advisor.terminal_text import printable

EMPTY_TEXT = "没有“差一点”的措施：不符合的措施都不只差一项可以做到的条件。"


def near_miss_prompt(result: MatchResult) -> Text:
    """Title and source, the step ("租赁面积 400平方米 → 500平方米"), what it is worth."""
    assert result.near_miss is not None
    text = Text(end="")
    text.append(printable(result.measure.title), style="bold")
    text.append(f"（{printable(source_ref(result))}）", style="dim")
    text.append("\n  ")
    text.append(printable(result.near_miss.gap_text))
    text.append("：约 ")
    text.append(printable(result.near_miss.amount.display()), style="bold green")
    return text


def suggestion_prompt(result: MatchResult) -> Text:
    """The step to take and the clause's formula: "向区内算力平台购买算力服务：按费用30%……"."""
    assert result.near_miss is not None
    text = Text(end="")
    text.append("可以考虑：", style="bold yellow")
    text.append(printable(result.near_miss.condition), style="bold")
    text.append(f"\n  {printable(result.near_miss.formula)}")
    text.append(f"（{printable(result.measure.title)}，{printable(source_ref(result))}）", style="dim")
    return text


class NearMissList(OptionList):
    """Near misses, then suggestions; an option's id is the measure id."""

    DEFAULT_CSS = """
    NearMissList {
        height: 1fr;
    }
    """

    def show(self, results: Iterable[MatchResult], suggestions: Iterable[MatchResult] = ()) -> None:
        self.clear_options()
        near = [r for r in results if r.near_miss is not None]
        ideas = [r for r in suggestions if r.near_miss is not None]
        if not near and not ideas:
            self.add_option(Option(Text(EMPTY_TEXT, style="dim"), id="none", disabled=True))
            return
        options = [Option(near_miss_prompt(r), id=r.measure.id) for r in near]
        options += [Option(suggestion_prompt(r), id=r.measure.id) for r in ideas]
        for index, option in enumerate(options):
            if index:
                self.add_option(None)
            self.add_option(option)
        self.highlighted = 0
