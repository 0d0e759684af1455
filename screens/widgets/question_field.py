"""One question of the questionnaire: label, help, unit, an editor, a message.

The editor is chosen by the question's type (bool, choice, multi, int, area,
year, wan, text, list). The field only turns what the person typed into a
value — it never touches the Profile. It posts ``Answered`` with the value or
``SkipRequested``; the screen stores the value and reports problems back
through ``show_error``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Callable, Protocol, Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, RadioButton, RadioSet, Select, SelectionList, Static
from textual.widgets.selection_list import Selection

from advisor.terminal_text import printable
from advisor.money import parse_wan
from advisor.profile import validate_credit_code
from screens.widgets.list_answer import ListAnswer

FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９－", "0123456789-")
UPPER_LIMIT = {"area": 100_000_000, "int": 1_000_000}
TEXT_TYPES = ("int", "area", "year", "wan", "text")


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
        return parse_wan
    if spec.type == "year":
        return lambda text: parse_integer(text, lowest=1949, highest=max_year, what="年份")
    if spec.type in UPPER_LIMIT:
        what = "面积" if spec.type == "area" else "数量"
        return lambda text: parse_integer(text, lowest=0, highest=UPPER_LIMIT[spec.type], what=what)
    if key.endswith("credit_code"):
        return validate_credit_code
    return lambda text: text.strip()


def value_text(value: Any) -> str:
    """A stored value as it is typed back into an input (control and bidi characters
    from a file shown as escapes, never sent raw to the terminal)."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return printable(str(value))


class QuestionField(Vertical):
    """A labelled editor for one answer, with its help text and a message line."""

    class Answered(Message):
        """The person gave a value (None means they cleared it)."""

        def __init__(self, field: QuestionField, value: Any) -> None:
            super().__init__()
            self.field = field
            self.value = value

        @property
        def control(self) -> QuestionField:
            return self.field

    class SkipRequested(Message):
        """The person chose 不确定 / 跳过: the answer stays unknown."""

        def __init__(self, field: QuestionField) -> None:
            super().__init__()
            self.field = field

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

    # composition

    def compose(self) -> ComposeResult:
        yield Static(self._title(), classes="question-label")
        if self.spec.help:
            yield Static(self.spec.help, markup=False, classes="question-help")
        yield self._editor()
        yield Static("", markup=False, classes="field-error")

    def _title(self) -> Content:
        """Label, unit and a 不确定 mark when skipped — literal text, no markup."""
        title = Content(self.spec.label + (f"（{self.spec.unit}）" if self.spec.unit and self.spec.type != "list" else ""))
        title = title.stylize("bold")
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
                [(Text(label), value) for value, label in self.choices],
                value=self.value if self.value in dict(self.choices) else Select.NULL,
                prompt="请选择", allow_blank=True, compact=True, classes="editor",
            )
        if kind == "multi":
            chosen = set(self.value or [])
            return SelectionList(
                *[Selection(Content(label), value, value in chosen) for value, label in self.choices],
                classes="editor multi-editor",
            )
        if kind == "list":
            return ListAnswer(self.spec, self.value, max_year=self.max_year, classes="editor")
        placeholder = {"wan": "金额，单位万元，如 12.5", "year": f"四位年份，如 {self.max_year - 1}",
                       "area": "面积，单位平方米", "int": "整数"}.get(kind, "请输入")
        return Input(value_text(self.value), placeholder=placeholder, compact=True, classes="editor", select_on_focus=False)

    # what the screen calls

    @property
    def editor(self) -> Widget:
        return self.query_one(".editor", Widget)

    def show_error(self, message: str) -> None:
        """Show a Chinese problem at the field; the stored answer is unchanged."""
        self._showing_error = True
        error = self.query_one(".field-error", Static)
        error.update(message)
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
            select.set_options([(Text(label), value) for value, label in choices])
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

    @on(Input.Changed)
    def answer_while_typing(self, event: Input.Changed) -> None:
        """Valid text is stored at once; a problem is only shown on enter or leaving."""
        event.stop()
        text = event.value
        if not text.strip():
            self.clear_error()
            self._answer(None)
            return
        try:
            value = self._parse(text)
        except ValueError as exc:
            if self._showing_error:
                self.show_error(f"{exc}（此项未保存）")
            return
        self.clear_error()
        self._answer(value)

    @on(Input.Submitted)
    @on(Input.Blurred)
    def check_typed_text(self, event: Input.Submitted | Input.Blurred) -> None:
        event.stop()
        text = event.value
        if not text.strip():
            return
        try:
            self._parse(text)
        except ValueError as exc:
            self.show_error(f"{exc}（此项未保存）")

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
        event.stop()
        chosen = set(event.selection_list.selected)
        self._answer([value for value, _ in self.choices if value in chosen])

    @on(ListAnswer.Changed)
    def answer_items(self, event: ListAnswer.Changed) -> None:
        event.stop()
        self._answer(event.value)
