"""One measure in full: the clause in its paragraph, why it matches or not,
what is still unanswered, how the amount is calculated, materials and notes.

Everything shown comes from the engine's MatchResult and the catalogue; rule
and company text is rendered as plain ``Text`` (never markup).
"""

from __future__ import annotations

from collections.abc import Mapping

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from advisor.engine import Engine
from advisor.money import format_wan
from advisor.report import STATUS_STYLE, article_ref
from advisor.results import STATUS_LABEL, MatchResult
from advisor.terminal_text import printable
from screens.safe_text import safe_text

CONDITION_MARK = {"met": ("✓", "green"), "failed": ("✗", "red"), "unknown": ("?", "yellow")}
VERDICT = {"eligible": "为什么符合", "possible": "为什么可能符合", "ineligible": "为什么不符合"}


#: Characters of context kept on each side of the clause within its paragraph.
def quote_in_context(before: str, quote: str, after: str) -> Text:
    """The paragraph around the clause: the clause itself in bold, the rest dimmed."""
    text = Text(end="")
    text.append(before, style="dim")
    text.append(quote, style="bold")
    text.append(after, style="dim")
    return text


def heading_text(r: MatchResult) -> Text:
    text = Text(end="")
    text.append(r.measure.title, style="bold")
    text.append("  ")
    text.append(STATUS_LABEL[r.status], style=STATUS_STYLE[r.status])
    return text


def source_text(r: MatchResult, categories: Mapping[str, str]) -> Text:
    m = r.measure
    text = Text(end="")
    text.append(f"《{r.source.title}》{article_ref(m.article)}\n")
    text.append(f"发布：{r.source.issuer}　文件状态：")
    text.append(r.validity.label, style="yellow" if r.validity.state != "in_force" else "green")
    text.append(f"　期限：{r.source.dates_text}\n")
    text.append(f"地区：{m.region}　类别：{categories.get(m.category, m.category)}　审核方式：{m.review}")
    for warning in r.validity.warnings:
        text.append("\n注意：", style="bold yellow")
        text.append(warning, style="yellow")
    return text


def marked_lines(rows: list[tuple[Text, Text]]) -> Table:
    """Lines with a leading mark and a hanging indent (CJK text has no spaces to wrap at)."""
    grid = Table.grid(padding=(0, 1), expand=True)
    grid.add_column(no_wrap=True)
    grid.add_column(ratio=1, overflow="fold")
    for mark, text in rows:
        grid.add_row(mark, safe_text(text))
    return grid


def bullets(lines: list[str], *, empty: str) -> Table | Text:
    if not lines:
        return Text(empty, style="dim")
    return marked_lines([(Text("·"), Text(line)) for line in lines])


def conditions_view(r: MatchResult) -> Table | Text:
    rows = []
    for condition in r.conditions:
        mark, style = CONDITION_MARK.get(condition.state, ("?", "yellow"))
        rows.append(
            (
                Text(mark, style=f"bold {style}"),
                Text(condition.text, style=style if condition.state == "failed" else ""),
            )
        )
    return marked_lines(rows) if rows else Text("（没有附加条件）", style="dim")


def missing_view(r: MatchResult, engine: Engine) -> Table | Text:
    return bullets([engine.label(question) for question in r.missing], empty="无")


def amount_text(r: MatchResult) -> Text:
    text = Text(end="")
    text.append("估算：")
    text.append(r.amount.display(), style="bold")
    text.append("\n计算：" + (r.amount.calculation or "—"))
    counted = "是" if r.counted_in_total else "否"
    text.append(
        f"\n计入合计：{counted}" + (f"（{r.count_note}）" if r.count_note and r.count_note != "计入合计" else "")
    )
    if r.amount.later_yuan:
        text.append(f"\n以后阶段还可获：{format_wan(r.amount.later_yuan)}")
    if r.near_miss is not None and r.near_miss.kind == "suggestion":
        text.append("\n可以考虑：", style="bold")
        text.append(f"{r.near_miss.condition}：{r.near_miss.formula}")
    elif r.near_miss is not None:
        text.append("\n差一点：", style="bold")
        text.append(r.near_miss.gap_text)
        text.append("：约 ")
        text.append(r.near_miss.amount.display(), style="bold green")
    return text


