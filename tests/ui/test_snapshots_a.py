"""Snapshots of home, questionnaire, help and the file dialogs at 100×34.

Deterministic: fixed as-of date, an empty data folder and home, no cursor blink.
Update with ``pytest tests/ui/test_snapshots_a.py --snapshot-update`` after
checking the report.
"""

from __future__ import annotations

from textual.widgets import Input

SIZE = (100, 34)


async def steady(pilot) -> None:
    """Let workers finish and stop the cursor blinking."""
    await pilot.pause()
    mine = [w for w in pilot.app.workers if w.group in ("files", "autosave", "home-lists")]
    if mine:  # a DirectoryTree's loader runs for good, so never wait for every worker
        await pilot.app.workers.wait_for_complete(mine)
    await pilot.pause()
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    await pilot.pause()


def test_home(snap_compare, make_app) -> None:
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=steady)


def test_questionnaire_identity(snap_compare, make_app) -> None:
    async def answer(pilot) -> None:
        await pilot.press("n")
        await pilot.pause()
        for key in ("enter", "down", "enter", "pagedown"):  # one at a time: stable under load
            await pilot.press(key)
            await pilot.pause()
        await pilot.press(*"[bold]光明智算科技")
        await pilot.pause()
        await pilot.press("tab")
        await pilot.pause()
        await pilot.press(*"91440300MA5DC1234X", "enter")
        await steady(pilot)
        assert pilot.app.profile.identity.name == "[bold]光明智算科技"

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=answer)


def test_questionnaire_narrow(snap_compare, make_app) -> None:
    async def answer(pilot) -> None:
        await pilot.press("n")
        await pilot.pause()
        for key in ("enter", "down", "enter"):
            await pilot.press(key)
            await pilot.pause()
        await steady(pilot)
        assert pilot.app.profile.applicant.kind == "enterprise"

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=answer)


def test_help(snap_compare, make_app) -> None:
    assert snap_compare(make_app(), terminal_size=SIZE, press=["f1"], run_before=steady)


def test_open_file_dialog(snap_compare, make_app) -> None:
    async def open_dialog(pilot) -> None:
        await pilot.press("o")
        await steady(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=open_dialog)


def test_save_file_dialog(snap_compare, make_app) -> None:
    async def save_dialog(pilot) -> None:
        await pilot.press("n")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await steady(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=save_dialog)
