"""Fixtures for the UI tests: an isolated data folder and home, one way to build the
app (``make_app``, at the as-of date of tests/conftest.py), a consultation started
by keys, and a driver that answers questions by pressing keys as a person would."""

from __future__ import annotations

import asyncio
import datetime as dt
import inspect
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
#: The terminal size of the Pilot tests and snapshots.
SIZE = (100, 34)


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run ``async def`` tests in a fresh event loop (no asyncio plugin needed)."""
    if inspect.iscoroutinefunction(pyfuncitem.obj):
        args = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
        asyncio.run(pyfuncitem.obj(**args))
        return True
    return None


@pytest.fixture(autouse=True)
def isolated_user(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Every test gets an empty data folder and an empty home with a Documents folder."""
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")
    monkeypatch.setenv("ADVISOR_DATA_DIR", str(tmp_path / "data"))
    home = tmp_path / "home"
    (home / "Documents").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    return home


@pytest.fixture
def make_app(engine, as_of: dt.date):
    """Build an AdvisorApp at the shared as-of date, on the session's engine (the bundled rules).

    ``profile_path``: opened when the app starts, as ``advisor FILE`` does.
    ``example``: the answers of ``examples/<example>`` put in place at once (no consultation
    is started: for tests that push the results screen themselves).
    ``load_engine``: no engine is given; the app paints first and loads the rules with it.
    """
    from advisor.profile_io import load_profile
    from screens.app import AdvisorApp

    def make(
        profile_path: Path | None = None,
        *,
        example: str | None = None,
        load_engine: Callable[[], Any] | None = None,
    ) -> AdvisorApp:
        app = AdvisorApp(
            engine=None if load_engine is not None else engine,
            profile_path=profile_path,
            as_of=as_of,
            load_engine=load_engine,
        )
        if example is not None:
            app.profile = load_profile(EXAMPLES / example)
        return app

    return make


class Driver:
    """Answers questions with key presses only, and reads the screen's state."""

    def __init__(self, pilot) -> None:
        self.pilot = pilot
        self.app = pilot.app

    @property
    def screen(self):
        return self.app.screen

    async def press(self, *keys: str) -> None:
        await self.pilot.press(*keys)
        await self.pilot.pause()

    async def type(self, text: str) -> None:
        await self.pilot.press(*text)
        await self.pilot.pause()

    def focused_field(self):
        from screens.widgets.question_field import QuestionField

        node = self.app.focused
        while node is not None and not isinstance(node, QuestionField):
            node = node.parent
        return node

    def visible_questions(self) -> list[str]:
        """Question ids shown in the current section."""
        page = self.screen.query_one(f"#page-{self.screen.current_section}")
        from screens.widgets.question_field import QuestionField

        return [f.key for f in page.query(QuestionField) if f.display]

    async def go_to_section(self, section: str) -> None:
        """PageDown/PageUp to a section; one that asks nothing is picked in the section list."""
        ids = self.screen.section_ids
        target = ids.index(section)
        for _ in ids:
            current = ids.index(self.screen.current_section)
            if current == target:
                return
            await self.press("pagedown" if target > current else "pageup")
            moved = ids.index(self.screen.current_section)
            if moved == current or (moved - target) * (current - target) < 0:
                break
        self.screen.query_one("#sections").focus()
        await self.press("home", *["down"] * target, "enter")
        assert self.screen.current_section == section

    async def walk_sections(self) -> set[str]:
        """PageDown through every section that asks something; the questions shown."""
        await self.go_to_section(self.screen.section_ids[0])
        seen = set(self.visible_questions())
        for _ in self.screen.section_ids:
            before = self.screen.current_section
            await self.press("pagedown")
            if self.screen.current_section == before:
                break
            seen.update(self.visible_questions())
        return seen

    async def go_to(self, question_id: str) -> None:
        """Reach a question with PageDown/PageUp and Tab, as a person would."""
        section = self.app.engine.catalogue.questions[question_id].section
        await self.go_to_section(section)
        for _ in range(60):
            field = self.focused_field()
            if field is not None and field.key == question_id:
                return
            await self.press("tab")
        raise AssertionError(f"question {question_id} not reachable by tab; visible: {self.visible_questions()}")

    async def choose(self, question_id: str, value: str) -> None:
        """Open a select with enter, move down to the option, press enter."""
        await self.go_to(question_id)
        field = self.focused_field()
        index = [v for v, _ in field.choices].index(value)
        await self.press("enter")
        await self.press("home")
        await self.press(*(["down"] * (index + 1)), "enter")
        assert field.value == value, f"{question_id}: chose {value!r}, field has {field.value!r}"

    async def yes_no(self, question_id: str, answer: bool | None) -> None:
        """是 / 否 / 不确定 with the arrow keys and enter."""
        await self.go_to(question_id)
        target = {True: 0, False: 1, None: 2}[answer]
        radio = self.app.focused
        for _ in range(6):
            if radio._selected == target:
                break
            await self.press("right")
        await self.press("enter")

    async def fill(self, question_id: str, text: str, *, submit: bool = True) -> None:
        """Type into a text field (clearing it first) and press enter."""
        await self.go_to(question_id)
        editor = self.app.focused
        await self.press(*(["backspace"] * len(editor.value)))
        await self.type(text)
        if submit:
            await self.press("enter")

    async def pick(self, question_id: str, values: list[str]) -> None:
        """Toggle options of a multiple choice with up/down and space."""
        await self.go_to(question_id)
        field = self.focused_field()
        options = [v for v, _ in field.choices]
        for value in values:
            await self.press("home")
            await self.press(*(["down"] * options.index(value)), "space")

    def answer(self, path: str) -> Any:
        return self.app.profile.get(path)

    def panel_text(self) -> str:
        return self.screen.query_one("#live").text


@pytest.fixture
def driver_for():
    return Driver


@pytest.fixture
def new_consultation(make_app) -> Callable[..., AbstractAsyncContextManager[Driver]]:
    """``async with new_consultation(place=...) as d``: the app running at ``SIZE`` with a new
    consultation started by ``n``; ``place`` (a district of 深圳市) answers 企业 and the
    registered city and district first, by keys. ``d`` is a ``Driver``; ``d.app`` the app."""

    @asynccontextmanager
    async def run(place: str | None = None) -> AsyncIterator[Driver]:
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            d = Driver(pilot)
            await d.press("n")
            if place is not None:
                await d.choose("applicant.kind", "enterprise")
                await d.choose("identity.registered_city", "深圳市")
                await d.choose("identity.registered_district", place)
            yield d

    return run
