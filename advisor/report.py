"""Rendering an assessment: a rich table for the terminal, Markdown, printable HTML.

All user and rule text goes through ``rich.text.Text`` (never markup) in the
terminal and through ``html.escape`` in HTML, so a company called
``[bold]`` or ``<script>`` is shown literally.
"""

from __future__ import annotations

import datetime as _dt
import html
import json
from typing import Any

from rich import box
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from advisor.engine import ELIGIBLE, INELIGIBLE, POSSIBLE, STATUS_LABEL, Assessment, Engine, MatchResult, assessment_json
from advisor.money import format_wan_range
from advisor.profile import Profile
from advisor.terminal_text import printable

STATUS_STYLE = {ELIGIBLE: "bold green", POSSIBLE: "yellow", INELIGIBLE: "dim"}
CATEGORY_LABEL = {
    "cash_award": "奖励", "matching_funds": "配套资助", "rent_subsidy": "租金补贴",
    "interest_subsidy": "贴息贴保", "tax_incentive": "税收优惠", "service": "服务保障",
    "investment_subsidy": "投资资助", "cost_subsidy": "费用资助",
}


def clean(text: str) -> str:
    """User text made safe to print (``terminal_text.printable``; newlines and tabs kept)."""
    return printable(text, multiline=True)


def company_name(profile: Profile) -> str:
    """The company's name on one line, safe for a terminal (a newline in it is shown as \\x0a)."""
    return printable(profile.identity.name) if profile.identity.name else "（未填写单位名称）"


_NUMERALS = set("一二三四五六七八九十百")


def article_ref(article: str) -> str:
    """第十一条 for a numbered article; part and item as printed otherwise (四（二）)."""
    return f"第{article}条" if set(article) <= _NUMERALS else article


def source_ref(r: MatchResult) -> str:
    """Short document name and article: 光明区AI软件措施 第十一条."""
    return f"{r.source.short_title or r.source.title} {article_ref(r.measure.article)}"


def totals_lines(assessment: Assessment) -> list[str]:
    t = assessment.totals
    lines = [
        f"符合 {t.eligible_count} 项，估算合计 {format_wan_range(t.eligible_min_yuan, t.eligible_max_yuan)}",
        f"可能符合 {t.possible_count} 项（补充信息后确定），估算合计 {format_wan_range(t.possible_min_yuan, t.possible_max_yuan)}",
        f"不符合 {t.ineligible_count} 项",
    ]
    if t.not_counted:
        lines.append(f"未计入合计 {len(t.not_counted)} 项（一事一议、未公布金额、非资金支持、税收优惠或同类就高）")
    return lines


#: Validity states that earn a warning next to the results.
_NOTICE_STATES = ("draft", "expired", "not_yet")


def validity_notices(assessment: Assessment) -> list[str]:
    """One warning per document, among the results still in play, that is a draft,
    expired or not yet in force."""
    notices: dict[str, str] = {}
    for r in assessment.results:
        if r.status == INELIGIBLE or r.validity.state not in _NOTICE_STATES or not r.validity.warnings:
            continue
        notices.setdefault(r.source.title, f"《{r.source.title}》{r.validity.warnings[0]}")
    return list(notices.values())


# --- terminal -----------------------------------------------------------------------------


def render_table(assessment: Assessment, engine: Engine, profile: Profile, *, show_all: bool = False) -> Group:
    header = Text(f"{company_name(profile)} · 政策匹配结果 · 按 {assessment.as_of.isoformat()} 计", style="bold")
    safe = lambda s: Text(printable(s))  # noqa: E731 - rule and user text, never raw on the terminal
    table = Table(box=box.SIMPLE_HEAVY, show_lines=False, expand=False, pad_edge=False)
    table.add_column("状态", no_wrap=True)
    table.add_column("措施", overflow="fold", ratio=3)
    table.add_column("文件与条款", overflow="fold", ratio=2)
    table.add_column("估算金额", justify="right", overflow="fold", ratio=2)
    table.add_column("审核", overflow="fold")
    table.add_column("计入", no_wrap=True)
    shown = [r for r in assessment.results if show_all or r.status != INELIGIBLE]
    for r in shown:
        table.add_row(
            Text(STATUS_LABEL[r.status], style=STATUS_STYLE[r.status]),
            safe(r.measure.title),
            safe(source_ref(r)),
            safe(r.amount.display()),
            safe(r.measure.review),
            Text("是" if r.counted_in_total else "否"),
        )
    parts: list[Any] = [header, table]
    parts.extend(Text(line) for line in totals_lines(assessment))
    near = assessment.near_misses
    if near:
        parts.append(Text("\n差一点：", style="bold"))
        for r in near:
            assert r.near_miss is not None
            parts.append(safe(f"· {r.measure.title}：{r.near_miss.gap_text}；达到后约 {r.near_miss.amount.display()}"))
    hidden = len(assessment.results) - len(shown)
    if hidden:
        parts.append(Text(f"\n另有 {hidden} 项不符合，加 --all 查看原因。", style="dim"))
    notices = validity_notices(assessment)
    if notices:
        parts.append(Text("\n注意：", style="bold"))
        parts.extend(safe(f"·{notice}") for notice in notices)
    return Group(*parts)


