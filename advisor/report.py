"""Rendering an assessment: a rich table for the terminal, Markdown, printable HTML.

All user and rule text goes through ``rich.text.Text`` (never markup) in the
terminal and through ``html.escape`` in HTML, so a company called
``[bold]`` or ``<script>`` is shown literally.
"""

from __future__ import annotations

import datetime as _dt
import html
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from advisor import rule_model as rm
from advisor.display import BASIS_NOTICE, basis_cited, basis_statement, format_answer
from advisor.engine import Engine
from advisor.facts import profile_facts
from advisor.money import format_wan
from advisor.profile import Profile
from advisor.results import ELIGIBLE, INELIGIBLE, POSSIBLE, STATUS_LABEL, Assessment, MatchResult
from advisor.terminal_text import printable

if TYPE_CHECKING:  # rich is imported by the terminal table only: JSON, Markdown and HTML never load it
    from rich.console import Console, ConsoleOptions, Group, RenderResult

STATUS_STYLE = {ELIGIBLE: "bold green", POSSIBLE: "yellow", INELIGIBLE: "dim"}


def clean(text: object) -> str:
    """User or rule text made safe to print on one line (``advisor.terminal_text.printable``)."""
    return printable(text)


def company_name(profile: Profile) -> str:
    """The company's name on one line, safe for a terminal (a newline in it is shown as \\x0a)."""
    return printable(profile.identity.name) if profile.identity.name else "（未填写单位名称）"


_NUMERALS = set("一二三四五六七八九十百")


def article_ref(article: str) -> str:
    """第十一条 for a numbered article; part and item as printed otherwise (四（二）)."""
    return f"第{article}条" if set(article) <= _NUMERALS else article


def short_source(source: rm.Source) -> str:
    """The document's short name (光明区AI软件措施), for tables and narrow screens."""
    return source.short_title or source.title


def source_ref(r: MatchResult) -> str:
    """Short document name and article: 光明区AI软件措施 第十一条."""
    return f"{short_source(r.source)} {article_ref(r.measure.article)}"


def totals_lines(assessment: Assessment) -> list[str]:
    """The totals in plain words: what is certain, what it may reach, what is left out."""
    t = assessment.totals
    lines = [
        f"符合 {t.eligible_count} 项：确定金额 {format_wan(t.eligible_min_yuan)}，最高可达 {format_wan(t.eligible_max_yuan)}",
        f"可能符合 {t.possible_count} 项（补充信息后确定）：确定金额 {format_wan(t.possible_min_yuan)}，"
        f"最高可达 {format_wan(t.possible_max_yuan)}",
        f"不符合 {t.ineligible_count} 项",
    ]
    if t.not_counted:
        lines.append(f"未计入合计 {len(t.not_counted)} 项（一事一议、未公布金额、非资金支持、税收优惠或同类就高）")
    return lines


def not_counted_groups(assessment: Assessment) -> list[tuple[str, list[str]]]:
    """Measures left out of the totals, by reason, named by title: (reason, [titles])."""
    titles = {r.measure.id: r.measure.title for r in assessment.results}
    groups: dict[str, list[str]] = {}
    for measure_id, reason in assessment.totals.not_counted:
        groups.setdefault(reason, []).append(titles.get(measure_id, measure_id))
    return list(groups.items())


def notice_lines(assessment: Assessment) -> list[str]:
    """``assessment.notices`` in plain words, each with the documents it concerns:
    "光明区AI软件措施：征求意见稿：尚未正式施行……". Every notice appears once."""
    where: dict[str, list[str]] = {}
    for r in assessment.results:
        if r.status == INELIGIBLE:
            continue
        for warning in r.validity.warnings:
            names = where.setdefault(warning, [])
            if short_source(r.source) not in names:
                names.append(short_source(r.source))
    ordered = sorted(assessment.notices, key=lambda n: BASIS_NOTICE in n)  # warnings before plain statements
    lines: list[str] = []
    bases: dict[str, list[str]] = {}  # the national rules a document cites, said once per document
    for notice in ordered:
        prefix = "、".join(where.get(notice, [])) or "来源文件"
        cited = basis_cited(notice)
        if cited is None:
            lines.append(f"{prefix}：{notice}")
        else:
            bases.setdefault(prefix, []).append(cited)
    for prefix, rules in bases.items():
        lines.append(f"{prefix}：{basis_statement(*rules)}")
    return lines


