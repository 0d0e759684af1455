"""What the company takes home and what the desk sees: near misses that mean
something, materials by measure name, warnings before any figure, no internal id
in a report, hostile text shown literally, and the printed report in Chromium."""

from __future__ import annotations

import datetime as dt
import html
import io
import itertools
import re
import shutil
import subprocess
import sys
from decimal import Decimal as D
from pathlib import Path

import pytest
from rich.console import Console

from advisor import report
from advisor.profile_io import load_profile
from advisor.results import ELIGIBLE, POSSIBLE

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "guangming-ai-company.toml"
AS_OF = dt.date(2026, 11, 21)
HOSTILE = "[bold]红[/bold]<script>alert(1)</script>\x1b[31m\u202e`*_|#"


def example():
    return load_profile(EXAMPLE)


def internal_ids(engine) -> set[str]:
    """Every id a company should never read: measures, materials, documents."""
    c = engine.catalogue
    return {m.id for m in c.measures} | set(c.materials) | set(c.sources)


def visible_html_text(page: str) -> str:
    return html.unescape(re.sub(r"<style>.*?</style>|<[^>]+>", " ", page, flags=re.S))


# --- near misses and suggestions ---------------------------------------------------------------


def test_a_reachable_gap_names_both_values_and_its_worth(engine) -> None:
    p = example()
    p.space.leased_area_m2 = 400
    a = engine.match(p, AS_OF)
    gaps = {r.measure.id: r.near_miss for r in a.near_misses}
    assert "gm-11-1" in gaps
    gap = gaps["gm-11-1"]
    assert gap.kind == "gap" and "400平方米 → 500平方米" in gap.gap_text
    assert gap.amount.max_yuan == 30 * 500 * 12 and gap.worth_yuan > 0
    assert all(r.near_miss.worth_yuan > 0 for r in a.near_misses)
    worths = [r.near_miss.worth_yuan for r in a.near_misses]
    assert worths == sorted(worths, reverse=True)  # ranked by what they unlock


def test_an_unreachable_gap_is_not_a_near_miss(engine) -> None:
    p = example()
    p.space.leased_area_m2 = 100  # 500 is five times as much: not "nearly"
    a = engine.match(p, AS_OF)
    assert "gm-11-1" not in {r.measure.id for r in a.near_misses}


def test_spending_nothing_yet_is_a_suggestion_with_its_formula(engine) -> None:
    p = example()
    p.compute.purchase_in_district_wan = D(0)
    a = engine.match(p, AS_OF)
    assert not any("还差 0" in r.near_miss.gap_text for r in a.near_misses + a.suggestions)
    suggestion = next(r for r in a.suggestions if r.measure.id == "gm-02-3")
    assert suggestion.near_miss.kind == "suggestion"
    formula = suggestion.near_miss.formula
    assert "30%" in formula and "200万元" in formula  # what the clause pays, from its own figures
    assert suggestion not in a.near_misses


def test_where_a_company_is_is_never_a_near_miss(engine) -> None:
    p = example()
    p.identity.registered_district = "南山区"
    a = engine.match(p, AS_OF)
    for r in a.near_misses + a.suggestions:
        assert not r.near_miss.fact.startswith(("identity.", "applicant."))


# --- materials -----------------------------------------------------------------------------------


def test_checklist_puts_eligible_materials_first_and_names_measures(engine) -> None:
    a = engine.match(example(), AS_OF)
    flags = [item.for_eligible for item in a.checklist]
    assert True in flags and False in flags
    assert flags == sorted(flags, reverse=True)  # every eligible-need before any possible-only one
    titles = {r.measure.id: r.measure.title for r in a.results}
    for item in a.checklist:
        assert item.titles == [titles[m] for m in item.measures]
        if item.for_eligible:
            assert item.eligible_titles
        else:
            assert all(r.status == POSSIBLE for r in a.results if r.measure.id in item.measures)


# --- reports --------------------------------------------------------------------------------------


def _first_figure(text: str, notices: list[str]) -> int:
    """Where the first figure of the report stands, not counting the notices' own text
    (the superseded-draft notice quotes the final text's amounts)."""
    for notice in notices:
        text = text.replace(notice, "※" * len(notice))
    return min(i for i in (text.find("万元"), text.find("确定金额")) if i >= 0)


def said(notice: str) -> str:
    """What of a notice a report must show: a national rule's notice is merged with the others
    the same document cites, so its rule's name stands for it."""
    if notice.startswith(report.BASIS_NOTICE):
        return notice[len(report.BASIS_NOTICE) + 1 : notice.index("）独立有效")]
    return notice


def test_markdown_states_warnings_first_and_shows_no_id(engine) -> None:
    p = example()
    a = engine.match(p, AS_OF)
    md = report.to_markdown(a, engine, p)
    assert a.notices
    first = _first_figure(md, [report._md(n) for n in a.notices])
    for notice in a.notices:
        assert 0 <= md.find(report._md(said(notice))) < first, notice
    for internal in internal_ids(engine):
        assert not re.search(rf"(?<![\w-]){re.escape(internal)}(?![\w-])", md), internal
    assert "## 评估依据的回答" in md and "未回答" in md
    assert report.MATERIALS_NOTE in md