def materials_view(r: MatchResult, engine: Engine) -> Table | Text:
    names = [engine.catalogue.materials[m].name for m in r.measure.materials if m in engine.catalogue.materials]
    return bullets(names, empty="原文未列出申请材料")


def notes_view(r: MatchResult, engine: Engine) -> Table | Text:
    m = r.measure
    lines: list[str] = []
    if m.review == "一事一议" or r.amount.kind == "case_by_case":
        lines.append("一事一议：金额由区政府个案决定，无法事先估算。")
    lines.extend(m.notes)
    common = engine.catalogue.common.get(m.document)
    if common is not None:
        lines.extend(common.notes)
    for verdict in r.groups:
        state = "计入" if verdict.counted else "不计入"
        group = verdict.group
        lines.append(f"同类组“{group.title}”（{state}）：{verdict.why}。为何同类：{group.reasoning}")
    if m.basis:
        lines.append(f"依据：{m.basis}")
    if m.context:
        lines.append(m.context)
    for cited in m.also_cited:
        source = engine.catalogue.sources.get(cited.document)
        lines.append(
            f"另见《{source.title if source else cited.document}》{article_ref(cited.article)}：“{cited.quote}”"
        )
    return bullets(lines, empty="无")


def interpretations_view(r: MatchResult, engine: Engine) -> Table:
    """The readings this measure's figures rest on (rules/interpretations.toml)."""
    rows = []
    for entry in engine.catalogue.interpretations_of(r.measure):
        rows.append((Text("·"), Text(f"{entry.title}：{entry.chosen}（影响：{entry.effect}）")))
    return marked_lines(rows)


def section(title: str, body: Text | Table, *, id: str) -> Static:
    widget = Static(safe_text(body) if isinstance(body, Text) else body, markup=False, id=id, classes="detail-section")
    widget.border_title = title
    return widget


class MeasureDetailScreen(Screen[None]):
    """The full reasoning for one measure; escape goes back to the results."""

    BINDINGS = [
        Binding("escape,q", "close", "返回"),
        Binding("home", "scroll_home", "顶部", show=False),
        Binding("end", "scroll_end", "底部", show=False),
    ]

    def __init__(self, result: MatchResult, engine: Engine) -> None:
        super().__init__()
        self.result = result
        self.engine = engine
        self.sub_title = printable(result.measure.title)

    def compose(self) -> ComposeResult:
        yield Header()
        r = self.result
        catalogue = self.engine.catalogue
        with VerticalScroll(id="detail"):
            yield Static(safe_text(heading_text(r)), markup=False, id="detail-heading")
            yield section("文件与条款", source_text(r, self.engine.vocabulary.categories), id="detail-source")
            yield section(
                "原文（加粗为本条款，前后为所在段落）",
                quote_in_context(*catalogue.context(r.measure.document, r.measure.quote)),
                id="detail-quote",
            )
            yield section(VERDICT[r.status], conditions_view(r), id="detail-conditions")
            if r.missing:
                yield section("待回答的问题（决定是否符合或金额）", missing_view(r, self.engine), id="detail-missing")
            yield section("金额", amount_text(r), id="detail-amount")
            yield section("申请材料", materials_view(r, self.engine), id="detail-materials")
            yield section("说明", notes_view(r, self.engine), id="detail-notes")
            if catalogue.interpretations_of(r.measure):
                yield section(
                    "本工具采用的解读（docs/interpretations.md）",
                    interpretations_view(r, self.engine),
                    id="detail-interpretations",
                )
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#detail", VerticalScroll).focus()

    def action_close(self) -> None:
        self.dismiss(None)

    def action_scroll_home(self) -> None:
        self.query_one("#detail", VerticalScroll).scroll_home(animate=False)

    def action_scroll_end(self) -> None:
        self.query_one("#detail", VerticalScroll).scroll_end(animate=False)
