"""No text from a profile, a file name or the autosave folder reaches the terminal raw.

A profile whose every text field holds hostile sequences (CSI, OSC ended by BEL and by
ESC \\, OSC 52 clipboard writes, DCS, APC, 8-bit C1 forms, bidi overrides, Rich markup,
newlines that could start a Markdown heading) is opened, and every screen is walked with
Pilot. After each step the screen is rendered exactly as it would be sent to a terminal
(the compositor's strips) and every text segment is checked: no control or bidi
character may be in it; only Textual's own control segments carry escape codes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from advisor import storage
from advisor.profile import Profile
from advisor.profile_io import save_profile
from advisor.terminal_text import is_clean

SIZE = (110, 36)

#: One of each class of hostile text; each contains a marker so a test can see it was shown.
HOSTILE = [
    "\x1b[31m红\x1b[0m\x1b[2J",  # CSI
    "\x1b]0;PWNED-TITLE\x07",  # OSC ended by BEL (window title)
    "\x1b]2;PWNED-TITLE\x1b\\",  # OSC ended by ESC \ (ST)
    "\x1b]52;c;UFdORUQ=\x07",  # OSC 52: write the clipboard
    "\x1bPq#0;2;0;0;0\x1b\\",  # DCS (sixel)
    "\x1b_Gf=100;AAAA\x1b\\",  # APC (kitty graphics)
    "\x9b31m\x9d0;PWNED\x9c\x90x\x9c",  # 8-bit C1 CSI, OSC, ST, DCS
    "\u202e反转\u202c\u2066隔离\u2069\u200f",  # bidi overrides and isolates
    "[bold]粗[/bold][link=https://evil.example]链接[/link]",  # Rich markup
    "名\n===\n- 列表\r\x08\x7f",  # line structure, CR, backspace, DEL
]
HOSTILE_TEXT = "恶意" + "".join(HOSTILE)


def hostile_profile() -> Profile:
    """A profile with every text field set to hostile text (lists of items included)."""
    from advisor.profile import Event, FundedProject

    profile = Profile()
    profile.set("applicant.kind", "enterprise")
    profile.set("identity.name", HOSTILE_TEXT)
    profile.set("identity.registered_city", "其他")
    profile.set("identity.registered_district", HOSTILE_TEXT[:200])
    profile.set("identity.tax_city", "其他")
    profile.set("identity.tax_district", HOSTILE_TEXT[:200])
    profile.set("projects.funded", [FundedProject(name=HOSTILE_TEXT, level="national", grant_wan=100)])
    profile.set("events.held", [Event(name=HOSTILE_TEXT)])
    profile.consultation.notes = HOSTILE_TEXT
    return profile


def leaks(app: Any) -> list[str]:
    """Text segments of the current screen, as sent to a terminal, that hold a control
    or bidi character (Textual's own control segments are excluded)."""
    update = app.screen._compositor.render_update(full=True)
    found = []
    for line in update.strips:
        for strip in line:
            for segment in strip:
                if segment.control is None and not is_clean(segment.text):
                    found.append(repr(segment.text))
    # the exact bytes too: no OSC/DCS/APC introducer, BEL or C1 anywhere in the stream
    stream = update.render_segments(app.console)
    for bad in ("\x1b]", "\x1bP", "\x1b_", "\x1b^", "\x07", "\x9b", "\x9d", "\x90", "\u202e"):
        if bad in stream:
            found.append(f"stream holds {bad!r}")
    return found


async def settle(app: Any, pilot: Any) -> None:
    """Let the app's own workers finish (a folder tree's loader runs for as long as it is shown)."""
    from textual.widgets import DirectoryTree

    await pilot.pause()
    finite = [w for w in app.workers if not isinstance(w.node, DirectoryTree)]
    if finite:  # an empty list would mean "all workers" to wait_for_complete
        await app.workers.wait_for_complete(finite)
    await pilot.pause()
    await pilot.pause()


async def check(app: Any, pilot: Any, where: str) -> None:
    await settle(app, pilot)
    found = leaks(app)
    assert not found, f"{where} ({type(app.screen).__name__}): {found[:5]}"


@pytest.fixture
def hostile_files(isolated_user: Path) -> Path:
    """An autosave with a hostile name, a damaged autosave, and hostile file names."""
    documents = isolated_user / "Documents"
    profile = hostile_profile()
    storage.autosave(profile, "20261120-101500-abcdef")
    damaged_dir = storage.autosave_dir()
    (damaged_dir / "20261120-101600-abcdef.toml").write_bytes(b"\x1b]0;PWNED\x07 = = \xff")
    (damaged_dir / "\x1b]0;PWNED\x07.toml").write_text("schema_version = 2\n", encoding="utf-8")
    path = documents / "\x1b]0;PWNED\x07\u202e恶意.toml"
    save_profile(profile, path)
    storage.remember_profile(path)
    (documents / "\x9b31m坏\x1b[2J.toml").write_text(
        'schema_version = 2\n[space]\nleased_area_m2 = "\\u001b[2J"\n', encoding="utf-8"
    )
    return path


async def test_every_screen_shows_hostile_text_escaped(make_app, hostile_files: Path) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await check(app, pilot, "home with hostile autosave, damaged files and recent list")
        await pilot.press("o")
        await check(app, pilot, "open dialog: tree of hostile file names")
        await pilot.press("escape")
        await pilot.pause()
        app.read_profile(hostile_files.parent / "\x9b31m坏\x1b[2J.toml")
        await check(app, pilot, "error dialog quoting a hostile file name and value")
        await pilot.press("escape")
        await pilot.pause()
        app.read_profile(hostile_files)
        await settle(app, pilot)
        assert type(app.screen).__name__ == "QuestionnaireScreen"
        await check(app, pilot, "toast and questionnaire")
        for section in app.screen.section_ids:
            screen = app.screen
            await _show_section(app, pilot, screen, section)
            await check(app, pilot, f"questionnaire section {section}")
        await pilot.press("r")
        await check(app, pilot, "results")
        results = app.screen
        table = results.query_one("DataTable")
        for row in range(min(table.row_count, 40)):
            table.move_cursor(row=row)
            table.focus()
            await pilot.press("enter")
            await check(app, pilot, f"detail of row {row}")
            await pilot.press("escape")
            await pilot.pause()
        await pilot.press("n")
        await check(app, pilot, "near misses")
        await pilot.press("m")
        await check(app, pilot, "checklist")
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("e")
        await check(app, pilot, "export dialog")
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await check(app, pilot, "save dialog with the hostile file name")


async def _show_section(app: Any, pilot: Any, screen: Any, section: str) -> None:
    await screen.show_section(section)
    await pilot.pause()


async def test_home_lists_damaged_autosaves_and_moves_them_aside(make_app, hostile_files: Path) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        home = app.screen
        assert len(home.damaged) == 2
        damaged = home.query_one("#damaged")
        damaged.focus()
        damaged.highlighted = 0
        await pilot.press("enter")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "ConfirmDialog"
        await check(app, pilot, "confirm moving a damaged file aside")
        await pilot.press("y")
        await settle(app, pilot)
        assert len(app.screen.damaged) == 1
        moved = list((storage.autosave_dir() / storage.DAMAGED_FOLDER).iterdir())
        assert len(moved) == 1 and moved[0].name.endswith(".damaged")
        assert len(app.screen.unfinished) == 1  # the good autosave is untouched


def test_printable_covers_every_class() -> None:
    """The one sanitising step leaves no control, bidi or surrogate character."""
    from advisor.terminal_text import printable

    for text in [
        *HOSTILE,
        "\ud800孤\udfff",
        "".join(chr(c) for c in range(0x20)) + "".join(chr(c) for c in range(0x7F, 0xA0)),
    ]:
        shown = printable(text)
        assert is_clean(shown) and "\x1b" not in shown and "\n" not in shown, repr(shown)
    assert printable("光明　智算") == "光明　智算"  # the ideographic space is text


async def test_every_number_and_key_form_opens_as_an_error_dialog(make_app, isolated_user: Path) -> None:
    """The open dialog's reading path: each bad form is an error dialog in Chinese, the app keeps running."""
    import re
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))
    from test_hostile_input import FORMS

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        for name, body in FORMS.items():
            path = isolated_user / "Documents" / f"{name}.toml"
            path.write_text("schema_version = 2\n" + body, encoding="utf-8")
            app.read_profile(path)
            await settle(app, pilot)
            assert type(app.screen).__name__ == "ErrorDialog", name
            assert re.search(r"[\u4e00-\u9fff]", app.screen.message)
            await check(app, pilot, f"error dialog for {name}")
            await pilot.press("escape")
            await pilot.pause()
        assert type(app.screen).__name__ == "HomeScreen"