def test_html_states_warnings_first_and_shows_no_id(engine) -> None:
    p = example()
    a = engine.match(p, AS_OF)
    text = visible_html_text(report.to_html(a, engine, p))
    first = _first_figure(text, a.notices)
    for notice in a.notices:
        assert 0 <= text.find(said(notice)) < first, notice
    for internal in internal_ids(engine):
        assert not re.search(rf"(?<![\w-]){re.escape(internal)}(?![\w-])", text), internal
    for r in a.by_status(ELIGIBLE):
        assert r.measure.title in text


def test_hostile_company_name_is_shown_literally(engine) -> None:
    p = example()
    p.identity.name = HOSTILE
    p.projects.funded[0].name = HOSTILE  # shown on the answers page
    a = engine.match(p, AS_OF)
    page = report.to_html(a, engine, p)
    assert page.count("&lt;script&gt;") >= 2
    assert "<script>" not in page and "\x1b" not in page and "\u202e" not in page
    assert "&lt;script&gt;" in page
    md = report.to_markdown(a, engine, p)
    assert "\x1b" not in md and "\u202e" not in md and "<script>" not in md
    out = io.StringIO()
    report.print_table(a, engine, p, Console(file=out, width=80, color_system=None))
    shown = out.getvalue()
    assert "\x1b" not in shown and "[bold]红[/bold]" in shown and "\\x1b" in shown


def test_table_states_warnings_first_and_never_breaks_an_amount(engine) -> None:
    p = example()
    a = engine.match(p, AS_OF)
    for width in (80, 120):
        out = io.StringIO()
        report.print_table(a, engine, p, Console(file=out, width=width, color_system=None))
        shown = out.getvalue()
        lines = shown.splitlines()
        assert shown.find("注意") < shown.find("估算金额")
        for r in a.results:
            if r.status != "ineligible":
                amount = r.amount.display()
                assert any(amount in line for line in lines), (width, amount)
        assert not any(re.search(r"\d,$", line.rstrip()) for line in lines)


def test_fold_never_splits_a_number() -> None:
    for width in range(6, 30):
        joined = report.fold_cells("依据公告2023年第7号，最高1,000万元", width)
        assert "".join(joined) == "依据公告2023年第7号，最高1,000万元"
        for a, b in itertools.pairwise(joined):
            assert not (a[-1] in "0123456789," and b[0] in "0123456789,"), (width, joined)


# --- printing -------------------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PDFTOTEXT, PDFINFO = shutil.which("pdftotext"), shutil.which("pdfinfo")


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium 未安装：无法打印报告（.ci/run 会安装）")
@pytest.mark.skipif(PDFTOTEXT is None or PDFINFO is None, reason="poppler-utils 未安装（.ci/run 会安装）")
def test_the_printed_report_is_short_warns_first_and_shows_no_id(engine, tmp_path: Path) -> None:
    p = example()
    a = engine.match(p, AS_OF)
    page = tmp_path / "report.html"
    page.write_text(report.to_html(a, engine, p), encoding="utf-8")
    pdf = tmp_path / "report.pdf"
    done = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert pdf.exists(), done.stderr
    info = subprocess.run([PDFINFO, str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert 1 <= pages <= 10, f"{pages} pages"
    text = subprocess.run(
        [PDFTOTEXT, "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = re.sub(r"\s+", "", text)
    assert "深圳光明智算科技有限公司" in flat  # the CJK font printed real characters
    for internal in internal_ids(engine):
        assert not re.search(rf"(?<![\w-]){re.escape(internal)}(?![\w-])", text), internal
        if "-" in internal or "_" in internal:
            assert internal not in flat, internal
    page_one = subprocess.run(
        [PDFTOTEXT, "-enc", "UTF-8", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat_one = re.sub(r"\s+", "", page_one)
    assert "征求意见稿" in flat_one and "确定金额" in flat_one
    assert flat_one.find("征求意见稿") < flat_one.find("确定金额")


def test_help_and_errors_are_in_chinese() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "advisor", "match", "--help"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == 0
    assert "用法：" in done.stdout and "选项" in done.stdout and "显示本帮助并退出" in done.stdout
    assert "usage" not in done.stdout and "options" not in done.stdout and "show this help" not in done.stdout
    done = subprocess.run(
        [sys.executable, "-m", "advisor", "match"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == 2 and "缺少参数" in done.stderr and "required" not in done.stderr


def test_national_rules_a_document_cites_are_named_in_one_notice(engine, as_of) -> None:
    profile = load_profile(Path(__file__).resolve().parents[2] / "examples" / "nanshan-company.toml")
    assessment = engine.match(profile, as_of)
    cited = [n for n in assessment.notices if n.startswith(report.BASIS_NOTICE)]
    assert len(cited) >= 3  # the engine states each national rule (JSON keeps them apart)
    lines = [line for line in report.notice_lines(assessment) if report.BASIS_NOTICE in line]
    prefixes = [line.split("：", 1)[0] for line in lines]
    assert len(prefixes) == len(set(prefixes)), "one line per citing document"
    for notice in cited:
        rule = notice[len(report.BASIS_NOTICE) + 1 : notice.index("）独立有效")]
        assert sum(rule in line for line in lines) == 1, rule
    assert len(lines) < len(cited)
