"""The questionnaire: generated from the question catalogue, never hand-built.

Left, the catalogue's sections with answered/relevant counts; middle, the
current section's questions that still matter for this company (recomputed
by the engine after every answer, so an earlier answer re-decides what is
asked later); right, the live estimate. Every answer is stored in the
Profile at once and autosaved by the app.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import ContentSwitcher, Footer, Header, OptionList, Static

from advisor.profile import DISTRICTS_BY_CITY
from advisor.profile_io import describe_profile_errors
from screens.widgets.live_panel import LivePanel
from screens.widgets.question_field import QuestionField
from screens.widgets.section_list import SectionList

ALL_DISTRICTS = tuple(d for districts in DISTRICTS_BY_CITY.values() for d in districts)


def field_id(question_id: str) -> str:
    """A DOM id for a question (dots are not allowed in ids)."""
    return "q-" + question_id.replace(".", "-")


def city_of(question_id: str) -> str | None:
    """The city question a ``*_district`` question depends on."""
    return question_id.removesuffix("_district") + "_city" if question_id.endswith("_district") else None


def district_choices(city: Any) -> list[tuple[str, str]]:
    """Districts of the known city, or every district while the city is unknown."""
    return [(d, d) for d in DISTRICTS_BY_CITY.get(city or "", ALL_DISTRICTS)]


def validation_message(exc: ValidationError) -> str:
    """A short Chinese message for a refused answer."""
    error = exc.errors()[0]
    ctx = error.get("ctx") or {}
    kind = error["type"]
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    if kind in ("less_than_equal", "less_than"):
        return f"不能大于 {ctx.get('le', ctx.get('lt'))}"
    if kind in ("greater_than_equal", "greater_than"):
        return f"不能小于 {ctx.get('ge', ctx.get('gt'))}"
    if kind == "string_too_long":
        return f"太长了（上限 {ctx.get('max_length')} 字）"
    return describe_profile_errors(exc)


class QuestionnaireScreen(Screen[None]):
    """Ask only what matters for this company, section by section."""

    BINDINGS = [
        Binding("pagedown", "next_section", "下一组", priority=True),
        Binding("pageup", "previous_section", "上一组", priority=True),
        Binding("right_square_bracket", "next_section", "下一组", show=False),
        Binding("left_square_bracket", "previous_section", "上一组", show=False),
        Binding("f2", "skip_question", "不确定/跳过"),
        Binding("r,f5", "app.show_results", "查看结果"),
        Binding("escape", "close_consultation", "结束咨询"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, QuestionField] = {}
        self.relevant: list[str] = []
        self.built: set[str] = set()

    @property
    def catalogue(self):
        return self.app.engine.catalogue

    # layout

    def compose(self) -> ComposeResult:
        sections = self.catalogue.sections
        yield Header()
        with Horizontal(id="questionnaire"):
            yield SectionList([(s.id, s.title) for s in sections], id="sections")
            with ContentSwitcher(initial=f"page-{sections[0].id}", id="pages"):
                for section in sections:
                    with VerticalScroll(id=f"page-{section.id}", classes="page"):
                        yield Static(section.title, markup=False, classes="page-title")
                        if section.help:
                            yield Static(section.help, markup=False, classes="page-help")
                        if section is sections[0]:  # the first page is ready at once
                            yield from self._new_fields(section.id)
                        yield Static("本组暂时没有需要回答的问题，按 PageDown 或 ] 进入下一组。", markup=False,
                                     classes="page-empty")
            yield LivePanel(id="live")
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_questions()
        self.focus_first_question()

    def on_screen_resume(self) -> None:
        self.refresh_questions()

    def _new_fields(self, section_id: str) -> list[QuestionField]:
        """Fields for a section's questions, showing the stored answers."""
        self.built.add(section_id)
        profile = self.app.profile
        if not self.relevant:
            self.relevant = self.app.engine.relevant_questions(profile, self.app.as_of)
        skipped = set(profile.consultation.skipped)
        wanted = set(self.relevant)
        fields = []
        for question in self.catalogue.questions.values():
            if question.section != section_id:
                continue
            city = city_of(question.id)
            field = QuestionField(
                question, profile.get(question.id), max_year=self.app.as_of.year,
                choices=district_choices(profile.get(city)) if city else None,
                skipped=question.id in skipped, id=field_id(question.id),
            )
            field.display = question.id in wanted
            self.fields[question.id] = field
            fields.append(field)
        return fields

    async def _build_page(self, section_id: str) -> None:
        """Mount a section's question fields the first time it is shown (keeps start-up fast)."""
        if section_id in self.built:
            return
        fields = self._new_fields(section_id)
        page = self.query_one(f"#page-{section_id}")
        if fields:
            await page.mount_all(fields, before=page.query_one(".page-empty"))

    # what is asked

    def refresh_questions(self) -> None:
        """Show the questions that still matter and update counts and the live panel."""
        app = self.app
        profile = app.profile
        self.relevant = app.engine.relevant_questions(profile, app.as_of)
        wanted = set(self.relevant)
        skipped = set(profile.consultation.skipped)
        for question_id, field in self.fields.items():
            field.display = question_id in wanted
            city = city_of(question_id)
            if city:
                field.set_choices(district_choices(profile.get(city)))
        counts: dict[str, tuple[int, int]] = {}
        for question_id in self.relevant:
            section = self.catalogue.questions[question_id].section
            answered, asked = counts.get(section, (0, 0))
            done = profile.get(question_id) is not None or question_id in skipped
            counts[section] = (answered + done, asked + 1)
        for page in self.query(".page"):
            page.query_one(".page-empty").display = counts.get(page.id.removeprefix("page-"), (0, 0))[1] == 0
        self.query_one(SectionList).show_counts(counts)
        totals = app.engine.match(profile, app.as_of).totals
        self.query_one(LivePanel).show(totals, sum(a for a, _ in counts.values()), len(self.relevant))

    # answers

    @on(QuestionField.Answered)
    def store_answer(self, event: QuestionField.Answered) -> None:
        field = event.field
        try:
            self._store(field.key, event.value)
        except ValidationError as exc:
            field.show_error(f"{validation_message(exc)}（此项未保存）")
            return
        field.clear_error()
        skipped = self.app.profile.consultation.skipped
        if field.key in skipped and event.value is not None:
            self.app.profile.consultation.skipped = [s for s in skipped if s != field.key]
            field.set_skipped(False)
        self._answers_changed()

    def _store(self, path: str, value: Any) -> None:
        """Set an answer; a new city clears a district that is not in it."""
        profile = self.app.profile
        if path.endswith("_city"):
            district_path = path.removesuffix("_city") + "_district"
            district = profile.get(district_path)
            allowed = DISTRICTS_BY_CITY.get(value or "")
            if district is not None and allowed is not None and district not in allowed:
                profile.set(district_path, None)
                if district_path in self.fields:
                    self.fields[district_path].show_value(None)
                    self.fields[district_path].show_error(f"原来的“{district}”不属于{value}，请重新选择")
        profile.set(path, value)

    @on(QuestionField.SkipRequested)
    def skip_from_field(self, event: QuestionField.SkipRequested) -> None:
        self.skip(event.field)

    def skip(self, field: QuestionField) -> None:
        """Keep the answer unknown and remember that it was skipped."""
        profile = self.app.profile
        profile.set(field.key, None)
        if field.key not in profile.consultation.skipped:
            profile.consultation.skipped = [*profile.consultation.skipped, field.key]
        field.set_skipped(True)
        field.clear_error()
        field.show_value(None)
        self._answers_changed()

    def _answers_changed(self) -> None:
        self.refresh_questions()
        self.app.answers_changed()

    def action_skip_question(self) -> None:
        field = self._focused_field()
        if field is None:
            self.notify("请先把光标移到要跳过的问题上", severity="warning")
        else:
            self.skip(field)

    def _focused_field(self) -> QuestionField | None:
        node: Widget | None = self.focused
        while node is not None and not isinstance(node, QuestionField):
            node = node.parent if isinstance(node.parent, Widget) else None
        return node

    # sections

    @property
    def section_ids(self) -> list[str]:
        return [s.id for s in self.catalogue.sections]

    @property
    def current_section(self) -> str:
        return (self.query_one(ContentSwitcher).current or "").removeprefix("page-")

    async def show_section(self, section_id: str, *, focus: bool = False) -> None:
        await self._build_page(section_id)
        self.query_one(ContentSwitcher).current = f"page-{section_id}"
        sections = self.query_one(SectionList)
        sections.show_counts(sections.counts, section_id)
        index = self.section_ids.index(section_id)
        if sections.highlighted != index:
            sections.highlighted = index
        if focus:
            self.focus_first_question()

    def focus_first_question(self) -> None:
        page = self.query_one(f"#page-{self.current_section}")
        for field in page.query(QuestionField):
            if field.display:
                field.editor.focus()
                return
        self.query_one(SectionList).focus()

    async def _step_section(self, step: int) -> None:
        asked = {self.catalogue.questions[q].section for q in self.relevant}
        ids = self.section_ids
        index = ids.index(self.current_section) + step
        while 0 <= index < len(ids) and ids[index] not in asked:
            index += step
        if 0 <= index < len(ids):
            await self.show_section(ids[index], focus=True)
        elif step > 0:
            self.notify("已是最后一组。按 r 查看结果。")
        else:
            self.notify("已是第一组。")

    async def action_next_section(self) -> None:
        await self._step_section(1)

    async def action_previous_section(self) -> None:
        await self._step_section(-1)

    @on(OptionList.OptionHighlighted, "#sections")
    async def show_highlighted_section(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id and event.option.id != self.current_section:
            await self.show_section(event.option.id)

    @on(OptionList.OptionSelected, "#sections")
    async def enter_section(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            await self.show_section(event.option.id, focus=True)

    def action_close_consultation(self) -> None:
        self.app.close_consultation()