def near_miss_blocks(assessment: Assessment, escape: Callable[[object], str]) -> list[tuple[str, list[str]]]:
    """The gaps (差一点), then the suggestions (可以考虑), as (heading, lines) for each kind
    that has any; every output writes them from here, its own ``escape`` applied to each text."""
    blocks: list[tuple[str, list[str]]] = []
    for heading, found in (("差一点", assessment.near_misses), ("可以考虑", assessment.suggestions)):
        lines = [near_miss_line(r, escape) for r in found]
        if lines:
            blocks.append((heading, lines))
    return blocks


def near_miss_line(r: MatchResult, escape: Callable[[object], str]) -> str:
    """A gap "租金补贴：租赁面积 400 → 500平方米：约 28.8万元/年 × 3年", or a suggestion
    "要求：按……的30%，最高200万元（措施）"."""
    near = r.near_miss
    assert near is not None
    if near.kind == "gap":
        return f"{escape(r.measure.title)}：{escape(near.gap_text)}：约 {escape(near.amount.display())}"
    return f"{escape(near.condition)}：{escape(near.formula)}（{escape(r.measure.title)}）"


def sources_used(assessment: Assessment) -> list[tuple[str, str, str]]:
    """Each document behind the results still in play: (title, status as printed, dates as printed)."""
    seen: dict[str, tuple[str, str, str]] = {}
    for r in assessment.results:
        if r.status != INELIGIBLE and r.source.id not in seen:
            seen[r.source.id] = (r.source.title, r.source.status, r.source.dates_text)
    return list(seen.values())


def uniform_review(results: list[MatchResult], *, in_play_only: bool = True) -> str | None:
    """The review method when the column would say nothing: the same on every row still
    in play, apart from rows whose amount already says it (一事一议). None when it varies."""
    reviews = {
        r.measure.review
        for r in results
        if (r.status != INELIGIBLE or not in_play_only) and r.measure.review != r.amount.display()
    }
    if len(reviews) > 1:
        return None
    return reviews.pop() if reviews else "未说明"


#: How the engine words a national rule's own validity: said, but not a warning.

MATERIALS_NOTE = (
    "政策原文没有列明申请材料：下列是此类申请通常需要的材料，具体以当年申请指南为准。"
    "先准备符合的措施所需的材料；只用于可能符合的措施的材料，待确认符合后再准备。"
)


# --- terminal -----------------------------------------------------------------------------


class Folded:
    """One line of text folded at the console width by cells, never moved whole to the
    next line at a space (Rich wraps at spaces, which strands Chinese text)."""

    def __init__(self, text: str, style: str = "") -> None:
        self.text = text
        self.style = style

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        from rich.text import Text

        for line in fold_cells(self.text, max(options.max_width, 8)):
            yield Text(line, style=self.style)


_NUMBER_CHARS = set("0123456789,.%")


def fold_cells(text: str, width: int) -> list[str]:
    """``text`` cut into lines of at most ``width`` cells, never inside a number."""
    from rich.cells import cell_len

    lines: list[str] = []
    line, used = "", 0
    for ch in text:
        w = cell_len(ch)
        if used + w > width and line:
            cut = len(line)
            if ch in _NUMBER_CHARS:
                while cut > 0 and line[cut - 1] in _NUMBER_CHARS:
                    cut -= 1
                if cut == 0:
                    cut = len(line)  # a number wider than the line: nothing better to do
            lines.append(line[:cut])
            line = line[cut:]
            used = cell_len(line)
        line += ch
        used += w
    lines.append(line)
    return lines


