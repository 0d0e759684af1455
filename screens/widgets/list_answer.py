"""An answer made of repeating items: funded projects, events, revenue by year.

Items are shown one per line; 添加 / 修改 / 删除 open the item dialog, 无 says
there are none (an empty list, which decides conditions — unlike an unanswered
list, which stays unknown). The widget posts ``Changed`` with the whole new
value; the screen stores it.
A list question without item fields (``scale.revenue_wan``) is a year →
amount table, edited as rows of 年度 and 营业收入.
"""

from __future__ import annotations

from typing import Any, Sequence

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, OptionList
from textual.widgets.option_list import Option

from advisor.engine import format_answer
from advisor.rule_model import ListField

YEAR_ROW = "year"
AMOUNT_ROW = "amount"

#: The revenue table's two columns, as item fields of the rule model.
REVENUE_FIELDS = (
    ListField(id=YEAR_ROW, label="年度", type="year", help="营业收入所属的年度。"),
    ListField(id=AMOUNT_ROW, label="营业收入", type="wan", unit="万元", help="该年度的营业收入。"),
)


def item_fields(spec: Any) -> Sequence[Any]:
    return spec.item_fields or REVENUE_FIELDS


def is_table(spec: Any) -> bool:
    """True for a year → amount table stored as a dict."""
    return not spec.item_fields


def rows_of(spec: Any, value: Any) -> list[dict[str, Any]]:
    """The stored value as editable rows."""
    if value is None:
        return []
    if is_table(spec):
        return [{YEAR_ROW: year, AMOUNT_ROW: amount} for year, amount in sorted(value.items())]
    return [item.model_dump() if hasattr(item, "model_dump") else dict(item) for item in value]


def value_of(spec: Any, rows: list[dict[str, Any]]) -> Any:
    """Rows as the value to store: a list of items, or a year → amount dict (None if empty)."""
    if is_table(spec):
        table = {row[YEAR_ROW]: row[AMOUNT_ROW] for row in rows if row.get(YEAR_ROW) is not None and row.get(AMOUNT_ROW) is not None}
        return dict(sorted(table.items())) or None
    return [dict(row) for row in rows]


def show_field(field_spec: Any, value: Any) -> str:
    if value is None:
        return "未填"
    return format_answer(field_spec.type, {o.value: o.label for o in field_spec.options}, field_spec.unit, value)


def summary(spec: Any, row: dict[str, Any]) -> str:
    """One line describing an item, in field order."""
    return " · ".join(show_field(f, row.get(f.id)) for f in item_fields(spec))


class ListAnswer(Vertical):
    """Items of one list answer with add / edit / remove buttons."""

    class Changed(Message):
        """The items changed; ``value`` is ready to store."""

        def __init__(self, list_answer: ListAnswer, value: Any) -> None:
            super().__init__()
            self.list_answer = list_answer
            self.value = value

        @property
        def control(self) -> ListAnswer:
            return self.list_answer

    def __init__(self, spec: Any, value: Any, *, max_year: int, classes: str | None = None) -> None:
        super().__init__(classes=classes)
        self.spec = spec
        self.rows = rows_of(spec, value)
        self.answered = value is not None
        self.max_year = max_year

    def compose(self) -> ComposeResult:
        yield OptionList(*self._options(), markup=False, classes="list-items")
        with Horizontal(classes="list-buttons"):
            yield Button("添加", id="add-item", compact=True)
            if not is_table(self.spec):
                yield Button("无 (0)", id="none-item", compact=True)
            yield Button("修改", id="edit-item", compact=True)
            yield Button("删除", id="remove-item", compact=True)

    def _options(self) -> list[Option]:
        if not self.rows and self.answered and not is_table(self.spec):
            return [Option("无（已确认没有）", disabled=True)]
        if not self.rows:
            hint = "按“添加”录入" if is_table(self.spec) else "按“添加”录入，没有请按 0 或“无”"
            return [Option(f"（尚未回答：{hint}）", disabled=True)]
        return [Option(f"{n}. {summary(self.spec, row)}") for n, row in enumerate(self.rows, 1)]

    def show_value(self, value: Any) -> None:
        self.rows = rows_of(self.spec, value)
        self.answered = value is not None
        self._refresh_items()

    def focus_first(self) -> None:
        """Entering the question: the items if there are any, else 添加."""
        if self.rows:
            self.query_one(OptionList).focus()
        else:
            self.query_one("#add-item", Button).focus()

    def say_none(self) -> bool:
        """Answer 无 (an empty list). Refused while items exist: they are removed one by one."""
        if is_table(self.spec):
            return False
        if self.rows:
            self.notify("已有条目；如果实际没有，请先逐条删除", severity="warning")
            return False
        self.answered = True
        self._changed()
        return True

    @on(Button.Pressed, "#none-item")
    def none_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.say_none()

    def _refresh_items(self) -> None:
        items = self.query_one(OptionList)
        highlighted = items.highlighted
        items.clear_options()
        items.add_options(self._options())
        if self.rows:
            items.highlighted = min(highlighted or 0, len(self.rows) - 1)

    def _changed(self) -> None:
        self.answered = True
        self._refresh_items()
        self.post_message(self.Changed(self, value_of(self.spec, self.rows)))

    def _selected_index(self) -> int | None:
        index = self.query_one(OptionList).highlighted
        return index if self.rows and index is not None and index < len(self.rows) else None

    @on(Button.Pressed, "#add-item")
    def add_item(self, event: Button.Pressed) -> None:
        event.stop()
        self._edit(None)

    @on(Button.Pressed, "#edit-item")
    @on(OptionList.OptionSelected)
    def edit_item(self, event: Message) -> None:
        event.stop()
        index = self._selected_index()
        if index is None:
            self.notify("请先在列表中选中一个条目", severity="warning")
            return
        self._edit(index)

    @on(Button.Pressed, "#remove-item")
    def remove_item(self, event: Button.Pressed) -> None:
        event.stop()
        index = self._selected_index()
        if index is None:
            self.notify("请先在列表中选中一个条目", severity="warning")
            return
        del self.rows[index]
        self._changed()

    def _edit(self, index: int | None) -> None:
        from screens.item_dialog import ItemDialog

        def store(row: dict[str, Any] | None) -> None:
            if row is None:
                return
            if is_table(self.spec) and (row.get(YEAR_ROW) is None or row.get(AMOUNT_ROW) is None):
                self.notify("年度和营业收入都要填写，这一行未保存", severity="warning")
                return
            if index is None:
                self.rows.append(row)
            else:
                self.rows[index] = row
            self._changed()

        title = f"{'修改' if index is not None else '添加'}：{self.spec.label}"
        current = dict(self.rows[index]) if index is not None else {}
        self.app.push_screen(ItemDialog(title, item_fields(self.spec), current, max_year=self.max_year), store)
