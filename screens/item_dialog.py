"""Editing one item of a list answer (a funded project, an event, a revenue year).

Enter in a typed field submits the dialog (确定); a one-key answer (y/n, an
option's number) moves on to the next field.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from screens.widgets.question_field import QuestionField


class ItemDialog(ModalScreen[dict[str, Any] | None]):
    """Edit an item's fields; returns the item, or None when cancelled."""

    BINDINGS = [Binding("escape", "cancel", "取消"), Binding("ctrl+s", "store", "确定", priority=True)]

    def __init__(self, title: str, fields: Sequence[Any], item: dict[str, Any], *, max_year: int) -> None:
        super().__init__()
        self.title_text = title
        self.fields = list(fields)
        self.item = {f.id: item.get(f.id) for f in self.fields}
        self.max_year = max_year

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog item-dialog"):
            yield Static(self.title_text, markup=False, classes="dialog-title")
            with VerticalScroll(classes="item-fields"):
                for spec in self.fields:
                    yield QuestionField(spec, self.item[spec.id], key=spec.id, max_year=self.max_year)
            yield Static("", markup=False, classes="field-error", id="item-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("确定", variant="primary", id="store")
                yield Button("取消", id="cancel")

    def on_mount(self) -> None:
        self.query_one(QuestionField).focus_editor()

    @on(QuestionField.Advance)
    def advance(self, event: QuestionField.Advance) -> None:
        event.stop()
        if event.submitted:
            self.action_store()
            return
        fields = list(self.query(QuestionField))
        position = fields.index(event.field)
        if position + 1 < len(fields):
            fields[position + 1].focus_editor()
        else:
            self.query_one("#store", Button).focus()

    @on(QuestionField.Answered)
    def keep_answer(self, event: QuestionField.Answered) -> None:
        event.stop()
        self.item[event.field.key] = event.value

    @on(QuestionField.SkipRequested)
    def keep_unknown(self, event: QuestionField.SkipRequested) -> None:
        event.stop()
        self.item[event.field.key] = None
        event.field.set_skipped(True)

    @on(Button.Pressed, "#store")
    def action_store(self) -> None:
        if any(field.has_error for field in self.query(QuestionField)):
            error = self.query_one("#item-error", Static)
            error.update("请先改正标出问题的项，或清空它。")
            error.add_class("-shown")
            return
        self.dismiss(dict(self.item))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