def render_table(assessment: Assessment, engine: Engine, profile: Profile, *, show_all: bool = False) -> Group:
    """Warnings first, then the table; an amount is never broken across lines."""
    from rich import box
    from rich.cells import cell_len
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    header = Text(f"{company_name(profile)} · 政策匹配结果 · 按 {assessment.as_of.isoformat()} 计", style="bold")
    parts: list[Any] = [header]
    notices = notice_lines(assessment)
    if notices:
        parts.append(Text("注意：", style="bold yellow"))
        # Folded by cell, not by word: the notices have few spaces, and a fold never splits a number.
        parts.extend(Folded(f"·{clean(notice)}", style="yellow") for notice in notices)
        parts.append(Text(""))
    shown = [r for r in assessment.results if show_all or r.status != INELIGIBLE]
    review = uniform_review(shown, in_play_only=not show_all)
    amounts = [clean(r.amount.display()) for r in shown]
    amount_width = max((cell_len(a) for a in amounts), default=8)
    table = Table(box=box.SIMPLE_HEAVY, show_lines=False, expand=False, pad_edge=False)
    table.add_column("状态", no_wrap=True)
    table.add_column("措施", overflow="fold", ratio=3)
    table.add_column("文件与条款", overflow="fold", ratio=2)
    table.add_column("估算金额", justify="right", no_wrap=True, min_width=max(amount_width, 8))
    if review is None:
        table.add_column("审核", overflow="fold", ratio=1)
    table.add_column("计入", no_wrap=True)
    for r, amount in zip(shown, amounts, strict=False):
        cells = [
            Text(STATUS_LABEL[r.status], style=STATUS_STYLE[r.status]),
            Text(clean(r.measure.title)),
            Text(clean(source_ref(r))),
            Text(amount),
        ]
        if review is None:
            cells.append(Text(clean(r.measure.review)))
        cells.append(Text("是" if r.counted_in_total else "否"))
        table.add_row(*cells)
    if review is not None and shown:
        others = any(r.measure.review != review for r in shown)
        parts.append(
            Text(f"审核方式：{'除金额栏写明一事一议的以外，' if others else ''}均为“{clean(review)}”。", style="dim")
        )
    parts.append(table)
    parts.extend(Text(line) for line in totals_lines(assessment))
    for heading, lines in near_miss_blocks(assessment, clean):
        parts.append(Text(f"\n{heading}：", style="bold"))
        parts.extend(Text(f"· {line}") for line in lines)
    hidden = len(assessment.results) - len(shown)
    if hidden:
        parts.append(Text(f"\n另有 {hidden} 项不符合，加 --all 查看原因。", style="dim"))
    return Group(*parts)


def print_table(
    assessment: Assessment, engine: Engine, profile: Profile, console: Console, *, show_all: bool = False
) -> None:
    console.print(render_table(assessment, engine, profile, show_all=show_all))


def summary_rows(assessment: Assessment) -> list[tuple[MatchResult, tuple[str, str, str, str, str, str]]]:
    """The overview rows of a report (measures still in play): 状态, 措施, 文件与条款, 估算金额, 审核, 计入合计."""
    return [
        (
            r,
            (
                STATUS_LABEL[r.status],
                r.measure.title,
                source_ref(r),
                r.amount.display(),
                r.measure.review,
                "是" if r.counted_in_total else "否",
            ),
        )
        for r in assessment.results
        if r.status != INELIGIBLE
    ]


def _item_text(question: Any, item: Any) -> str:
    """One entry of a list answer (a funded project, an event) as 名称 · 市级 · 1,500万元 · 2025年."""
    parts = []
    for f in question.item_fields:
        value = getattr(item, f.id, None) if not isinstance(item, dict) else item.get(f.id)
        if value is None or value == "":
            continue
        parts.append(format_answer(f.type, {o.value: o.label for o in f.options}, f.unit, value))
    return " · ".join(parts) or "（空条目）"


def answer_groups(engine: Engine, profile: Profile, as_of: Any) -> list[tuple[str, list[tuple[str, str, bool]]]]:
    """The answers the assessment rests on, grouped as in the questionnaire:
    (section title, [(question, answer as shown, known)]). Unanswered ones are marked."""
    facts = profile_facts(profile)
    asked = set(engine.relevant_questions(profile, as_of))
    catalogue = engine.catalogue
    groups: list[tuple[str, list[tuple[str, str, bool]]]] = []
    for section in catalogue.sections:
        rows: list[tuple[str, str, bool]] = []
        for q in catalogue.questions.values():
            if q.section != section.id or q.id not in asked:
                continue
            value = facts.get(q.id)
            if value is None:
                rows.append((q.label, "未回答（不确定）", False))
            elif q.type == "list" and q.item_fields:
                rows.append((q.label, "；".join(_item_text(q, item) for item in value) or "无", True))
            else:
                rows.append((q.label, engine.show(q.id, value), True))
        if rows:
            groups.append((section.title, rows))
    return groups


