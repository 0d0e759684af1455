"""Small modal dialogs: confirm, error and a choice between several buttons.

Every dialog is a typed ModalScreen that returns through ``dismiss()``; the
message is shown literally (no markup), so file names and user text such as
``[bold]x`` appear exactly as written.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from advisor.terminal_text import printable


def shown(message: str) -> Text:
    """A dialog message as literal text: control and bidi characters escaped, never markup."""
    return Text(printable(message, multiline=True))


class ConfirmDialog(ModalScreen[bool]):
    """Ask a yes/no question; True only when the user confirms."""

    BINDINGS = [
        Binding("escape", "cancel", "取消"),
        Binding("y", "confirm", "确定", show=False),
        Binding("n", "cancel", "取消", show=False),
        Binding("left", "app.focus_previous", show=False),
        Binding("right", "app.focus_next", show=False),
    ]

    def __init__(self, message: str, *, confirm_label: str = "确定", cancel_label: str = "取消") -> None:
        super().__init__()
        self.message = message
        self.confirm_label = confirm_label
        self.cancel_label = cancel_label

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(shown(self.message), classes="dialog-message")
            with Horizontal(classes="dialog-buttons"):
                yield Button(self.confirm_label, variant="primary", id="confirm")
                yield Button(self.cancel_label, id="cancel")

    def on_mount(self) -> None:
        self.query_one("#confirm", Button).focus()

    @on(Button.Pressed, "#confirm")
    def action_confirm(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)


class ErrorDialog(ModalScreen[None]):
    """Show a problem in Chinese; the app keeps running and nothing is lost."""

    BINDINGS = [Binding("escape,enter", "close", "关闭")]

    def __init__(self, message: str, *, title: str = "出错了") -> None:
        super().__init__()
        self.message = message
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog error-dialog"):
            yield Static(shown(self.title_text), classes="dialog-title")
            yield Static(shown(self.message), classes="dialog-message")
            with Horizontal(classes="dialog-buttons"):
                yield Button("知道了", variant="error", id="close")

    def on_mount(self) -> None:
        self.query_one("#close", Button).focus()

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(None)


class ChoiceDialog(ModalScreen[str | None]):
    """Offer several answers as buttons; returns the chosen key, None on escape."""

    BINDINGS = [
        Binding("escape", "cancel", "取消"),
        Binding("left", "app.focus_previous", show=False),
        Binding("right", "app.focus_next", show=False),
    ]

    def __init__(self, message: str, choices: list[tuple[str, str]]) -> None:
        """``choices`` are (key, button label) pairs; the first is the default."""
        super().__init__()
        self.message = message
        self.choices = choices

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(shown(self.message), classes="dialog-message")
            with Horizontal(classes="dialog-buttons"):
                for index, (key, label) in enumerate(self.choices):
                    yield Button(label, id=f"choice-{key}", variant="primary" if index == 0 else "default")

    def on_mount(self) -> None:
        self.query(Button).first().focus()

    @on(Button.Pressed)
    def choose(self, event: Button.Pressed) -> None:
        self.dismiss((event.button.id or "").removeprefix("choice-"))

    def action_cancel(self) -> None:
        self.dismiss(None)
