"""Paint first: the home screen is up before the rule set is loaded, actions that need
the engine wait for it, and a broken rule set is told in a Chinese dialog."""

from __future__ import annotations

import threading
from pathlib import Path

from advisor.errors import RuleSetError
from advisor.profile import Profile
from advisor.profile_io import save_profile
from advisor.rulestore import load_engine
from screens.app import AdvisorApp
from screens.dialogs import ErrorDialog
from screens.home import HomeScreen
from screens.loading import LOADING_TEXT

SIZE = (100, 34)


class GatedLoader:
    """Loads the real engine only once the test opens the gate; counts calls."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.started = threading.Event()
        self.calls = 0

    def __call__(self):
        self.calls += 1
        self.started.set()
        assert self.gate.wait(30), "the test never opened the gate"
        return load_engine()


def notifications(app: AdvisorApp) -> list[str]:
    return [n.message for n in app._notifications]


async def test_home_is_painted_before_the_engine_is_ready_and_new_consultation_waits(make_app) -> None:
    loader = GatedLoader()
    app = make_app(load_engine=loader)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        assert app.screen.query_one("#new").region.width > 0  # laid out and shown
        assert app.engine is None and not loader.gate.is_set()

        await pilot.press("n")  # needs the engine: waits, says so
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        assert LOADING_TEXT in notifications(app)

        loader.gate.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.engine is not None and loader.calls == 1
        assert type(app.screen).__name__ == "QuestionnaireScreen"  # the queued action ran


async def test_results_and_library_wait_for_the_engine(make_app) -> None:
    loader = GatedLoader()
    app = make_app(load_engine=loader)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.action_show_results()
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen) and app.engine is None
        loader.gate.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert type(app.screen).__name__ == "ResultsScreen"
        assert app.screen.assessment.results  # computed on the fully loaded engine
        app.pop_screen()
        await pilot.pause()
        await pilot.press("l")  # engine there now: runs at once
        await pilot.pause()
        assert type(app.screen).__name__ == "LibraryScreen"


async def test_opening_a_file_on_the_command_line_waits_for_the_engine(make_app, tmp_path: Path) -> None:
    profile = Profile()
    profile.set("identity.name", "[bold]光明智算\x1b[31m")
    path = tmp_path / "画像.toml"
    save_profile(profile, path)
    loader = GatedLoader()
    app = make_app(path, load_engine=loader)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert loader.started.wait(30)
        # the profile is read meanwhile, but no questionnaire before the engine
        assert isinstance(app.screen, HomeScreen) and app.engine is None
        loader.gate.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert type(app.screen).__name__ == "QuestionnaireScreen"
        assert app.profile.identity.name == "[bold]光明智算\x1b[31m"


async def test_a_broken_rule_set_is_a_chinese_dialog_never_a_traceback(make_app) -> None:
    def broken():
        raise RuleSetError(["measures/gm.toml: 措施 gm-01 的引文在原文中找不到\x1b[2J[bold]"])

    app = make_app(load_engine=broken)
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, ErrorDialog)
        text = app.screen.message
        assert "规则库有误" in text and "gm-01" in text
        assert "\x1b" not in text and "Traceback" not in text
        assert app.engine is None
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("n")  # still no engine: the error again, no questionnaire
        await pilot.pause()
        assert isinstance(app.screen, ErrorDialog) and "规则库有误" in app.screen.message
    assert app.return_code in (0, None)


async def test_an_unexpected_loading_error_is_also_said_in_chinese(make_app) -> None:
    def broken():
        raise ValueError("bad\x07 value")

    app = make_app(load_engine=broken)
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, ErrorDialog)
        assert app.screen.message.startswith("加载规则库时出错") and "\x07" not in app.screen.message


async def test_an_engine_passed_in_means_no_loading(make_app) -> None:
    app = make_app()
    engine = app.engine
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await pilot.pause()
        assert type(app.screen).__name__ == "QuestionnaireScreen"
        assert app.engine is engine
        assert not [w for w in app.workers if w.group == "rules"]
