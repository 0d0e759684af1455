"""One question of the questionnaire: label, help, unit, an editor, a message.

The editor is chosen by the question's type (bool, choice, multi, int, area,
year, wan, price, text, list). The field only turns what the person typed into a
value — it never touches the Profile. It posts ``Answered`` with the value or
``SkipRequested``; the screen stores the value and reports problems back
through ``show_error``.

One key answers a closed question: ``y``/``n`` for 是/否, the option's number
for a choice, the number toggles a multi-select option and ``0`` says 无 for
multi-selects and lists. After an answer by such a key or Enter the field posts
``Advance`` so the screen can move on to the next question.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, RadioButton, RadioSet, Select, SelectionList, Static
from textual.widgets.selection_list import Selection

from advisor.profile import validate_credit_code
from advisor.terminal_text import printable
from advisor.units import parse_money, parse_unit_price
from screens.widgets.list_answer import ListAnswer

FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９－", "0123456789-")
UPPER_LIMIT = {"area": 100_000_000, "int": 1_000_000}
TEXT_TYPES = ("int", "area", "year", "wan", "price", "text")
#: The multi-select option that says "none of these" — saved as an empty list, not as unknown.
NONE_VALUE = "__none__"


class NeedsConfirmation(ValueError):
    """A valid but implausible figure: stored only after the person confirms it."""

    def __init__(self, question: str, value: Any) -> None:
        super().__init__(question)
        self.value = value


class QuestionSpec(Protocol):
    """What a field needs to know: a catalogue Question or a list item's field."""

    id: str
    label: str
    help: str
    type: str
    unit: str
    options: Sequence[Any]


def parse_integer(text: str, *, lowest: int, highest: int, what: str) -> int:
    """An integer typed by a person (full-width digits allowed) within bounds."""
    cleaned = text.strip().replace(",", "").replace("，", "").translate(FULL_WIDTH_DIGITS)
    try:
        number = int(cleaned)
    except ValueError:
        raise ValueError(f"“{text.strip()}”不是整数，请只输入数字") from None
    if number < lowest:
        raise ValueError(f"{what}不能小于 {lowest:,}" if lowest else f"{what}不能为负数")
    if number > highest:
        raise ValueError(f"{what}不能大于 {highest:,}")
    return number


def text_parser(spec: QuestionSpec, key: str, max_year: int) -> Callable[[str], Any]:
    """The function turning an input's text into a value (raises ValueError in Chinese)."""
    if spec.type == "wan":
        return parse_money_answer
    if spec.type == "price":
        return parse_unit_price
    if spec.type == "year":
        return lambda text: parse_integer(text, lowest=1949, highest=max_year, what="年份")
    if spec.type in UPPER_LIMIT:
        what = "面积" if spec.type == "area" else "数量"
        return lambda text: parse_integer(text, lowest=0, highest=UPPER_LIMIT[spec.type], what=what)
    if key.endswith("credit_code"):
        return validate_credit_code
    return lambda text: text.strip()


def parse_money_answer(text: str) -> Any:
    """万元 by default; "60万", "600000元", "1.3亿" as written; an implausible bare figure asks first."""
    money = parse_money(text)
    question = money.magnitude_question()
    if question:
        raise NeedsConfirmation(question, money.wan)
    return money.wan


