"""Home, files and dialogs: resume, open, save, reopen, close, help and palette."""

from __future__ import annotations

from pathlib import Path

from advisor import storage
from advisor.profile import Profile
from advisor.profile_io import load_profile

SIZE = (100, 34)
TRICKY_NAME = "[link=https://example.com]光明[/link][bold]智算"


def sample_profile() -> Profile:
    profile = Profile()
    profile.set("applicant.kind", "enterprise")
    profile.set("identity.name", TRICKY_NAME)
    profile.set("identity.registered_city", "深圳市")
    profile.set("identity.registered_district", "光明区")
    profile.set("space.leased_area_m2", 800)
    profile.consultation.skipped = ["space.annual_rent_wan"]
    profile.consultation.checklist = {"business_licence": True}
    return profile


async def test_home_lists_unfinished_and_resumes_it(make_app) -> None:
    storage.autosave(sample_profile(), "20261120-101500-abcdef")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        listing = app.screen.query_one("#unfinished")
        prompt = str(listing.get_option_at_index(0).prompt)
        assert prompt.startswith(TRICKY_NAME)  # shown literally, never as markup
        listing.focus()
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert type(app.screen).__name__ == "QuestionnaireScreen"
        assert app.consultation_id == "20261120-101500-abcdef"
        assert app.profile.identity.name == TRICKY_NAME
        assert app.profile.space.leased_area_m2 == 800


async def test_opening_a_bad_file_shows_a_chinese_error_and_keeps_running(make_app, tmp_path: Path) -> None:
    bad = tmp_path / "home" / "Documents" / "坏画像.toml"
    bad.write_text('schema_version = 2\n[space]\nleased_area_m2 = "很大"\n', encoding="utf-8")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("o")
        await pilot.pause()
        assert type(app.screen).__name__ == "OpenFileDialog"
        path_input = app.screen.query_one("#path")
        path_input.focus()
        path_input.value = ""
        await pilot.press(*"~/Documents/坏画像.toml", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert type(app.screen).__name__ == "ErrorDialog"
        assert "坏画像.toml" in app.screen.message and "应为整数" in app.screen.message
        await pilot.press("enter")
        await pilot.pause()
        assert type(app.screen).__name__ == "HomeScreen"


async def test_save_and_reopen_restores_every_answer(make_app, isolated_user: Path) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await pilot.pause()
        app.profile = sample_profile()  # answers as if typed; the keys are covered elsewhere
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert type(app.screen).__name__ == "SaveFileDialog"
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        saved = app.saved_path
        assert saved is not None and saved.parent == isolated_user / "Documents"
        assert saved.name.endswith("-画像-2026-11-21.toml")
        assert load_profile(saved) == sample_profile()
        assert storage.recent_profiles() == [saved.resolve()]
        # saving again to the same name asks before overwriting
        app.saved_path = None
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert type(app.screen).__name__ == "ConfirmDialog"
        await pilot.press("escape")
        await pilot.pause()
        assert type(app.screen).__name__ == "SaveFileDialog"

    reopened = make_app(profile_path=saved)
    async with reopened.run_test(size=SIZE) as pilot:
        await reopened.workers.wait_for_complete()
        await pilot.pause()
        assert type(reopened.screen).__name__ == "QuestionnaireScreen"
        assert reopened.profile == sample_profile()
        assert reopened.profile.consultation.checklist == {"business_licence": True}
        await pilot.press("pagedown")
        await pilot.pause()
        fields = reopened.screen.fields
        assert fields["identity.name"].editor.value == TRICKY_NAME
        assert fields["identity.registered_district"].editor.value == "光明区"


async def test_closing_a_consultation_discards_its_autosave(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await pilot.pause()
        await pilot.press("enter", "down", "enter")  # 申请主体类型: 企业
        await app.workers.wait_for_complete()
        assert app.profile.applicant.kind == "enterprise"
        assert [u.consultation_id for u in storage.list_unfinished()] == [app.consultation_id]
        await pilot.press("escape")
        await pilot.pause()
        assert type(app.screen).__name__ == "ChoiceDialog"
        await pilot.press("right", "enter")  # 不保存，结束
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert type(app.screen).__name__ == "HomeScreen"
        assert storage.list_unfinished() == []


async def test_help_and_command_palette(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        assert type(app.screen).__name__ == "HelpScreen"
        keys = str(app.screen.query_one("#help-keys").visual)
        assert "F2" in keys and "PageDown" in keys and "Ctrl+S" in keys
        await pilot.press("escape")
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"新建咨询")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.pause()
        assert type(app.screen).__name__ == "QuestionnaireScreen"


async def test_library_lists_measures_with_source_and_quote(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l")
        await pilot.pause()
        measure = app.engine.catalogue.measures[0]
        text = str(app.screen.query_one("#measure-text").visual)
        assert measure.quote in text
        assert app.engine.catalogue.sources[measure.document].title in text


async def test_without_a_home_folder_the_home_screen_says_so_once(make_app, monkeypatch) -> None:
    """The data folder is looked at after the first paint (in the lists' worker); the warning
    is shown once, not again each time the home screen comes back."""
    monkeypatch.delenv("ADVISOR_DATA_DIR", raising=False)
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setattr(Path, "home", classmethod(lambda cls: (_ for _ in ()).throw(RuntimeError("no home"))))
    reason = storage.unavailable_reason()
    assert reason and "自动保存" in reason
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert [n.message for n in app._notifications] == [reason]
        await pilot.press("f1")  # another screen and back: the lists are read again, the warning is not repeated
        await pilot.pause()
        await pilot.press("escape")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert type(app.screen).__name__ == "HomeScreen"
        assert [n.message for n in app._notifications] == [reason]