def _missing_labels(r: MatchResult, engine: Engine) -> str:
    return "、".join(engine.label(q) for q in r.missing) or "—"


def _failed_text(r: MatchResult) -> str:
    """The first failed requirement, and how many more: the appendix stays one line a measure."""
    failed = r.failed
    if not failed:
        return r.count_note
    more = f"（另有 {len(failed) - 1} 项条件不符合）" if len(failed) > 1 else ""
    return failed[0].text + more


_DISCLAIMER = (
    "本报告依据政策原文离线生成，金额为按原文条款的估算，最终以主管部门审核和当年申请指南为准。"
    "原文只给出上限的显示为“最高”；一事一议、未公布金额的不作估算。"
)


# --- Markdown -----------------------------------------------------------------------------


def _md(text: object) -> str:
    """Escape Markdown control characters in user and rule text. Newlines are escaped
    (``printable``), so a name can never start a line: no heading, ``===`` underline,
    list item or table row can come from it; inline markers (`*_[]<>|#) are escaped."""
    out = clean(text)
    for ch in "\\`*_[]<>|#":
        out = out.replace(ch, "\\" + ch)
    return out


def _md_table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(_md(c) for c in row) + " |" for row in rows]
    return [*out, ""]


def interpretations_used(assessment: Assessment) -> list[Any]:
    """The readings the eligible and possible results rest on, each once, in first-use order."""
    seen: dict[str, Any] = {}
    for r in assessment.results:
        if r.status != INELIGIBLE:
            for entry in r.interpretations:
                seen.setdefault(entry.id, entry)
    return list(seen.values())


