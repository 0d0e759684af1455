"""浏览政策库: every encoded measure with its source and verbatim quote."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from advisor.report import article_ref
from advisor.terminal_text import printable


class LibraryScreen(Screen[None]):
    """A list of measures; the highlighted one's source and quote on the right."""

    BINDINGS = [Binding("escape", "app.pop_screen", "返回")]

    def compose(self) -> ComposeResult:
        catalogue = self.app.engine.catalogue
        yield Header()
        with Horizontal(id="library-body"):
            yield OptionList(
                *[Option(printable(m.title), id=m.id) for m in catalogue.measures],
                markup=False,
                id="measures",
            )
            with VerticalScroll(id="measure-detail"):
                yield Static("", markup=False, id="measure-text")
        yield Footer()

    def on_mount(self) -> None:
        measures = self.query_one("#measures", OptionList)
        measures.focus()
        if self.app.engine.catalogue.measures:
            measures.highlighted = 0

    @on(OptionList.OptionHighlighted, "#measures")
    def show_measure(self, event: OptionList.OptionHighlighted) -> None:
        catalogue = self.app.engine.catalogue
        measure = catalogue.measure(event.option.id or "")
        source = catalogue.sources[measure.document]
        text = "\n".join(
            [
                measure.title,
                "",
                f"出处：{source.title}（{source.issuer}，{source.status}）",
                f"条款：{article_ref(measure.article)}",
                f"地区：{measure.region}",
                f"施行：{source.dates_text}",
                "",
                "原文：",
                f"“{measure.quote}”",
            ]
        )
        self.query_one("#measure-text", Static).update(Text(printable(text, multiline=True)))
