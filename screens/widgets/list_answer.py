"""An answer made of repeating items: funded projects, events, revenue by year.

Items are shown one per line; 添加 / 修改 / 删除 open the item dialog, 无 says
there are none (an empty list, which decides conditions — unlike an unanswered
list, which stays unknown). The widget posts ``Changed`` with the whole new
value; the screen stores it.
A list question without item fields (``scale.revenue_wan``) is a year →
amount table: the last two complete years are typed inline (8000, 1.3亿 — Enter
moves on), other years are rows of 年度 and 营业收入.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Input, OptionList, Static
from textual.widgets.option_list import Option

from advisor.display import format_answer
from advisor.rule_model import ListField
from advisor.terminal_text import printable
from advisor.units import parse_money

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
        table = {
            row[YEAR_ROW]: row[AMOUNT_ROW]
            for row in rows
            if row.get(YEAR_ROW) is not None and row.get(AMOUNT_ROW) is not None
        }
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

    class Done(Message):
        """Enter on the last inline amount: the person is finished with this question."""

    def __init__(self, spec: Any, value: Any, *, max_year: int, classes: str | None = None) -> None:
        super().__init__(classes=classes)
        self.spec = spec
        self.max_year = max_year
        self.inline_years = (max_year - 2, max_year - 1) if is_table(spec) else ()
        self.inline: dict[int, Decimal] = {}
        self._confirming: dict[int, str] = {}
        self.rows = []
        self.show_rows(value)
        self.answered = value is not None

    def show_rows(self, value: Any) -> None:
        """Split the value into the inline years and the other rows."""
        rows = rows_of(self.spec, value)
        self.inline = {r[YEAR_ROW]: r[AMOUNT_ROW] for r in rows if r.get(YEAR_ROW) in self.inline_years}
        self.rows = [r for r in rows if r.get(YEAR_ROW) not in self.inline_years] if self.inline_years else rows

    def compose(self) -> ComposeResult:
        for year in self.inline_years:
            with Horizontal(classes="inline-amount"):
                yield Static(f"{year}年", markup=False, classes="inline-year")
                amount = self.inline.get(year)
                yield Input(
                    f"{amount.normalize():f}" if amount is not None else "",
                    placeholder="万元，也可写 1.3亿",
                    compact=True,
                    id=f"year-{year}",
                    classes="inline-input",
                    select_on_focus=False,
                )
        yield OptionList(*self._options(), markup=False, classes="list-items")
        with Horizontal(classes="list-buttons"):
            yield Button("添加", id="add-item", compact=True)
            if not is_table(self.spec):
                yield Button("无 (0)", id="none-item", compact=True)
            yield Button("修改", id="edit-item", compact=True)
            yield Button("删除", id="remove-item", compact=True)

    def _all_rows(self) -> list[dict[str, Any]]:
        inline = [{YEAR_ROW: y, AMOUNT_ROW: a} for y, a in self.inline.items()]
        return inline + self.rows

    def _field_message(self, text: str | None) -> None:
        field = self.parent
        if text is None:
            getattr(field, "clear_error", lambda: None)()
        elif hasattr(field, "show_error"):
            field.show_error(text)

    @on(Input.Changed, ".inline-input")
    def inline_typed(self, event: Input.Changed) -> None:
        """An inline year's amount: stored while valid; a figure of 10亿元+ without a unit waits for Enter."""
        event.stop()
        year = int((event.input.id or "").removeprefix("year-"))
        text = event.value.strip()
        self._confirming.pop(year, None)
        if not text:
            self.inline.pop(year, None)
            self._field_message(None)
            self._changed()
            return
        try:
            money = parse_money(text)
        except ValueError as exc:
            self._field_message(f"{year}年：{exc}（此项未保存）")
            return
        question = money.magnitude_question()
        if question:
            self._confirming[year] = text
            self.inline.pop(year, None)
            self._field_message(f"{year}年：{question}（确认前此项未保存）")
            self._changed()
            return
        self._field_message(None)
        self.inline[year] = money.wan
        self._changed()

    @on(Input.Submitted, ".inline-input")
    def inline_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        year = int((event.input.id or "").removeprefix("year-"))
        if self._confirming.get(year) == event.value.strip():
            self.inline[year] = parse_money(event.value).wan
            del self._confirming[year]
            self._field_message(None)
            self._changed()
        elif year in self._confirming or (event.value.strip() and year not in self.inline):
            return  # a question or a problem is showing at the field
        later = [y for y in self.inline_years if y > year]
        if later:
            self.query_one(f"#year-{later[0]}", Input).focus()
        else:
            self.post_message(self.Done())

    def _options(self) -> list[Option]:
        if self.inline_years and not self.rows:
            return [Option("（其他年度：按“添加”录入）", disabled=True)]
        if not self.rows and self.answered and not is_table(self.spec):
            return [Option("无（已确认没有）", disabled=True)]
        if not self.rows:
            hint = "按“添加”录入" if is_table(self.spec) else "按“添加”录入，没有请按 0 或“无”"
            return [Option(f"（尚未回答：{hint}）", disabled=True)]
        # user text (project and event names): one sanitising step, shown literally (no markup)
        return [Option(Text(printable(f"{n}. {summary(self.spec, row)}"))) for n, row in enumerate(self.rows, 1)]

    def show_value(self, value: Any) -> None:
        self.show_rows(value)
        self.answered = value is not None
        for year in self.inline_years:
            amount = self.inline.get(year)
            box = self.query_one(f"#year-{year}", Input)
            with box.prevent(Input.Changed):
                box.value = f"{amount.normalize():f}" if amount is not None else ""
        self._refresh_items()

    def focus_first(self) -> None:
        """Entering the question: the first inline year, the items if there are any, else 添加."""
        if self.inline_years:
            self.query_one(f"#year-{self.inline_years[0]}", Input).focus()
        elif self.rows:
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

    def on_mount(self) -> None:
        self.query_one(OptionList).can_focus = bool(self.rows)

    def _refresh_items(self) -> None:
        items = self.query_one(OptionList)
        highlighted = items.highlighted
        items.clear_options()
        items.add_options(self._options())
        items.can_focus = bool(self.rows)  # nothing to pick: Tab goes straight to 添加
        if self.rows:
            items.highlighted = min(highlighted or 0, len(self.rows) - 1)

    def _changed(self) -> None:
        self.answered = True
        self._refresh_items()
        self.post_message(self.Changed(self, value_of(self.spec, self._all_rows())))

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
            if self.inline_years:  # a row for an inline year belongs in its box
                self.show_value(value_of(self.spec, self._all_rows()))
            self._changed()

        title = f"{'修改' if index is not None else '添加'}：{self.spec.label}"
        current = dict(self.rows[index]) if index is not None else {}
        self.app.push_screen(ItemDialog(title, item_fields(self.spec), current, max_year=self.max_year), store)