def to_markdown(assessment: Assessment, engine: Engine, profile: Profile) -> str:
    """The report in Markdown: warnings and totals first, then eligible measures in full,
    possible ones in a table, materials by measure name, the answers, the ineligible."""
    eligible, possible = assessment.by_status(ELIGIBLE), assessment.by_status(POSSIBLE)
    ineligible = assessment.by_status(INELIGIBLE)
    out = [
        f"# {_md(company_name(profile))} 政策匹配报告",
        "",
        f"评估日期：{assessment.as_of.isoformat()}　生成：政策顾问（离线）",
        "",
    ]
    notices = notice_lines(assessment)
    if notices:
        out += ["## 请先注意", ""] + [f"- {_md(n)}" if BASIS_NOTICE in n else f"- **{_md(n)}**" for n in notices] + [""]
    out += ["## 所依据的文件", ""]
    out += [f"- 《{_md(title)}》：{_md(status)}；{_md(dates)}" for title, status, dates in sources_used(assessment)] + [
        ""
    ]
    out += ["## 合计", ""] + [f"- {line}" for line in totals_lines(assessment)]
    out += [f"- {_md(n)}" for n in assessment.totals.notes] + [""]
    if assessment.totals.not_counted:
        out += ["### 未计入合计的措施", ""]
        out += [f"- {_md(reason)}：{_md('、'.join(titles))}" for reason, titles in not_counted_groups(assessment)] + [
            ""
        ]
    if eligible:
        out += ["## 符合的措施一览", ""]
        out += _md_table(
            ["措施", "文件与条款", "估算金额", "审核方式", "计入合计"],
            [
                [
                    r.measure.title,
                    source_ref(r),
                    r.amount.display(),
                    r.measure.review,
                    "是" if r.counted_in_total else "否",
                ]
                for r in eligible
            ],
        )
        out += ["## 符合的措施", ""]
        for r in eligible:
            out += [
                f"### {_md(r.measure.title)}",
                "",
                f"- 来源：《{_md(r.source.title)}》{_md(article_ref(r.measure.article))}（{_md(r.validity.label)}）",
                f"- 原文：“{_md(r.measure.quote)}”",
                f"- 金额：{_md(r.amount.display())}；{_md(r.count_note)}",
                f"- 计算：{_md(r.amount.calculation)}",
                f"- 审核方式：{_md(r.measure.review)}",
            ]
            out += [f"- 条件 ✓ {_md(c.text)}" for c in r.conditions]
            names = [engine.catalogue.materials[m].name for m in r.measure.materials if m in engine.catalogue.materials]
            if names:
                out.append(f"- 材料：{_md('、'.join(names))}")
            out += [f"- 注：{_md(note)}" for note in r.measure.notes]
            if r.interpretations:
                out.append("- 采用的解读（见附录）：" + "；".join(_md(entry.title) for entry in r.interpretations))
            out.append("")
    if possible:
        out += ["## 可能符合的措施（补充信息后确定）", ""]
        out += _md_table(
            ["措施", "文件与条款", "估算金额", "待确认的问题"],
            [[r.measure.title, source_ref(r), r.amount.display(), _missing_labels(r, engine)] for r in possible],
        )
    blocks = near_miss_blocks(assessment, _md)
    if blocks:
        out += ["## 差一点与可以考虑的措施", ""]
        out += [f"- {heading}：{line}" for heading, lines in blocks for line in lines] + [""]
    if assessment.checklist:
        out += ["## 申请材料清单", "", MATERIALS_NOTE, ""]
        for for_eligible, heading in (
            (True, "### 符合的措施需要"),
            (False, "### 仅可能符合的措施需要（确认符合后再准备）"),
        ):
            items = [i for i in assessment.checklist if i.for_eligible == for_eligible]
            if not items:
                continue
            out += [heading, ""]
            for item in items:
                titles = item.eligible_titles if for_eligible else item.titles
                out.append(f"- [{'x' if item.ready else ' '}] {_md(item.material.name)}（{_md('、'.join(titles))}）")
            out.append("")
    out += ["## 评估依据的回答", "", "请逐项核对；标为“未回答”的问题决定了部分措施只能列为“可能符合”。", ""]
    for title, rows in answer_groups(engine, profile, assessment.as_of):
        out += [f"### {_md(title)}", ""] + [f"- {_md(label)}：{_md(value)}" for label, value, _known in rows] + [""]
    used = interpretations_used(assessment)
    if used:
        out += ["## 附：本报告采用的解读", "", "原文有歧义或本工具必须作出假定之处，以及选定的理解：", ""]
        out += [f"- **{_md(entry.title)}**：{_md(entry.chosen)}（影响：{_md(entry.effect)}）" for entry in used] + [""]
    if ineligible:
        out += ["## 附：不符合的措施", ""]
        out += [f"- {_md(r.measure.title)}（{_md(source_ref(r))}）：{_md(_failed_text(r))}" for r in ineligible] + [""]
    out += ["## 说明", "", f"- {_DISCLAIMER}", ""]
    return "\n".join(out)


# --- HTML ---------------------------------------------------------------------------------

_CSS = """
@page{size:A4;margin:14mm 13mm 14mm 13mm}
body{font-family:"Microsoft YaHei","PingFang SC","Hiragino Sans GB","Noto Sans CJK SC","Source Han Sans SC",
"WenQuanYi Zen Hei","WenQuanYi Micro Hei",SimHei,sans-serif;max-width:960px;margin:2em auto;color:#222;
line-height:1.35;font-size:9.5pt}
h1{font-size:17pt;border-bottom:2px solid #333;margin:0 0 .3em}h2{font-size:13pt;margin:1.1em 0 .4em;border-bottom:1px solid #aaa}
h3{font-size:11pt;margin:.9em 0 .3em}
h1,h2,h3{break-after:avoid;page-break-after:avoid}
table{border-collapse:collapse;width:100%;margin:.3em 0}
thead{display:table-header-group}
tr{break-inside:avoid;page-break-inside:avoid}
th,td{border:1px solid #bbb;padding:1px 4px;vertical-align:top;font-size:8.5pt}
col.box{width:2.2em}col.material{width:34%}
th{background:#eee;text-align:left;white-space:nowrap}td.amount{text-align:right;white-space:nowrap}
ul{margin:.2em 0;padding-left:1.4em}li{margin:0}
.notice{border:2px solid #b34700;background:#fff4e5;padding:.4em .8em;margin:.6em 0}
.notice p{margin:.1em 0;font-weight:bold;color:#8a1f00}.notice p.basis{font-weight:normal;color:#444;font-size:9pt}
.totals{font-size:11pt}.totals li:first-child{font-weight:bold}
.quote{background:#f7f7f2;border-left:3px solid #999;padding:1px 6px;margin:.15em 0;font-size:9pt}
.measure{margin:0 0 .6em}.measure p{margin:.15em 0}.note{color:#8a1f00}
.small{font-size:9pt;color:#555}.box{font-family:sans-serif}
@media print{body{margin:0;max-width:none}a{color:inherit}}
"""


