"""Exports from the results screen: JSON, HTML and Markdown files written by a
thread worker, overwriting only after confirmation, and errors in a dialog."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from textual.widgets import Input

from advisor import exports
from advisor.json_contract import assessment_json
from advisor.profile_io import load_profile
from screens.app import AdvisorApp
from screens.dialogs import ConfirmDialog, ErrorDialog
from screens.export import ExportDialog
from screens.file_dialog import SaveFileDialog
from screens.results import ResultsScreen

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
AS_OF = dt.date(2026, 11, 21)
SIZE = (100, 34)
NASTY_NAME = "<b>[bold]测试</b>"


def make_app(engine, example: str = "guangming-ai-company.toml") -> AdvisorApp:
    app = AdvisorApp(engine, as_of=AS_OF)
    app.profile = load_profile(EXAMPLES / example)
    return app


async def open_results(app: AdvisorApp, pilot) -> ResultsScreen:
    await app.push_screen(ResultsScreen())
    await pilot.pause()
    return app.screen  # type: ignore[return-value]


async def save_as(app: AdvisorApp, pilot, path: Path) -> None:
    """Type ``path`` into the save dialog and press enter."""
    await pilot.pause()
    dialog = app.screen
    assert isinstance(dialog, SaveFileDialog)
    dialog.query_one("#path", Input).value = str(path)
    await pilot.press("enter")
    await pilot.pause()


async def finish_writing(app: AdvisorApp, pilot) -> None:
    """Wait for the export worker (only: the folder tree's loader never finishes)."""
    await pilot.pause()
    writers = [w for w in app.workers if w.group == "export"]
    if writers:  # an empty list would mean every worker
        await app.workers.wait_for_complete(writers)
    await pilot.pause()


def notifications(app: AdvisorApp) -> list[str]:
    return [n.message for n in app._notifications]


async def test_json_export_matches_the_engine_contract(engine, tmp_path) -> None:
    app = make_app(engine)
    target = tmp_path / "结果.json"
    async with app.run_test(size=SIZE) as pilot:
        await open_results(app, pilot)
        await pilot.press("j")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, SaveFileDialog)
        suggested = dialog.query_one("#path", Input).value
        assert suggested.endswith("深圳光明智算科技有限公司-政策匹配-2026-11-21.json")
        await save_as(app, pilot, target)
        await finish_writing(app, pilot)
        assert isinstance(app.screen, ResultsScreen)
        data = json.loads(target.read_text(encoding="utf-8"))
        expected = json.loads(json.dumps(assessment_json(engine.match(app.profile, AS_OF), engine), ensure_ascii=False))
        assert data["company"] == "深圳光明智算科技有限公司"
        assert {k: v for k, v in data.items() if k != "company"} == expected
        assert target.read_text(encoding="utf-8") == exports.render(
            "json", engine.match(app.profile, AS_OF), engine, app.profile
        )
        assert any(str(target) in message for message in notifications(app))


async def test_html_report_escapes_the_company_name(engine, tmp_path) -> None:
    app = make_app(engine, "guangming-park-operator.toml")
    app.profile.identity.name = NASTY_NAME
    target = tmp_path / "report.html"
    async with app.run_test(size=SIZE) as pilot:
        await open_results(app, pilot)
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, ExportDialog)
        await pilot.press("enter")  # the first format: printable HTML
        await save_as(app, pilot, target)
        await finish_writing(app, pilot)
        html = target.read_text(encoding="utf-8")
        assert html.startswith("<!DOCTYPE html>")
        assert "&lt;b&gt;[bold]测试&lt;/b&gt;" in html and NASTY_NAME not in html
        assert "软件名园" in html  # the park operator's measure is in the report
        assert any(str(target) in message for message in notifications(app))  # shown literally


async def test_markdown_report_is_the_second_choice(engine, tmp_path) -> None:
    app = make_app(engine)
    target = tmp_path / "report.md"
    async with app.run_test(size=SIZE) as pilot:
        await open_results(app, pilot)
        await pilot.press("e")
        await pilot.pause()
        await pilot.press("down", "enter")
        assert isinstance(app.screen, SaveFileDialog)
        assert app.screen.query_one("#path", Input).value.endswith(".md")
        await save_as(app, pilot, target)
        await finish_writing(app, pilot)
        text = target.read_text(encoding="utf-8")
        assert text.startswith("# 深圳光明智算科技有限公司 政策匹配报告")
        assert "28.8万元/年 × 3年" in text


async def test_export_includes_the_checklist_marks(engine, tmp_path) -> None:
    app = make_app(engine, "guangming-park-operator.toml")
    target = tmp_path / "marks.json"
    async with app.run_test(size=SIZE) as pilot:
        await open_results(app, pilot)
        await pilot.press("m")
        await pilot.pause()
        await pilot.press("space", "escape")
        await pilot.press("j")
        await save_as(app, pilot, target)
        await finish_writing(app, pilot)
        checklist = json.loads(target.read_text(encoding="utf-8"))["checklist"]
        assert checklist[0]["ready"] is True and not any(item["ready"] for item in checklist[1:])


async def test_overwriting_asks_first(engine, tmp_path) -> None:
    app = make_app(engine)
    target = tmp_path / "old.json"
    target.write_text("旧内容", encoding="utf-8")
    async with app.run_test(size=SIZE) as pilot:
        await open_results(app, pilot)
        await pilot.press("j")
        await save_as(app, pilot, target)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")  # keep the old file
        await pilot.pause()
        assert isinstance(app.screen, SaveFileDialog)
        await finish_writing(app, pilot)
        assert target.read_text(encoding="utf-8") == "旧内容"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await finish_writing(app, pilot)
        assert isinstance(app.screen, ResultsScreen)
        assert json.loads(target.read_text(encoding="utf-8"))["as_of"] == "2026-11-21"


async def test_a_write_error_is_shown_in_chinese_and_nothing_is_lost(engine, tmp_path, monkeypatch) -> None:
    def refuse(path, text):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(exports, "atomic_write_text", refuse)
    app = make_app(engine)
    target = tmp_path / "locked.json"
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_results(app, pilot)
        await pilot.press("j")
        await save_as(app, pilot, target)
        await finish_writing(app, pilot)
        dialog = app.screen
        assert isinstance(dialog, ErrorDialog)
        assert "没有权限写入" in dialog.message and str(target) in dialog.message
        assert not target.exists()
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen and app.profile.identity.name == "深圳光明智算科技有限公司"


async def test_cancelling_the_format_choice_writes_nothing(engine, tmp_path) -> None:
    app = make_app(engine)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_results(app, pilot)
        await pilot.press("e")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
        await pilot.press("j")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
        assert not [p for p in (tmp_path / "home").rglob("*") if p.is_file()]
