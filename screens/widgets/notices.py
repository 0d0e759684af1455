"""The warnings about the documents behind the results (draft, superseded, period
ended): a one-line banner above the results and a dialog with their full text."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from advisor.terminal_text import printable


class NoticeBanner(Static):
    """One line above the results; a click opens the full text (as the key w does)."""

    async def on_click(self) -> None:
        await self.screen.run_action("show_notices")


class NoticeScreen(ModalScreen[None]):
    """Every notice in full; Esc, w or the button closes it."""

    BINDINGS = [Binding("escape,w,q", "close", "关闭")]

    def __init__(self, notices: list[str]) -> None:
        super().__init__()
        self.notices = list(notices)

    def compose(self) -> ComposeResult:
        text = Text(end="")
        for index, notice in enumerate(self.notices):
            if index:
                text.append("\n")
            text.append(f"· {printable(notice)}")
        with Vertical(id="notice-dialog"):
            yield Static("注意：结果所依据文件的状态", id="notice-title", markup=False)
            with VerticalScroll(id="notice-body"):
                yield Static(text, id="notice-text", markup=False)
            yield Button("关闭", id="close")

    def on_mount(self) -> None:
        self.query_one("#notice-body").focus()

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(None)