def to_html(assessment: Assessment, engine: Engine, profile: Profile) -> str:
    """A printable report: page one holds the company, date, the documents' status and
    warnings, the totals and the eligible measures; the rest follows without forced breaks."""

    def e(text: object) -> str:
        return html.escape(clean(text))

    eligible, possible = assessment.by_status(ELIGIBLE), assessment.by_status(POSSIBLE)
    ineligible = assessment.by_status(INELIGIBLE)
    name = e(company_name(profile))
    parts = [
        f"<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'><title>{name} 政策匹配报告</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{name} 政策匹配报告</h1>",
        f"<p>评估日期：{e(assessment.as_of.isoformat())}　生成：政策顾问（离线）</p>",
    ]
    notices = notice_lines(assessment)
    if notices:
        parts.append(
            "<div class='notice'>"
            + "".join(f"<p class='basis'>{e(n)}</p>" if BASIS_NOTICE in n else f"<p>注意：{e(n)}</p>" for n in notices)
            + "</div>"
        )
    parts.append(
        "<p class='small'>所依据的文件："
        + "；".join(f"《{e(title)}》{e(status)}（{e(dates)}）" for title, status, dates in sources_used(assessment))
        + "</p>"
    )
    parts.append(
        "<h2>合计</h2><ul class='totals'>"
        + "".join(f"<li>{e(line)}</li>" for line in totals_lines(assessment))
        + "</ul>"
    )
    parts.append("<p class='small'>" + " ".join(e(n) for n in assessment.totals.notes) + "</p>")
    if assessment.totals.not_counted:
        parts.append(
            "<p class='small'><b>未计入合计：</b>"
            + "；".join(f"{e('、'.join(titles))}（{e(reason)}）" for reason, titles in not_counted_groups(assessment))
            + "</p>"
        )
    review = uniform_review(eligible)
    if eligible:
        parts.append(f"<h2>符合的措施（{len(eligible)} 项）</h2>")
        if review is not None:
            parts.append(f"<p class='small'>审核方式：全部为“{e(review)}”。</p>")
        head = (
            "<th>措施</th><th>文件与条款</th><th>估算金额</th>"
            + ("" if review else "<th>审核方式</th>")
            + "<th>计入合计</th>"
        )
        parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>")
        for r in eligible:
            parts.append(
                f"<tr><td>{e(r.measure.title)}</td><td>{e(source_ref(r))}</td><td class='amount'>{e(r.amount.display())}</td>"
                + ("" if review else f"<td>{e(r.measure.review)}</td>")
                + f"<td>{'是' if r.counted_in_total else '否'}</td></tr>"
            )
        parts.append("</tbody></table>")
        parts.append("<h2>符合的措施：条款、计算、条件和材料</h2>")
        for r in eligible:
            materials = [
                engine.catalogue.materials[m].name for m in r.measure.materials if m in engine.catalogue.materials
            ]
            parts.append(
                f"<div class='measure'><h3>{e(r.measure.title)}　<span class='small'>{e(source_ref(r))}</span></h3>"
            )
            parts.append(f"<p class='quote'>“{e(r.measure.quote)}”</p>")
            parts.append(
                f"<p><b>金额：</b>{e(r.amount.display())}（{e(r.count_note)}）　<b>计算：</b>{e(r.amount.calculation)}</p>"
            )
            parts.append("<p><b>条件：</b>" + "；".join(f"✓ {e(c.text)}" for c in r.conditions) + "</p>")
            if materials:
                parts.append(f"<p><b>材料：</b>{e('、'.join(materials))}</p>")
            for note in r.measure.notes:
                parts.append(f"<p class='note'>注：{e(note)}</p>")
            if r.interpretations:
                parts.append(
                    "<p class='note'>采用的解读（见附录）："
                    + "；".join(e(entry.title) for entry in r.interpretations)
                    + "</p>"
                )
            parts.append("</div>")
    if possible:
        parts.append(f"<h2>可能符合的措施（{len(possible)} 项，补充信息后确定）</h2>")
        parts.append(
            "<table><thead><tr><th>措施</th><th>文件与条款</th><th>估算金额</th><th>待确认的问题</th></tr></thead><tbody>"
        )
        for r in possible:
            parts.append(
                f"<tr><td>{e(r.measure.title)}</td><td>{e(source_ref(r))}</td>"
                f"<td class='amount'>{e(r.amount.display())}</td><td>{e(_missing_labels(r, engine))}</td></tr>"
            )
        parts.append("</tbody></table>")
    blocks = near_miss_blocks(assessment, e)
    if blocks:
        parts.append("<h2>差一点与可以考虑的措施</h2><ul>")
        parts += [f"<li>{heading}：{line}</li>" for heading, lines in blocks for line in lines]
        parts.append("</ul>")
    if assessment.checklist:
        parts.append(f"<h2>申请材料清单</h2><p class='small'>{e(MATERIALS_NOTE)}</p>")
        for for_eligible, heading in ((True, "符合的措施需要"), (False, "仅可能符合的措施需要（确认符合后再准备）")):
            items = [i for i in assessment.checklist if i.for_eligible == for_eligible]
            if not items:
                continue
            parts.append(
                f"<h3>{heading}</h3><table><colgroup><col class='box'><col class='material'><col></colgroup>"
                "<thead><tr><th>准备</th><th>材料</th><th>用于</th></tr></thead><tbody>"
            )
            for item in items:
                titles = item.eligible_titles if for_eligible else item.titles
                parts.append(
                    f"<tr><td class='box'>{'☑' if item.ready else '☐'}</td><td>{e(item.material.name)}</td>"
                    f"<td>{e('、'.join(titles))}</td></tr>"
                )
            parts.append("</tbody></table>")
    parts.append(
        "<h2>评估依据的回答</h2><p class='small'>请逐项核对；标为“未回答”的问题决定了部分措施只能列为“可能符合”。</p>"
    )
    # Two answers a row: the page of answers stays short enough to check at a glance.
    parts.append(
        "<table class='answers'><thead><tr><th>分组</th><th>问题</th><th>回答</th><th>问题</th><th>回答</th>"
        "</tr></thead><tbody>"
    )
    for title, rows in answer_groups(engine, profile, assessment.as_of):
        pairs = [rows[i : i + 2] for i in range(0, len(rows), 2)]
        for index, pair in enumerate(pairs):
            group = f"<td rowspan='{len(pairs)}'>{e(title)}</td>" if index == 0 else ""
            cells = "".join(
                f"<td>{e(label)}</td><td>{e(value) if known else f'<b>{e(value)}</b>'}</td>"
                for label, value, known in pair
            )
            if len(pair) == 1:
                cells += "<td></td><td></td>"
            parts.append(f"<tr>{group}{cells}</tr>")
    parts.append("</tbody></table>")
    used = interpretations_used(assessment)
    if used:
        parts.append(
            "<h2>附：本报告采用的解读</h2><p class='small'>原文有歧义或本工具必须作出假定之处，以及选定的理解：</p><ul class='small'>"
        )
        parts += [f"<li><b>{e(entry.title)}</b>：{e(entry.chosen)}（影响：{e(entry.effect)}）</li>" for entry in used]
        parts.append("</ul>")
    if ineligible:
        parts.append(f"<h2>附：不符合的措施（{len(ineligible)} 项）</h2><ul class='small'>")
        parts += [f"<li>{e(r.measure.title)}（{e(source_ref(r))}）：{e(_failed_text(r))}</li>" for r in ineligible]
        parts.append("</ul>")
    parts.append(f"<h2>说明</h2><p class='small'>{e(_DISCLAIMER)}</p></body></html>")
    return "\n".join(parts)


def today() -> _dt.date:
    return _dt.date.today()
