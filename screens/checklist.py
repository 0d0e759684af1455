"""The materials checklist across the kept (eligible and possible) measures.

Materials an eligible measure needs come first; those only possible measures need
follow under their own heading, to prepare once the measure is confirmed. Measures
are named by title, never by id. Space toggles an item ready / not ready. The marks live in the profile
(``consultation.checklist``: material id → bool), so they are saved with it.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, SelectionList, Static
from textual.widgets.selection_list import Selection

from advisor.engine import Engine
from advisor.profile import Profile
from advisor.report import MATERIALS_NOTE
from advisor.results import ChecklistItem
from advisor.terminal_text import printable

#: Measures named under the highlighted material (the rest are counted).
SHOWN_TITLES = 5
EMPTY_TEXT = "没有需要准备的材料：目前没有符合或可能符合的措施。"
#: The value of the disabled line that heads the possible-only materials.
POSSIBLE_HEADING = "\x00possible"


def item_prompt(item: ChecklistItem) -> Text:
    text = Text(printable(item.material.name), end="")
    if item.for_eligible:
        text.append(f"（{len(item.eligible_titles)} 项符合的措施）", style="dim")
    else:
        text.append(f"（{len(item.titles)} 项可能符合的措施）", style="dim")
    return text


def selections(items: list[ChecklistItem], marks: dict[str, bool]) -> list[Selection[str]]:
    """The items in order, with a disabled heading before the possible-only ones."""
    out: list[Selection[str]] = []
    for item in items:
        if not item.for_eligible and not any(s.value == POSSIBLE_HEADING for s in out):
            out.append(
                Selection(
                    Text("── 以下仅用于可能符合的措施：确认符合后再准备 ──", style="bold yellow"),
                    POSSIBLE_HEADING,
                    False,
                    disabled=True,
                )
            )
        out.append(Selection(item_prompt(item), item.material.id, bool(marks.get(item.material.id, item.ready))))
    return out


class MaterialList(SelectionList[str]):
    """The checklist items; the footer names what space does."""

    BINDINGS = [Binding("space", "select", "已准备/未准备")]


class ChecklistScreen(Screen[None]):
    """Materials to prepare; marks are written into the profile as they change."""

    BINDINGS = [Binding("escape,q", "close", "返回")]

    def __init__(self, items: list[ChecklistItem], engine: Engine, profile: Profile) -> None:
        super().__init__()
        self.items = {item.material.id: item for item in items}
        self.engine = engine
        self.profile = profile
        self.sub_title = "申请材料清单"

    def compose(self) -> ComposeResult:
        yield Header()
        marks = self.profile.consultation.checklist
        with Vertical(id="checklist"):
            yield Static("", markup=False, id="checklist-summary")
            yield MaterialList(*selections(list(self.items.values()), marks), id="checklist-items")
            yield Static("", markup=False, id="checklist-detail")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        selection = self.query_one("#checklist-items", MaterialList)
        if self.items:
            selection.highlighted = 0
        selection.focus()
        self._show_summary()
        self._show_detail(next(iter(self.items), None))

    def action_close(self) -> None:
        self.dismiss(None)

    @on(SelectionList.SelectionHighlighted, "#checklist-items")
    def show_highlighted_material(self, event: SelectionList.SelectionHighlighted) -> None:
        self._show_detail(event.selection.value)

    @on(SelectionList.SelectionToggled, "#checklist-items")
    def record_toggled_material(self, event: SelectionList.SelectionToggled) -> None:
        material_id = event.selection.value
        if material_id not in self.items:
            return
        ready = material_id in event.selection_list.selected
        marks = dict(self.profile.consultation.checklist)
        marks[material_id] = ready
        self.profile.consultation.checklist = marks
        self._show_summary()
        self.app.answers_changed()  # type: ignore[attr-defined]  # autosave, mark unsaved

    def _show_summary(self) -> None:
        summary = self.query_one("#checklist-summary", Static)
        if not self.items:
            summary.update(Text(EMPTY_TEXT, style="dim"))
            return
        ready = len(self.query_one("#checklist-items", MaterialList).selected)
        text = Text(f"已准备 {ready} / {len(self.items)} 项材料 · 空格键切换“已准备/未准备”，随画像一起保存\n", end="")
        text.append(MATERIALS_NOTE, style="dim")
        summary.update(text)

    def _show_detail(self, material_id: str | None) -> None:
        detail = self.query_one("#checklist-detail", Static)
        item = self.items.get(material_id) if material_id else None
        if item is None:
            detail.update("")
            return
        text = Text(printable(item.material.name), style="bold", end="")
        if item.material.help:
            text.append("\n" + printable(item.material.help))
        titles = item.eligible_titles if item.for_eligible else item.titles
        kind = "符合" if item.for_eligible else "可能符合"
        text.append(f"\n用于 {len(titles)} 项{kind}的措施：", style="bold")
        text.append(printable("；".join(titles[:SHOWN_TITLES])) + ("等" if len(titles) > SHOWN_TITLES else ""))
        others = len(item.titles) - len(item.eligible_titles) if item.for_eligible else 0
        if others:
            text.append(f"；另有 {others} 项可能符合的措施也需要", style="dim")
        detail.update(text)