def value_text(value: Any) -> str:
    """A stored value as it is typed back into an input (control and bidi characters
    from a file shown as escapes, never sent raw to the terminal)."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return printable(str(value))


class YearInput(Input):
    """A year: four digits, or ``t`` for this year (the as-of year) in one key."""

    def __init__(self, *args: Any, this_year: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.this_year = this_year

    async def _on_key(self, event: events.Key) -> None:
        if event.character in ("t", "T"):
            event.stop()
            event.prevent_default()
            self.value = str(self.this_year)
            await self.action_submit()
            return
        await super()._on_key(event)


class QuestionField(Vertical):
    """A labelled editor for one answer, with its help text and a message line."""

    BINDINGS = [
        Binding("y", "key_answer('y')", "是", show=False),
        Binding("n", "key_answer('n')", "否", show=False),
        *[Binding(str(n), f"key_answer('{n}')", show=False) for n in range(10)],
    ]

    @dataclass
    class Advance(Message):
        """The person finished with this question (Enter or a one-key answer)."""

        field: QuestionField
        submitted: bool

        @property
        def control(self) -> QuestionField:
            return self.field

    @dataclass
    class Answered(Message):
        """The person gave a value (None means they cleared it)."""

        field: QuestionField
        value: Any

        @property
        def control(self) -> QuestionField:
            return self.field

    @dataclass
    class SkipRequested(Message):
        """The person chose 不确定 / 跳过: the answer stays unknown."""

        field: QuestionField

        @property
        def control(self) -> QuestionField:
            return self.field

    def __init__(
        self,
        spec: QuestionSpec,
        value: Any,
        *,
        key: str | None = None,
        choices: Sequence[tuple[str, str]] | None = None,
        max_year: int,
        skipped: bool = False,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id, classes="question")
        self.spec = spec
        self.key = key or spec.id
        self.value = value
        self.max_year = max_year
        self.choices = list(choices) if choices is not None else [(o.value, o.label) for o in spec.options]
        self.skipped = skipped
        self._parse = text_parser(spec, self.key, max_year)
        self._showing_error = False
        self._pending: tuple[str, Any] | None = None  # (typed text, value) awaiting confirmation

    # composition

    def compose(self) -> ComposeResult:
        yield Static(self._title(), classes="question-label")
        if self.spec.help:
            yield Static(self.spec.help, markup=False, classes="question-help")
        yield self._editor()
        yield Static("", markup=False, classes="field-note")
        yield Static("", markup=False, classes="field-error")

    def _title(self) -> Content:
        """Label, unit and a 不确定 mark when skipped — literal text, no markup."""
        title = Content(
            self.spec.label + (f"（{self.spec.unit}）" if self.spec.unit and self.spec.type != "list" else "")
        )
        title = title.stylize("bold")
        hint = {"bool": "y 是 · n 否", "choice": "数字键选择", "multi": "数字键勾选 · 0 无", "list": "0 无"}.get(
            self.spec.type
        )
        if (hint and self.spec.type != "list") or (hint and self.spec.item_fields):
            title = title + Content("  " + hint).stylize("dim")
        if self.skipped:
            title = title + Content("  ") + Content("不确定").stylize("$warning")
        return title

    def _editor(self) -> Widget:
        kind = self.spec.type
        if kind == "bool":
            return RadioSet(
                RadioButton(Content("是"), value=self.value is True),
                RadioButton(Content("否"), value=self.value is False),
                RadioButton(Content("不确定"), value=self.value is None and self.skipped),
                classes="editor bool-editor",
            )
        if kind == "choice":
            return Select(
                self._select_options(self.choices),
                value=self.value if self.value in dict(self.choices) else Select.NULL,
                prompt="请选择",
                allow_blank=True,
                compact=True,
                classes="editor",
            )
        if kind == "multi":
            chosen = set(self.value or [])
            return SelectionList(
                *[
                    Selection(Content(f"{n}. {label}"), value, value in chosen)
                    for n, (value, label) in enumerate(self.choices, 1)
                ],
                Selection(Content("0. 无（以上都没有）"), NONE_VALUE, self.value == []),
                classes="editor multi-editor",
            )
        if kind == "list":
            return ListAnswer(self.spec, self.value, max_year=self.max_year, classes="editor")
        if kind == "year":
            return YearInput(
                value_text(self.value),
                placeholder=f"四位年份，如 {self.max_year - 1}；按 t 填今年（{self.max_year}）",
                compact=True,
                classes="editor",
                select_on_focus=False,
                this_year=self.max_year,
            )
        placeholder = {
            "wan": "金额，默认万元，也可写 60万、600000元、1.3亿",
            "price": "每平方米每月的租金（元），如 80",
            "area": "面积，单位平方米",
            "int": "整数",
        }.get(kind, "请输入")
        return Input(
            value_text(self.value), placeholder=placeholder, compact=True, classes="editor", select_on_focus=False
        )

    # what the screen calls

    @staticmethod
    def _select_options(choices: Sequence[tuple[str, str]]) -> list[tuple[Text, str]]:
        numbered = len(choices) <= 9
        return [(Text(f"{n}. {label}" if numbered else label), value) for n, (value, label) in enumerate(choices, 1)]

    @property
    def editor(self) -> Widget:
        return self.query_one(".editor", Widget)

    def focus_editor(self) -> None:
        """Focus what answers this question (for a list: its items, or 添加 while empty)."""
        editor = self.editor
        if isinstance(editor, ListAnswer):
            editor.focus_first()
        else:
            editor.focus()

    def show_note(self, text: str) -> None:
        """A line under the editor, e.g. how a rent was converted (empty hides it)."""
        note = self.query_one(".field-note", Static)
        note.update(printable(text))
        note.set_class(bool(text), "-shown")

    def show_error(self, message: str) -> None:
        """Show a Chinese problem at the field; the stored answer is unchanged."""
        self._showing_error = True
        error = self.query_one(".field-error", Static)
        error.update(printable(message))
        error.add_class("-shown")
        self.add_class("-invalid")

    def clear_error(self) -> None:
        if self._showing_error:
            self._showing_error = False
            error = self.query_one(".field-error", Static)
            error.update("")
            error.remove_class("-shown")
            self.remove_class("-invalid")

    @property
    def has_error(self) -> bool:
        return self._showing_error

    @property
    def awaiting_confirmation(self) -> bool:
        """A figure is waiting for "是否把元填成了万元？" to be answered."""
        return self._pending is not None

    def set_skipped(self, skipped: bool) -> None:
        self.skipped = skipped
        self.query_one(".question-label", Static).update(self._title())

    def set_choices(self, choices: Sequence[tuple[str, str]]) -> None:
        """Replace a choice question's options (districts follow the city)."""
        choices = list(choices)
        if choices == self.choices or self.spec.type != "choice":
            return
        self.choices = choices
        select = self.query_one(Select)
        with select.prevent(Select.Changed):
            select.set_options(self._select_options(choices))
            if self.value in dict(choices):
                select.value = self.value

    def show_value(self, value: Any) -> None:
        """Put a stored value back into the editor (after a refused change or a skip)."""
        self.value = value
        editor = self.editor
        if isinstance(editor, Input):
            with editor.prevent(Input.Changed):
                editor.value = value_text(value)
        elif isinstance(editor, Select):
            with editor.prevent(Select.Changed):
                editor.value = value if value in dict(self.choices) else Select.NULL
        elif isinstance(editor, SelectionList):
            with editor.prevent(SelectionList.SelectedChanged):
                editor.deselect_all()
                for chosen in value or []:
                    editor.select(chosen)
                if value == []:
                    editor.select(NONE_VALUE)
        elif isinstance(editor, RadioSet):
            buttons = list(editor.query(RadioButton))
            index = 0 if value is True else 1 if value is False else 2 if self.skipped else None
            with editor.prevent(RadioSet.Changed, RadioButton.Changed):
                for position, button in enumerate(buttons):
                    button.value = position == index
        elif isinstance(editor, ListAnswer):
            editor.show_value(value)

    # turning edits into answers

    def _answer(self, value: Any) -> None:
        self.value = value
        self.post_message(self.Answered(self, value))

    def _problem(self, text: str, exc: ValueError) -> str:
        """The message next to a refused text, naming what was typed so nothing seems lost."""
        message = str(exc)
        typed = text.strip()
        return message if typed in message else f"“{typed}”：{message}"

    @on(Input.Changed)
    def answer_while_typing(self, event: Input.Changed) -> None:
        """Valid text is stored at once; a problem is only shown on enter or leaving.

        A figure that needs confirmation (a bare 万元 amount of 10亿元 or more) leaves
        the answer unknown until Enter confirms it, so a half-checked figure is never kept.
        """
        event.stop()
        text = event.value
        self._pending = None
        if not text.strip():
            self.clear_error()
            self._answer(None)
            return
        try:
            value = self._parse(text)
        except NeedsConfirmation as question:
            self._pending = (text, question.value)
            self.show_error(f"{question}（确认前此项未保存）")
            if self.value is not None:
                self._answer(None)
            return
        except ValueError as exc:
            if self._showing_error:
                self.show_error(f"{self._problem(text, exc)}（此项未保存）")
            return
        self.clear_error()
        self._answer(value)

    @on(Input.Submitted)
    @on(Input.Blurred)
    def check_typed_text(self, event: Input.Submitted | Input.Blurred) -> None:
        event.stop()
        text = event.value
        submitted = isinstance(event, Input.Submitted)
        if not text.strip():
            if submitted:
                self.post_message(self.Advance(self, True))
            return
        if self._pending is not None and self._pending[0] == text:
            if submitted:  # Enter on the question "是否把元填成了万元？" confirms the figure
                value = self._pending[1]
                self._pending = None
                self.clear_error()
                self._answer(value)
                self.post_message(self.Advance(self, True))
            return
        try:
            self._parse(text)
        except NeedsConfirmation:
            return
        except ValueError as exc:
            self.show_error(f"{self._problem(text, exc)}（此项未保存）")
            return
        if submitted and not self._showing_error:
            self.post_message(self.Advance(self, True))

    def action_key_answer(self, key: str) -> None:
        """One key answers a closed question, then the screen moves on."""
        editor = self.editor
        kind = self.spec.type
        if kind == "bool" and key in ("y", "n", "1", "2"):
            self.show_value(key in ("y", "1"))
            self._answer(key in ("y", "1"))
        elif kind == "choice" and key.isdigit() and 1 <= int(key) <= min(len(self.choices), 9):
            value = self.choices[int(key) - 1][0]
            self.show_value(value)
            self._answer(value)
        elif kind == "multi" and isinstance(editor, SelectionList) and key.isdigit():
            number = int(key)
            if number == 0:
                self.show_value([])
                self._answer([])
            elif number <= len(self.choices):
                editor.toggle(self.choices[number - 1][0])  # answered through SelectedChanged
                return
            else:
                return
        elif kind == "list" and isinstance(editor, ListAnswer) and key == "0":
            if not editor.say_none():
                return
        else:
            return
        self.post_message(self.Advance(self, False))

    @on(RadioSet.Changed)
    def answer_yes_no(self, event: RadioSet.Changed) -> None:
        event.stop()
        if event.index == 2:
            self.post_message(self.SkipRequested(self))
        else:
            self._answer(event.index == 0)

    @on(Select.Changed)
    def answer_choice(self, event: Select.Changed) -> None:
        event.stop()
        self._answer(None if event.value is Select.NULL else event.value)

    @on(SelectionList.SelectedChanged)
    def answer_several(self, event: SelectionList.SelectedChanged) -> None:
        """Options chosen, 无 (an empty list), or nothing ticked (unknown)."""
        event.stop()
        selection = event.selection_list
        chosen = set(selection.selected)
        real = [value for value, _ in self.choices if value in chosen]
        if NONE_VALUE in chosen and real:
            # 无 and an option exclude each other: the one just ticked wins
            newest_is_none = self.value != []
            with selection.prevent(SelectionList.SelectedChanged):
                if newest_is_none:
                    for value in real:
                        selection.deselect(value)
                else:
                    selection.deselect(NONE_VALUE)
            self._answer([] if newest_is_none else real)
            return
        self._answer([] if NONE_VALUE in chosen else real or None)

    @on(ListAnswer.Done)
    def list_done(self, event: ListAnswer.Done) -> None:
        event.stop()
        self.post_message(self.Advance(self, False))

    @on(ListAnswer.Changed)
    def answer_items(self, event: ListAnswer.Changed) -> None:
        event.stop()
        self._answer(event.value)
