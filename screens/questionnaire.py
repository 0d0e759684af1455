"""The questionnaire: generated from the question catalogue, never hand-built.

Left, the catalogue's sections with answered/relevant counts; middle, the
current section's questions that still matter for this company (recomputed
by the engine after every answer, so an earlier answer re-decides what is
asked later); right, the live estimate. Every answer is stored in the
Profile at once and autosaved by the app.

Keys: entering a section focuses its first question; Enter or a one-key
answer moves to the next unanswered question; F3 copies the registered
place to the tax and statistics place (同注册地); a valid 统一社会信用代码
offers the city (and district, where the code names one) as a suggestion.
"""

from __future__ import annotations

from decimal import Decimal
from functools import partial
from typing import Any

from pydantic import ValidationError
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import ContentSwitcher, Footer, Header, OptionList, Static

from advisor.error_text import answer_error_text
from advisor.profile import DISTRICTS_BY_CITY
from advisor.terminal_text import printable
from advisor.units import region_from_credit_code, rent_conversion_text
from screens.dialogs import ConfirmDialog
from screens.item_dialog import ItemDialog
from screens.messages import AnswersChanged, CloseConsultationRequested, SectionEntered
from screens.widgets.list_answer import ListAnswer
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


class QuestionnaireScreen(Screen[None]):
    """Ask only what matters for this company, section by section."""

    BINDINGS = [
        Binding("pagedown", "next_section", "下一组", priority=True),
        Binding("pageup", "previous_section", "上一组", priority=True),
        Binding("right_square_bracket", "next_section", "下一组", show=False),
        Binding("left_square_bracket", "previous_section", "上一组", show=False),
        Binding("f2", "skip_question", "不确定/跳过"),
        Binding("f3", "same_as_registered", "同注册地"),
        Binding("r,f5", "app.show_results", "查看结果"),
        Binding("escape", "close_consultation", "结束咨询"),
    ]

    def __init__(self, initial_section: str | None = None) -> None:
        super().__init__()
        self.fields: dict[str, QuestionField] = {}
        self.relevant: list[str] = []
        self.built: set[str] = set()
        self.initial_section = initial_section
        self._offered_codes: set[str] = set()

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
                        yield Static(
                            "本组暂时没有需要回答的问题，按 PageDown 或 ] 进入下一组。",
                            markup=False,
                            classes="page-empty",
                        )
            yield LivePanel(id="live")
        yield Footer()

    async def on_mount(self) -> None:
        self.refresh_questions()
        if self.initial_section in self.section_ids and self.initial_section != self.section_ids[0]:
            await self.show_section(self.initial_section, focus=True)
        else:
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
                question,
                profile.get(question.id),
                max_year=self.app.as_of.year,
                choices=district_choices(profile.get(city)) if city else None,
                skipped=question.id in skipped,
                id=field_id(question.id),
            )
            field.display = question.id in wanted
            self.fields[question.id] = field
            fields.append(field)
        return fields

    def on_descendant_focus(self, _event: object) -> None:
        """The app autosaves where the person is, so resuming returns to this section."""
        self.post_message(SectionEntered(self.current_section))

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
        self._show_rent_conversion()
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
            field.show_error(f"{answer_error_text(exc.errors()[0])}（此项未保存）")
            return
        if not field.awaiting_confirmation:
            field.clear_error()
        skipped = self.app.profile.consultation.skipped
        if field.key in skipped and event.value is not None:
            self.app.profile.consultation.skipped = [s for s in skipped if s != field.key]
            field.set_skipped(False)
        self._answers_changed()

    def _store(self, path: str, value: Any) -> None:
        """Set an answer; answers that follow from it (a district not in a new city,
        an annual rent from its unit price) are shown changed too."""
        profile = self.app.profile
        for changed, note in profile.set_answer(path, value).items():
            field = self.fields.get(changed)
            if field is None:
                continue
            field.show_value(profile.get(changed))
            if note:
                field.show_error(note)
        if path == "identity.credit_code" and value:
            self._offer_region(value)

    def _show_rent_conversion(self) -> None:
        """Under the rent questions: how the annual rent follows from the unit price."""
        space = self.app.profile.space
        price_field, annual_field = (
            self.fields.get("space.rent_yuan_per_m2_month"),
            self.fields.get("space.annual_rent_wan"),
        )
        price = space.rent_yuan_per_m2_month
        if price is not None and space.leased_area_m2 is not None:
            text = rent_conversion_text(Decimal(price), space.leased_area_m2)
            note, annual_note = f"换算：{text}", f"由租金单价换算：{text}（直接改写这里则以年租金为准）"
        elif price is not None:
            note = annual_note = "填写租赁面积后按 单价 × 面积 × 12 个月 换算年租金"
        else:
            note = annual_note = ""
        if price_field is not None:
            price_field.show_note(note)
        if annual_field is not None:
            annual_field.show_note(annual_note)
            if price is not None:
                annual_field.show_value(space.annual_rent_wan)

    def _offer_region(self, code: str) -> None:
        """A valid code's registration authority suggests the registered place; the person confirms."""
        suggestion = region_from_credit_code(code)
        profile = self.app.profile
        if suggestion is None or code in self._offered_codes:
            return
        city, district = profile.identity.registered_city, profile.identity.registered_district
        if city == suggestion.city and (suggestion.district is None or district is not None):
            return
        self._offered_codes.add(code)
        place = suggestion.city + (suggestion.district or "")

        def adopt(confirmed: bool | None) -> None:
            if not confirmed:
                return
            self._store("identity.registered_city", suggestion.city)
            if suggestion.district is not None:
                self._store("identity.registered_district", suggestion.district)
            for path in ("identity.registered_city", "identity.registered_district"):
                if path in self.fields:
                    self.fields[path].show_value(profile.get(path))
                    self.fields[path].clear_error()
            self._answers_changed()
            self.call_after_refresh(self.focus_next_unanswered, self.fields.get("identity.credit_code"))

        self.app.push_screen(
            ConfirmDialog(
                f"{suggestion.text()}。\n把注册地填为“{place}”？", confirm_label="采用", cancel_label="不采用"
            ),
            adopt,
        )

    def action_same_as_registered(self) -> None:
        """同注册地: one key sets the tax and statistics place to the registered one."""
        profile = self.app.profile
        if profile.identity.registered_city is None:
            self.notify("请先回答注册地所在城市", severity="warning")
            return
        for path in profile.copy_registered_location():
            if path in self.fields:
                self.fields[path].show_value(profile.get(path))
                self.fields[path].clear_error()
        place = printable((profile.identity.registered_city or "") + (profile.identity.registered_district or ""))
        self.notify(f"纳税地、统计地已设为同注册地：{place}", markup=False)
        self._answers_changed()

    @on(ListAnswer.EditRequested)
    def edit_list_item(self, event: ListAnswer.EditRequested) -> None:
        """Add or change an item of a list answer in the item dialog."""
        event.stop()
        dialog = ItemDialog(event.title, event.fields, event.item, max_year=event.max_year)
        self.app.push_screen(dialog, partial(event.list_answer.store_item, event.index))

    @on(QuestionField.Advance)
    def advance(self, event: QuestionField.Advance) -> None:
        event.stop()
        self.call_after_refresh(self.focus_next_unanswered, event.field)

    def focus_next_unanswered(self, field: QuestionField | None) -> None:
        """After an answer: the next shown question still unanswered in this section,
        else the next section's first question."""
        page = self.query_one(f"#page-{self.current_section}")
        shown = [f for f in page.query(QuestionField) if f.display]
        after = shown[shown.index(field) + 1 :] if field in shown else shown
        skipped = set(self.app.profile.consultation.skipped)
        for candidate in after:
            if self.app.profile.get(candidate.key) is None and candidate.key not in skipped:
                candidate.focus_editor()
                return
        if after:
            after[0].focus_editor()
        else:
            self.run_worker(self._step_section(1), exclusive=True, group="advance")

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
        self.post_message(AnswersChanged())

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
            # moved here by the program: no OptionHighlighted, so it cannot echo back and forth
            with sections.prevent(OptionList.OptionHighlighted):
                sections.highlighted = index
        self.post_message(SectionEntered(section_id, autosave=True))  # resuming returns here
        if focus:
            self.focus_first_question()

    def focus_first_question(self) -> None:
        page = self.query_one(f"#page-{self.current_section}")
        for field in page.query(QuestionField):
            if field.display:
                field.focus_editor()
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
        if not event.option_list.has_focus or event.option_index != event.option_list.highlighted:
            return  # not the person moving through the list (mount, a program move, a stale event)
        if event.option.id and event.option.id != self.current_section:
            await self.show_section(event.option.id)

    @on(OptionList.OptionSelected, "#sections")
    async def enter_section(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            await self.show_section(event.option.id, focus=True)

    def action_close_consultation(self) -> None:
        self.post_message(CloseConsultationRequested())
