"""The results: ranked measures, filters, totals, near misses and exports.

The screen renders what ``Engine.match`` returns for the app's profile on the
app's as-of date; it filters and re-orders rows for display but decides
nothing. Exports are written by a thread worker that only posts messages.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Protocol, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, OptionList, Static, TabbedContent, TabPane

from advisor import exports
from advisor.engine import Engine
from advisor.profile import Profile
from advisor.report import company_name, notice_lines, uniform_review
from advisor.results import ELIGIBLE, INELIGIBLE, POSSIBLE, STATUS_LABEL, Assessment, MatchResult
from advisor.terminal_text import printable
from screens.checklist import ChecklistScreen
from screens.dialogs import ErrorDialog
from screens.export import EXPORT_FORMATS, ExportDialog, ExportFormat, export_error_message, suggested_path
from screens.file_dialog import SaveFileDialog
from screens.measure_detail import MeasureDetailScreen
from screens.widgets.near_miss_list import NearMissList
from screens.widgets.notices import NoticeBanner, NoticeScreen
from screens.widgets.results_table import ResultsTable
from screens.widgets.totals_panel import TotalsPanel


class Consultation(Protocol):
    """What the results screen reads from the app that runs it."""

    engine: Engine | None
    profile: Profile
    as_of: _dt.date


ALL = "all"
STATUS_FILTERS = {
    ALL: "全部",
    ELIGIBLE: STATUS_LABEL[ELIGIBLE],
    POSSIBLE: STATUS_LABEL[POSSIBLE],
    INELIGIBLE: STATUS_LABEL[INELIGIBLE],
}
#: Sort orders, in the order ``s`` cycles through them.
SORT_LABEL = {"rank": "推荐顺序", "amount": "按金额（状态分组内）", "amount_all": "按金额（不分状态）"}
_STATUS_RANK = {ELIGIBLE: 0, POSSIBLE: 1, INELIGIBLE: 2}
_STATUS_KEYS = Binding.Group("状态", compact=True)


def cycle(values: list[str], current: str) -> str:
    """The value after ``current`` (wrapping round)."""
    if current not in values:
        return values[0]
    return values[(values.index(current) + 1) % len(values)]


def filter_results(
    results: list[MatchResult], status: str, region: str, category: str, sort: str | bool = "rank"
) -> list[MatchResult]:
    """The rows to show: the engine's ranking; by estimated value (highest first) within
    each status group (eligible first); or, when asked, by value across the groups."""
    if sort is True:
        sort = "amount"
    shown = [
        r
        for r in results
        if status in (ALL, r.status) and region in (ALL, r.measure.region) and category in (ALL, r.measure.category)
    ]
    if sort == "amount":
        shown.sort(key=lambda r: (_STATUS_RANK[r.status], *(-v for v in r.value_key)))  # stable on ties
    elif sort == "amount_all":
        shown.sort(key=lambda r: r.value_key, reverse=True)
    return shown


def notice_banner(assessment: Assessment) -> Text:
    """One line that says the first warning and how to read them all."""
    notices = notice_lines(assessment)
    text = Text(end="", no_wrap=True, overflow="ellipsis")
    if not notices:
        return text
    text.append("注意 ", style="bold reverse yellow")
    text.append(f"（{len(notices)} 条，按 w 查看全文）", style="bold")
    text.append(printable(notices[0]), style="yellow")
    return text


class ResultsScreen(Screen[None]):
    """Every measure for the current profile, ranked, with totals and exports."""

    BINDINGS = [
        Binding("1", "filter_status('all')", "全部", group=_STATUS_KEYS),
        Binding("2", "filter_status('eligible')", "符合", group=_STATUS_KEYS),
        Binding("3", "filter_status('possible')", "可能", group=_STATUS_KEYS),
        Binding("4", "filter_status('ineligible')", "不符合", group=_STATUS_KEYS),
        Binding("r", "cycle_region", "地区"),
        Binding("c", "cycle_category", "类别"),
        Binding("s", "toggle_sort", "排序"),
        Binding("n", "toggle_near_misses", "差一点"),
        Binding("w", "show_notices", "注意事项"),
        Binding("t", "focus_totals", "合计", show=False),
        Binding("m", "checklist", "材料"),
        Binding("e", "export", "导出"),
        Binding("j", "export_json", "JSON"),
        Binding("escape", "close", "返回"),
    ]

    status_filter: reactive[str] = reactive(ALL, init=False)
    region_filter: reactive[str] = reactive(ALL, init=False)
    category_filter: reactive[str] = reactive(ALL, init=False)
    sort_mode: reactive[str] = reactive("rank", init=False)

    @dataclass
    class ExportWritten(Message):
        """An export file was written."""

        path: Path
        kind: str

    @dataclass
    class ExportFailed(Message):
        """An export could not be written; ``message`` says why in Chinese."""

        path: Path
        message: str

    def __init__(self) -> None:
        super().__init__()
        self.assessment: Assessment | None = None
        self.sub_title = "匹配结果"

    # --- the app's state ------------------------------------------------------------------

    @property
    def advisor(self) -> Consultation:
        """The app, which holds the consultation (this screen only runs inside it)."""
        return cast(Consultation, self.app)

    @property
    def engine(self) -> Engine:
        engine = self.advisor.engine
        assert engine is not None, "the app shows results only once the engine is loaded"
        return engine

    @property
    def profile(self) -> Profile:
        return self.advisor.profile

    @property
    def as_of(self) -> _dt.date:
        return self.advisor.as_of

    # --- layout ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", markup=False, id="results-heading")
        yield NoticeBanner("", markup=False, id="notice-banner")
        with TabbedContent(id="results-tabs", initial="overview"):
            with TabPane("结果一览", id="overview"):
                yield Static("", markup=False, id="filter-bar")
                yield ResultsTable(id="results")
                yield TotalsPanel(id="totals")
            with TabPane("差一点", id="near"):
                yield NearMissList(id="near-misses")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self.refresh_assessment()
        self.query_one("#results", ResultsTable).focus()

    def on_screen_resume(self) -> None:
        if self.assessment is not None:
            self.refresh_assessment()  # the checklist marks may have changed

    def refresh_assessment(self) -> None:
        """Match the app's profile again and show everything anew."""
        self.assessment = self.engine.match(self.profile, self.as_of)
        heading = Text(company_name(self.profile), style="bold", end="")
        heading.append(
            f" · 政策匹配结果 · 按 {self.as_of.isoformat()} 计 · 共 {len(self.assessment.results)} 项措施", style=""
        )
        self.query_one("#results-heading", Static).update(heading)
        banner = self.query_one("#notice-banner", NoticeBanner)
        banner.update(notice_banner(self.assessment))
        banner.display = bool(self.assessment.notices)
        self.query_one("#totals", TotalsPanel).show(self.assessment)
        near = self.assessment.near_misses
        suggestions = self.assessment.suggestions
        self.query_one("#near-misses", NearMissList).show(near, suggestions)
        tabs = self.query_one("#results-tabs", TabbedContent)
        tabs.get_tab("near").label = f"差一点（{len(near) + len(suggestions)}）"  # type: ignore[assignment]
        self.show_rows()

    def show_rows(self) -> None:
        if self.assessment is None:
            return
        results = self.assessment.results
        shown = filter_results(results, self.status_filter, self.region_filter, self.category_filter, self.sort_mode)
        table = self.query_one("#results", ResultsTable)
        table.show(shown)
        region = "全部" if self.region_filter == ALL else self.region_filter
        category = (
            "全部"
            if self.category_filter == ALL
            else self.engine.vocabulary.categories.get(self.category_filter, self.category_filter)
        )
        bar = Text(f"显示 {len(shown)}/{len(results)} 项", style="bold", end="")
        bar.append(
            f" · 状态：{STATUS_FILTERS[self.status_filter]} · 地区：{region} · 类别：{category}"
            f" · 排序：{SORT_LABEL[self.sort_mode]} · 回车：详情"
        )
        review = uniform_review(shown)
        if "review" not in table.widths and shown and review is not None:
            bar.append(f" · 审核方式：{printable(review)}")
        self.query_one("#filter-bar", Static).update(bar)

    def watch_status_filter(self) -> None:
        self.show_rows()

    def watch_region_filter(self) -> None:
        self.show_rows()

    def watch_category_filter(self) -> None:
        self.show_rows()

    def watch_sort_mode(self) -> None:
        self.show_rows()

    # --- filters and views ----------------------------------------------------------------

    def _show_overview(self) -> None:
        self.query_one("#results-tabs", TabbedContent).active = "overview"

    def action_filter_status(self, status: str) -> None:
        self._show_overview()
        self.status_filter = status

    def action_cycle_region(self) -> None:
        if self.assessment is None:
            return
        regions = list(dict.fromkeys(r.measure.region for r in self.assessment.results))
        self._show_overview()
        self.region_filter = cycle([ALL, *regions], self.region_filter)

    def action_cycle_category(self) -> None:
        if self.assessment is None:
            return
        present = {r.measure.category for r in self.assessment.results}
        self._show_overview()
        self.category_filter = cycle(
            [ALL, *(c for c in self.engine.vocabulary.categories if c in present)], self.category_filter
        )

    def action_toggle_sort(self) -> None:
        self._show_overview()
        self.sort_mode = cycle(list(SORT_LABEL), self.sort_mode)

    def action_show_notices(self) -> None:
        """The full text of every warning about the documents behind the results."""
        if self.assessment is not None and self.assessment.notices:
            self.app.push_screen(NoticeScreen(notice_lines(self.assessment)))

    def action_focus_totals(self) -> None:
        self._show_overview()
        self.query_one("#totals", TotalsPanel).focus()

    def action_toggle_near_misses(self) -> None:
        tabs = self.query_one("#results-tabs", TabbedContent)
        tabs.active = "overview" if tabs.active == "near" else "near"
        target = "#results" if tabs.active == "overview" else "#near-misses"
        self.query_one(target).focus()

    def action_checklist(self) -> None:
        if self.assessment is not None:
            self.app.push_screen(ChecklistScreen(self.assessment.checklist, self.engine, self.profile))

    def action_close(self) -> None:
        self.dismiss(None)

    @on(TabbedContent.TabActivated, "#results-tabs")
    def focus_active_tab(self, event: TabbedContent.TabActivated) -> None:
        target = "#near-misses" if event.pane.id == "near" else "#results"
        self.query_one(target).focus()

    # --- detail ---------------------------------------------------------------------------

    def open_detail(self, measure_id: str) -> None:
        if self.assessment is None:
            return
        result = next((r for r in self.assessment.results if r.measure.id == measure_id), None)
        if result is not None:
            self.app.push_screen(MeasureDetailScreen(result, self.engine))

    @on(DataTable.RowSelected, "#results")
    def open_selected_row(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.open_detail(event.row_key.value)

    @on(OptionList.OptionSelected, "#near-misses")
    def open_selected_near_miss(self, event: OptionList.OptionSelected) -> None:
        if event.option.id and event.option.id != "none":
            self.open_detail(event.option.id)

    # --- exports --------------------------------------------------------------------------

    def action_export(self) -> None:
        """Choose a report format (or JSON), then where to save it."""
        self.app.push_screen(ExportDialog(title="导出报告：选择格式"), self.ask_where_to_save)

    def action_export_json(self) -> None:
        self.ask_where_to_save("json")

    def ask_where_to_save(self, kind: str | None) -> None:
        if kind is None:
            return
        fmt = EXPORT_FORMATS[kind]
        folder, filename = suggested_path(self.profile.identity.name, fmt, self.as_of)
        self.app.push_screen(SaveFileDialog(folder, filename, f"导出{fmt.name}"), partial(self.start_export, fmt))

    def start_export(self, fmt: ExportFormat, path: Path | None) -> None:
        if path is None:
            return
        profile = self.profile.model_copy(deep=True)
        assessment = self.engine.match(profile, self.as_of)  # with the latest checklist marks
        self.write_export(path, fmt.kind, assessment, self.engine, profile)

    @work(thread=True, group="export", exit_on_error=False)
    def write_export(self, path: Path, kind: str, assessment: Assessment, engine: Engine, profile: Profile) -> None:
        """Write one export file; report the outcome by message only."""
        try:
            exports.export(path, kind, assessment, engine, profile)
        except OSError as error:
            self.post_message(self.ExportFailed(path, export_error_message(path, error)))
        except Exception as error:
            self.post_message(
                self.ExportFailed(
                    path, f"导出“{printable(path)}”时出错（{type(error).__name__}），原来的文件（如有）没有被改动。"
                )
            )
        else:
            self.post_message(self.ExportWritten(path, kind))

    @on(ExportWritten)
    def announce_export(self, message: ExportWritten) -> None:
        self.notify(f"已保存到 {printable(message.path)}", title="导出完成", markup=False)

    @on(ExportFailed)
    def show_export_error(self, message: ExportFailed) -> None:
        self.app.push_screen(ErrorDialog(message.message, title="导出失败"))