def print_table(assessment: Assessment, engine: Engine, profile: Profile, console: Console, *, show_all: bool = False) -> None:
    console.print(render_table(assessment, engine, profile, show_all=show_all))


# --- JSON ---------------------------------------------------------------------------------


def to_json(assessment: Assessment, engine: Engine, profile: Profile) -> str:
    data = assessment_json(assessment, engine)
    data = {"company": profile.identity.name, **data}
    return json.dumps(data, ensure_ascii=False, indent=2)


def summary_rows(assessment: Assessment) -> list[tuple[MatchResult, tuple[str, str, str, str, str, str]]]:
    """The overview rows of a report (measures still in play): 状态, 措施, 文件与条款, 估算金额, 审核, 计入合计."""
    return [
        (r, (STATUS_LABEL[r.status], r.measure.title, source_ref(r), r.amount.display(), r.measure.review,
             "是" if r.counted_in_total else "否"))
        for r in assessment.results if r.status != INELIGIBLE
    ]


# --- Markdown -----------------------------------------------------------------------------


def _md(text: str) -> str:
    """Escape Markdown control characters in user and rule text. Newlines are escaped
    (``printable``), so a name can never start a line: no heading, ``===`` underline,
    list item or table row can come from it; inline markers (`*_[]<>|#) are escaped."""
    out = printable(text)
    for ch in "\\`*_[]<>|#":
        out = out.replace(ch, "\\" + ch)
    return out


def _detail_lines(r: MatchResult) -> list[str]:
    lines = [
        f"- 来源：《{r.source.title}》{article_ref(r.measure.article)}（{r.validity.label}）",
        f"- 原文：“{r.measure.quote}”",
        f"- 金额：{r.amount.display()}",
        f"- 计算：{r.amount.calculation}",
        f"- 审核方式：{r.measure.review}；{r.count_note}",
    ]
    for c in r.conditions:
        mark = {"met": "✓", "failed": "✗", "unknown": "?"}[c.state]
        lines.append(f"- {mark} {c.text}")
    if r.missing:
        lines.append("- 待回答：" + "、".join(r.missing))
    for note in (*r.measure.notes, *r.validity.warnings):
        lines.append(f"- 注：{note}")
    return lines


def to_markdown(assessment: Assessment, engine: Engine, profile: Profile) -> str:
    out = [f"# {_md(company_name(profile))} 政策匹配报告", "",
           f"评估日期：{assessment.as_of.isoformat()}　生成：政策顾问（离线）", ""]
    out += ["## 合计", ""] + [f"- {line}" for line in totals_lines(assessment)]
    out += [f"- {_md(n)}" for n in assessment.totals.notes] + [""]
    out += ["## 结果一览", "", "| 状态 | 措施 | 文件与条款 | 估算金额 | 审核 | 计入合计 |", "|---|---|---|---|---|---|"]
    for r, cells in summary_rows(assessment):
        out.append("| " + " | ".join(_md(c) for c in cells) + " |")
    out.append("")
    for status in (ELIGIBLE, POSSIBLE):
        group = assessment.by_status(status)
        if not group:
            continue
        out += [f"## {STATUS_LABEL[status]}的措施", ""]
        for r in group:
            out += [f"### {_md(r.measure.title)}", ""] + [_md(line) if i else line for i, line in enumerate(_detail_lines(r))] + [""]
    if assessment.near_misses:
        out += ["## 差一点", ""]
        for r in assessment.near_misses:
            assert r.near_miss
            out.append(f"- {_md(r.measure.title)}：{_md(r.near_miss.gap_text)}；达到后约 {_md(r.near_miss.amount.display())}")
        out.append("")
    if assessment.checklist:
        out += ["## 申请材料清单", ""]
        for item in assessment.checklist:
            out.append(f"- [{'x' if item.ready else ' '}] {_md(item.material.name)}（{'、'.join(item.measures)}）")
        out.append("")
    out += ["## 说明", "", "- 本报告依据政策原文离线生成，金额为按原文条款的估算，最终以主管部门审核和当年申请指南为准。",
            "- 原文只给出上限的，显示为“最高”；一事一议、未公布金额的，不作估算。", ""]
    return "\n".join(out)


