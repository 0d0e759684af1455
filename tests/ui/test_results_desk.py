"""The results screen as the desk uses it: hostile names shown literally, the warning
banner, the totals panel by keyboard, F1 listing this screen's keys, the checklist by
measure name with possible-only materials apart, Chinese where Textual had English."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console
from textual.widgets import Header, SelectionList, Static

from screens.app import HEADER_ICON
from screens.checklist import POSSIBLE_HEADING, ChecklistScreen
from screens.help import HelpScreen
from screens.results import ResultsScreen
from screens.widgets.totals_panel import TotalsPanel

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
HOSTILE = "[bold]红[/bold]\x1b[31m\u202e名"


def text_of(widget: Static) -> str:
    console = Console(width=400, file=io.StringIO(), record=True, color_system=None)
    console.print(widget.content)
    return console.export_text()


async def test_hostile_company_name_is_shown_literally(make_app) -> None:
    app = make_app(example="guangming-ai-company.toml")
    app.profile.identity.name = HOSTILE
    async with app.run_test(size=(80, 24)) as pilot:
        await app.push_screen(ResultsScreen())
        await pilot.pause()
        heading = text_of(app.screen.query_one("#results-heading", Static))
        assert "[bold]红[/bold]" in heading and "\\x1b" in heading and "\x1b" not in heading
        assert "\u202e" not in heading


async def test_banner_totals_and_help_by_keyboard_at_80x24(make_app) -> None:
    app = make_app(example="guangming-ai-company.toml")
    async with app.run_test(size=(80, 24)) as pilot:
        await app.push_screen(ResultsScreen())
        await pilot.pause()
        screen = app.screen
        banner = screen.query_one("#notice-banner", Static)
        assert banner.region.height == 1 and banner.region.y < 4 and "注意" in text_of(banner)
        totals = screen.query_one("#totals", TotalsPanel)
        await pilot.press("t")
        assert totals.has_focus
        assert totals.max_scroll_y > 0  # more than fits at 80×24 ...
        await pilot.press("down", "down")
        assert totals.scroll_y > 0  # ... and the keyboard scrolls it
        assert app.screen.query_one(Header).icon == HEADER_ICON
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        keys = text_of(app.screen.query_one("#help-keys", Static))
        current = keys.split("【全局】")[0]
        assert "当前页面" in current
        for key in ("1", "2", "3", "4", "c", "s", "n", "m", "e", "j", "w"):
            assert any(line.split()[0] == key for line in current.splitlines()[1:] if line.strip()), key
        assert "Quit" not in keys and "palette" not in keys


async def test_command_palette_speaks_chinese(make_app) -> None:
    app = make_app(example="guangming-ai-company.toml")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        from textual.command import CommandInput

        placeholder = app.screen.query_one(CommandInput).placeholder
        assert placeholder == "搜索命令…"
        descriptions = [b.description for _, b in app.screen._bindings if b.show]  # what a footer could show
        assert descriptions and all(not d.isascii() for d in descriptions if d)


async def test_checklist_names_measures_and_sets_possible_only_apart(make_app, engine) -> None:
    app = make_app(example="guangming-ai-company.toml")
    async with app.run_test(size=(100, 34)) as pilot:
        await app.push_screen(ResultsScreen())
        await pilot.pause()
        await pilot.press("m")
        await pilot.pause()
        checklist = app.screen
        assert isinstance(checklist, ChecklistScreen)
        items = checklist.query_one("#checklist-items", SelectionList)
        values = [items.get_option_at_index(i).value for i in range(items.option_count)]
        heading = values.index(POSSIBLE_HEADING)
        assert all(checklist.items[v].for_eligible for v in values[:heading])
        assert not any(checklist.items[v].for_eligible for v in values[heading + 1 :])
        summary = text_of(checklist.query_one("#checklist-summary", Static))
        assert "申请指南" in summary
        detail = text_of(checklist.query_one("#checklist-detail", Static))
        ids = {m.id for m in engine.catalogue.measures}
        assert not any(i in detail for i in ids)
