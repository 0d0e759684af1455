"""The results screen with Pilot: rows and totals for three kinds of company,
filters and sorting, the measure detail, near misses and the checklist."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from rich.console import Console
from rich.text import Text
from textual.widgets import SelectionList, Static

from advisor.profile_io import load_profile
from advisor.report import totals_lines
from advisor.results import ELIGIBLE, INELIGIBLE, POSSIBLE
from screens.app import AdvisorApp
from screens.checklist import ChecklistScreen
from screens.measure_detail import MeasureDetailScreen
from screens.results import ResultsScreen
from screens.widgets.near_miss_list import NearMissList
from screens.widgets.results_table import ResultsTable, column_widths
from screens.widgets.totals_panel import TotalsPanel

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
AS_OF = dt.date(2026, 11, 21)
SIZE = (100, 34)


def make_app(engine, example: str) -> AdvisorApp:
    app = AdvisorApp(engine, as_of=AS_OF)
    app.profile = load_profile(EXAMPLES / example)
    return app


async def open_results(app: AdvisorApp, pilot) -> ResultsScreen:
    await app.push_screen(ResultsScreen())
    await pilot.pause()
    assert isinstance(app.screen, ResultsScreen)
    return app.screen


def shown_ids(screen: ResultsScreen) -> list[str]:
    table = screen.query_one("#results", ResultsTable)
    return [str(key.value) for key in table.rows]


def row_text(screen: ResultsScreen, measure_id: str) -> list[str]:
    table = screen.query_one("#results", ResultsTable)
    return [cell.plain if isinstance(cell, Text) else str(cell) for cell in table.get_row(measure_id)]


def static_text(widget: Static) -> str:
    """What a Static shows, as plain text (Text, Content or a rich Table)."""
    console = Console(width=400, file=io.StringIO(), record=True, color_system=None)
    console.print(widget.content)
    return console.export_text()


# --- three kinds of company -----------------------------------------------------------------


async def test_guangming_ai_company_rows_amounts_and_totals(engine) -> None:
    app = make_app(engine, "guangming-ai-company.toml")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_results(app, pilot)
        expected = engine.match(app.profile, AS_OF)
        assert shown_ids(screen) == [r.measure.id for r in expected.results]  # the engine's ranking
        matching = row_text(screen, "gm-01-1")
        assert matching[0] == "符合" and matching[3] == "200万元" and matching[-1] == "是"
        rent = row_text(screen, "gm-11-1")
        assert rent[0] == "符合" and rent[3].startswith("28.8万元/年")
        assert rent[2].endswith("第十一条")  # the article always shows, the document name gives way
        totals = screen.query_one("#totals", TotalsPanel).plain
        for line in totals_lines(expected):
            assert line in totals
        assert "未计入合计" in totals and "一事一议" in totals  # says what it leaves out
        banner = static_text(screen.query_one("#notice-banner", Static))
        assert "征求意见稿" in banner and screen.query_one("#notice-banner").region.y < 5  # flagged up top


async def test_longgang_company_shows_its_measures_and_the_draft_warning(engine) -> None:
    app = make_app(engine, "longgang-ai-company.toml")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_results(app, pilot)
        expected = engine.match(app.profile, AS_OF)
        longgang = [r for r in expected.results if r.measure.region == "深圳市龙岗区" and r.status != INELIGIBLE]
        assert longgang, "the 龙岗 company should match 龙岗 measures"
        for r in longgang:
            assert row_text(screen, r.measure.id)[3] == r.amount.display()
        assert all(r.measure.region != "深圳市光明区" for r in expected.results if r.status == ELIGIBLE)
        assert "注意" in static_text(screen.query_one("#notice-banner", Static))
        await pilot.press("w")  # the banner opens every notice in full
        await pilot.pause()
        assert "起草说明" in static_text(app.screen.query_one("#notice-text", Static))
        await pilot.press("escape")
        assert app.screen is screen


async def test_park_operator_gets_the_park_measures_only(engine) -> None:
    app = make_app(engine, "guangming-park-operator.toml")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_results(app, pilot)
        await pilot.press("2")
        eligible = shown_ids(screen)
        assert eligible and all(engine.catalogue.measure(m).applicants == ["park_operator"] for m in eligible)
        assert {"gm-10-1", "gm-10-2"} <= set(eligible)  # 特色园区 and 软件名园
        assert f"符合 {len(eligible)} 项" in screen.query_one("#totals", TotalsPanel).plain


# --- filters and sorting ----------------------------------------------------------------------


async def test_status_region_and_category_filters_change_the_rows(engine) -> None:
    app = make_app(engine, "guangming-ai-company.toml")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_results(app, pilot)
        assessment = engine.match(app.profile, AS_OF)
        total = len(assessment.results)
        for key, status in (("2", ELIGIBLE), ("3", POSSIBLE), ("4", INELIGIBLE)):
            await pilot.press(key)
            assert shown_ids(screen) == [r.measure.id for r in assessment.by_status(status)]
        await pilot.press("1")
        assert len(shown_ids(screen)) == total
        await pilot.press("r")  # the first region
        region = screen.region_filter
        assert shown_ids(screen) == [r.measure.id for r in assessment.results if r.measure.region == region]
        assert len(shown_ids(screen)) < total
        assert f"地区：{region}" in static_text(screen.query_one("#filter-bar", Static))
        await pilot.press("c")
        category = screen.category_filter
        assert all(engine.catalogue.measure(m).category == category for m in shown_ids(screen))
        await pilot.press("1")  # status back to all; region and category stay
        assert all(engine.catalogue.measure(m).region == region for m in shown_ids(screen))


async def test_sort_toggles_between_ranking_and_amount(engine) -> None:
    app = make_app(engine, "guangming-ai-company.toml")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_results(app, pilot)
        ranked = shown_ids(screen)
        table = screen.query_one("#results", ResultsTable)
        rank = {ELIGIBLE: 0, POSSIBLE: 1, INELIGIBLE: 2}
        await pilot.press("s")  # by amount, status groups kept (eligible first)
        grouped = shown_ids(screen)
        assert sorted(grouped) == sorted(ranked)
        keys = [(rank[table.result_for(m).status], *(-v for v in table.result_for(m).value_key)) for m in grouped]
        assert keys == sorted(keys)
        await pilot.press("s")  # by amount across the groups, as asked
        by_amount = shown_ids(screen)
        values = [table.result_for(m).value_key for m in by_amount]
        assert values == sorted(values, reverse=True) and by_amount != grouped
        await pilot.press("s")
        assert shown_ids(screen) == ranked


def test_columns_fit_the_table_width() -> None:
    for width in (80, 100, 140):
        widths = column_widths(width)
        assert sum(widths.values()) + 2 * len(widths) + 2 <= width
        assert widths["amount"] >= 14 and widths["source"] >= 10


# --- detail ------------------------------------------------------------------------------------


async def test_detail_shows_quote_in_context_conditions_and_calculation(engine) -> None:
    app = make_app(engine, "guangming-ai-company.toml")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_results(app, pilot)
        table = screen.query_one("#results", ResultsTable)
        table.move_cursor(row=shown_ids(screen).index("gm-01-1"))
        await pilot.press("enter")
        await pilot.pause()
        detail = app.screen
        assert isinstance(detail, MeasureDetailScreen) and detail.result.measure.id == "gm-01-1"
        quote = static_text(detail.query_one("#detail-quote", Static))
        measure = engine.catalogue.measure("gm-01-1")
        assert measure.quote.replace("\n", "") in quote.replace("\n", "")
        amount = static_text(detail.query_one("#detail-amount", Static))
        assert "300万元" in amount and "200万元" in amount  # 20% × 1,500万 = 300万 → cap 200万
        source = static_text(detail.query_one("#detail-source", Static))
        assert "征求意见稿" in source and f"第{measure.article}条" in source
        await pilot.press("escape")
        assert app.screen is screen


async def test_detail_of_a_possible_measure_names_the_unanswered_questions(engine) -> None:
    app = make_app(engine, "guangming-ai-company.toml")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_results(app, pilot)
        result = next(r for r in engine.match(app.profile, AS_OF).results if r.status == POSSIBLE and r.missing)
        screen.open_detail(result.measure.id)
        await pilot.pause()
        missing = app.screen.query_one("#detail-missing", Static)
        for question in result.missing:
            assert engine.label(question) in static_text(missing)


# --- near misses ---------------------------------------------------------------------------------


async def test_near_misses_tab_lists_the_gap_and_the_worth(engine) -> None:
    app = make_app(engine, "guangming-ai-company.toml")
    app.profile.space.leased_area_m2 = 400  # 100 m² short of the 500 m² the rent subsidy needs
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_results(app, pilot)
        await pilot.press("n")
        assert screen.query_one("#results-tabs").active == "near"
        near = screen.query_one("#near-misses", NearMissList)
        assert near.has_focus
        option = near.get_option("gm-11-1")
        text = str(option.prompt)
        assert "400平方米 → 500平方米" in text and "18万元/年 × 3年" in text
        assert "还差 0" not in text
        near.highlighted = near.get_option_index("gm-11-1")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, MeasureDetailScreen) and app.screen.result.measure.id == "gm-11-1"


async def test_no_near_misses_says_so(engine) -> None:
    app = make_app(engine, "guangming-park-operator.toml")
    app.profile.identity.registered_district = "南山区"  # where a company is is not a step it can take
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_results(app, pilot)
        near = screen.query_one("#near-misses", NearMissList)
        assert near.option_count == 1 and "没有" in str(near.get_option_at_index(0).prompt)


# --- checklist --------------------------------------------------------------------------------


async def test_toggling_a_checklist_item_is_saved_in_the_profile(engine) -> None:
    app = make_app(engine, "guangming-park-operator.toml")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_results(app, pilot)
        await pilot.press("m")
        await pilot.pause()
        checklist = app.screen
        assert isinstance(checklist, ChecklistScreen)
        items = checklist.query_one("#checklist-items", SelectionList)
        first = engine.match(app.profile, AS_OF).checklist[0].material.id
        assert items.get_option_at_index(0).value == first
        await pilot.press("space")
        assert app.profile.consultation.checklist == {first: True}
        assert app.unsaved  # the app autosaves and asks before closing
        await pilot.press("space")
        assert app.profile.consultation.checklist == {first: False}
        await pilot.press("down", "space")
        second = items.get_option_at_index(1).value
        assert app.profile.consultation.checklist[second] is True
        assert "已准备 1 /" in static_text(checklist.query_one("#checklist-summary", Static))
        await pilot.press("escape")
        assert app.screen is screen
        ready = {c.material.id: c.ready for c in screen.assessment.checklist}
        assert ready[second] is True and ready[first] is False


async def test_checklist_opens_with_the_saved_marks(engine) -> None:
    app = make_app(engine, "guangming-park-operator.toml")
    first = engine.match(app.profile, AS_OF).checklist[0].material.id
    app.profile.consultation.checklist = {first: True}
    async with app.run_test(size=SIZE) as pilot:
        await open_results(app, pilot)
        await pilot.press("m")
        await pilot.pause()
        assert app.screen.query_one("#checklist-items", SelectionList).selected == [first]


# --- literal text ------------------------------------------------------------------------------


async def test_company_name_with_markup_is_shown_literally(engine) -> None:
    app = make_app(engine, "guangming-park-operator.toml")
    app.profile.identity.name = "[bold]测试[/bold]"
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_results(app, pilot)
        assert "[bold]测试[/bold]" in static_text(screen.query_one("#results-heading", Static))


def test_cells_are_cut_by_width_not_by_characters() -> None:
    from rich.cells import cell_len

    from screens.widgets.cells import fit_keeping_tail, shorten

    for width in range(20):
        cut = shorten("光明区AI软件措施[bold]", width)
        assert cell_len(cut) <= width
    assert shorten("光明区AI软件措施", 9) == "光明区AI…"
    assert fit_keeping_tail("光明区AI软件措施", "第十一条", 14).plain == "光明…第十一条"