# --- HTML ---------------------------------------------------------------------------------

_CSS = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;max-width:960px;margin:2em auto;color:#222;line-height:1.6}
h1{font-size:1.6em;border-bottom:2px solid #333}h2{margin-top:1.6em;border-bottom:1px solid #aaa}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #bbb;padding:4px 6px;vertical-align:top;font-size:.92em}
th{background:#f0f0f0}.eligible{color:#075e07;font-weight:bold}.possible{color:#8a5a00}.quote{background:#f7f7f2;border-left:3px solid #999;padding:4px 8px}
.measure{page-break-inside:avoid;margin-bottom:1em}.warn{color:#8a1f00}
@media print{body{margin:0;max-width:none}a{color:inherit}}
"""


def to_html(assessment: Assessment, engine: Engine, profile: Profile) -> str:
    e = lambda s: html.escape(clean(str(s)))  # noqa: E731
    name = e(company_name(profile))
    parts = [f"<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'><title>{name} 政策匹配报告</title>",
             f"<style>{_CSS}</style></head><body>", f"<h1>{name} 政策匹配报告</h1>",
             f"<p>评估日期：{e(assessment.as_of.isoformat())}　生成：政策顾问（离线）</p>", "<h2>合计</h2><ul>"]
    parts += [f"<li>{e(line)}</li>" for line in totals_lines(assessment)]
    parts += [f"<li>{e(n)}</li>" for n in assessment.totals.notes] + ["</ul>"]
    parts.append("<h2>结果一览</h2><table><tr><th>状态</th><th>措施</th><th>文件与条款</th><th>估算金额</th><th>审核</th><th>计入合计</th></tr>")
    for r, cells in summary_rows(assessment):
        status, *rest = cells
        parts.append(f"<tr><td class='{r.status}'>{e(status)}</td>" + "".join(f"<td>{e(c)}</td>" for c in rest) + "</tr>")
    parts.append("</table>")
    for status in (ELIGIBLE, POSSIBLE):
        group = assessment.by_status(status)
        if group:
            parts.append(f"<h2>{STATUS_LABEL[status]}的措施</h2>")
        for r in group:
            parts.append(f"<div class='measure'><h3>{e(r.measure.title)}</h3>")
            parts.append(f"<p>《{e(r.source.title)}》{e(article_ref(r.measure.article))}（{e(r.validity.label)}）</p>")
            parts.append(f"<p class='quote'>{e(r.measure.quote)}</p>")
            parts.append(f"<p><b>金额：</b>{e(r.amount.display())}<br><b>计算：</b>{e(r.amount.calculation)}<br>"
                         f"<b>审核方式：</b>{e(r.measure.review)}；{e(r.count_note)}</p><ul>")
            for c in r.conditions:
                parts.append(f"<li>{'✓' if c.state == 'met' else '✗' if c.state == 'failed' else '?'} {e(c.text)}</li>")
            parts.append("</ul>")
            for note in (*r.measure.notes, *r.validity.warnings):
                parts.append(f"<p class='warn'>注：{e(note)}</p>")
            parts.append("</div>")
    if assessment.near_misses:
        parts.append("<h2>差一点</h2><ul>")
        for r in assessment.near_misses:
            assert r.near_miss
            parts.append(f"<li>{e(r.measure.title)}：{e(r.near_miss.gap_text)}；达到后约 {e(r.near_miss.amount.display())}</li>")
        parts.append("</ul>")
    if assessment.checklist:
        parts.append("<h2>申请材料清单</h2><table><tr><th>准备</th><th>材料</th><th>用于</th></tr>")
        for item in assessment.checklist:
            parts.append(f"<tr><td>{'☑' if item.ready else '☐'}</td><td>{e(item.material.name)}</td><td>{e('、'.join(item.measures))}</td></tr>")
        parts.append("</table>")
    parts.append("<h2>说明</h2><p>本报告依据政策原文离线生成，金额为按原文条款的估算，最终以主管部门审核和当年申请指南为准。"
                 "原文只给出上限的显示为“最高”；一事一议、未公布金额的不作估算。</p></body></html>")
    return "\n".join(parts)


def today() -> _dt.date:
    return _dt.date.today()
