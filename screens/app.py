"""AdvisorApp: the terminal app of 政策顾问.

The app holds the consultation — the engine, the current Profile, its
consultation id and the as-of date — and does every file operation in
thread workers that post messages back. Screens render; ``advisor`` decides.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import App
from textual.binding import Binding
from textual.command import CommandPalette
from textual.message import Message
from textual.widgets import Header
from textual.widgets._select import SelectOverlay

from advisor.terminal_text import printable
from screens.commands import AdvisorCommands
from screens.dialogs import ChoiceDialog, ErrorDialog
from screens.file_dialog import display_path
from screens.help import HelpScreen
from screens.home import HomeScreen
from screens.loading import FAILED_TITLE, LOADING_TEXT, EngineLoaded, RulesFailed, load_rules_message, needs_engine
from screens.messages import (
    AnswersChanged,
    CloseConsultationRequested,
    DiscardAutosaveRequested,
    OpenProfileRequested,
    ResumeRequested,
    SectionEntered,
)

if TYPE_CHECKING:
    # Only the home screen and Textual are needed for the first paint: the profile model
    # (pydantic), file storage and the engine are imported on first use, after it.
    from advisor import errors
    from advisor.engine import Engine
    from advisor.profile import Profile


#: The product's mark in the header, in place of Textual's stock icon.
HEADER_ICON = "策"


def _say_in_chinese() -> None:
    """Textual's own English strings that reach the user, in Chinese: the Select
    pop-up's "Dismiss menu", the command palette's keys and the header icon."""
    SelectOverlay.BINDINGS = [Binding("escape", "dismiss", "关闭菜单")]
    SelectOverlay._merged_bindings = SelectOverlay._merge_bindings()
    CommandPalette.BINDINGS = [
        Binding("ctrl+end, shift+end", "command_list('last')", "最后一项", show=False),
        Binding("ctrl+home, shift+home", "command_list('first')", "第一项", show=False),
        Binding("down", "cursor_down", "下一项", show=False),
        Binding("escape", "escape", "关闭命令面板"),
        Binding("pagedown", "command_list('page_down')", "下一页", show=False),
        Binding("pageup", "command_list('page_up')", "上一页", show=False),
        Binding("up", "command_list('cursor_up')", "上一项", show=False),
    ]
    CommandPalette._merged_bindings = CommandPalette._merge_bindings()
    Header.icon._default = HEADER_ICON  # the reactive's default: every Header shows it


_say_in_chinese()


def screen_keys(app: App[None]) -> tuple[str, list[tuple[str, str]]]:
    """The current screen's name and every key active on it with what it does,
    from the bindings of this app's own screens and widgets (not Textual's)."""
    screen = app.screen
    keys: list[tuple[str, str]] = []
    seen: set[str] = set()
    for active in screen.active_bindings.values():
        binding = active.binding
        if not binding.description or not type(active.node).__module__.startswith("screens"):
            continue
        if binding.description.isascii() and not binding.description.isupper():
            continue  # Textual's own English bindings ("Quit"); "JSON" is ours
        shown = app.get_key_display(binding)
        if (shown, binding.description) in seen:
            continue
        seen.add((shown, binding.description))  # type: ignore[arg-type]
        keys.append((shown, binding.description))
    name = str(getattr(screen, "sub_title", "") or type(screen).__name__)
    return name, keys


class AdvisorApp(App[None]):
    """政策顾问: questionnaire, live estimate and results for one company at a time."""

    TITLE = "政策顾问"
    CSS_PATH = ["app.tcss", "results.tcss"]
    COMMANDS = {AdvisorCommands}  # Textual's system commands are in English
    COMMAND_PALETTE_BINDING = "ctrl+p"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    BINDINGS = [
        Binding("ctrl+p", "command_palette", "命令面板", show=False, priority=True),
        Binding("f1", "show_help", "帮助"),
        Binding("ctrl+s", "save_profile", "保存画像"),
        Binding("ctrl+o", "open_profile", "打开画像", show=False),
        Binding("ctrl+q", "quit", "退出", show=False, priority=True),
    ]

    @dataclass
    class ProfileOpened(Message):
        """A profile was read from disk (a file or an unfinished consultation).

        ``section``: where the person was, when an autosave is continued.
        """

        profile: Profile
        path: Path | None
        consultation_id: str
        section: str | None = None
        resumed: bool = False

    @dataclass
    class ProfileSaved(Message):
        """The profile was written to ``path``."""

        path: Path

    @dataclass
    class FileProblem(Message):
        """Reading or writing failed; ``text`` is a Chinese message for the user."""

        text: str

    def __init__(
        self,
        engine: Engine | None = None,
        profile_path: Path | None = None,
        *,
        as_of: _dt.date | None = None,
        load_engine: Callable[[], Engine] | None = None,
    ) -> None:
        """``engine`` given: use it. None: paint first, then load the rules with
        ``load_engine`` (default: the bundled rules) in a worker; see screens.loading."""
        super().__init__()
        self.engine: Engine | None = engine
        self._load_engine = load_engine
        self.rules_problem: str | None = None
        self._waiting_for_engine: list[Callable[[], None]] = []
        self._profile: Profile | None = None  # built on first use: its pydantic model is built after the first paint
        self._consultation_id: str | None = None  # made on first use, for the same reason
        self.as_of = as_of or _dt.date.today()
        self.profile_path = profile_path
        self.saved_path: Path | None = None
        self.unsaved = False
        self._after_save: Callable[[], None] | None = None
        self._autosave_lock = threading.Lock()
        self._pending_autosave: tuple[str, Profile, Path | None, str | None] | None = None
        self.current_section: str | None = None
        self.locked_id: str | None = None  # the consultation this process holds (storage lock)

    @property
    def profile(self) -> Profile:
        """The current consultation's answers (an empty Profile until one starts)."""
        if self._profile is None:
            from advisor.profile import Profile

            self._profile = Profile()
        return self._profile

    @profile.setter
    def profile(self, profile: Profile) -> None:
        self._profile = profile

    @property
    def consultation_id(self) -> str:
        """The current consultation's id (its autosave's name)."""
        if self._consultation_id is None:
            from advisor import storage

            self._consultation_id = storage.new_consultation_id()
        return self._consultation_id

    @consultation_id.setter
    def consultation_id(self, consultation_id: str) -> None:
        self._consultation_id = consultation_id

    def get_default_screen(self) -> HomeScreen:
        return HomeScreen()

    def on_mount(self) -> None:
        if self.profile_path is not None:  # ``advisor FILE``: read it at once (its worker imports the model)
            self.read_profile(self.profile_path)
        # The rest that loads the profile model, storage or the rules waits until the home
        # screen has painted, so that the first paint needs only Textual.
        self.call_after_refresh(self.after_first_paint)

    def after_first_paint(self) -> None:
        self.clean_orphans()
        if self.engine is None:
            self.load_rules()

    @work(thread=True, group="autosave")
    def clean_orphans(self) -> None:
        from advisor import storage

        with self._autosave_lock:
            try:
                storage.clean_orphans()
            except OSError:
                pass  # tidying up is never worth an error

    def on_unmount(self) -> None:
        self._release_lock()

    def _release_lock(self) -> None:
        if self.locked_id is not None:
            from advisor import storage

            with contextlib.suppress(OSError):
                storage.release_lock(self.locked_id)
            self.locked_id = None

    # --- the rule set (loaded after the first paint) -------------------------------------

    @work(thread=True, group="rules", exclusive=True)
    def load_rules(self) -> None:
        if self._load_engine is None:
            from advisor.rulestore import load_engine

            self._load_engine = load_engine
        self.post_message(load_rules_message(self._load_engine))

    def when_engine_ready(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once the engine is loaded; say so meanwhile, or show the loading error."""
        if self.rules_problem is not None:
            self.push_screen(ErrorDialog(self.rules_problem, title=FAILED_TITLE))
            return
        self._waiting_for_engine.append(callback)
        self.notify(LOADING_TEXT, timeout=2)

    @on(EngineLoaded)
    def engine_loaded(self, message: EngineLoaded) -> None:
        self.engine = message.engine
        waiting, self._waiting_for_engine = self._waiting_for_engine, []
        for callback in waiting:
            callback()

    @on(RulesFailed)
    def rules_failed(self, message: RulesFailed) -> None:
        self.rules_problem = message.text
        self._waiting_for_engine = []
        self.push_screen(ErrorDialog(message.text, title=FAILED_TITLE))

    # --- consultations -------------------------------------------------------------------

    @property
    def consulting(self) -> bool:
        from screens.questionnaire import QuestionnaireScreen

        return any(isinstance(screen, QuestionnaireScreen) for screen in self.screen_stack)

    def start_consultation(
        self, profile: Profile, consultation_id: str, saved_path: Path | None = None, section: str | None = None
    ) -> None:
        """Make ``profile`` the current consultation and open the questionnaire.

        The consultation is locked for this process; if another running instance
        has it open, the person is told so and may continue with a copy (a new
        autosave of the same answers) — nothing is dropped and nothing is shared.
        """
        from advisor import errors, storage
        from screens.questionnaire import QuestionnaireScreen

        if self.locked_id != consultation_id:
            try:
                storage.acquire_lock(consultation_id)
            except errors.OpenElsewhere as elsewhere:
                self._offer_copy(profile, saved_path, section, elsewhere)
                return
            except OSError:
                pass  # a read-only data folder: autosave will report its own problem
            else:
                self._release_lock()
                self.locked_id = consultation_id
        self.profile = profile
        self.consultation_id = consultation_id
        self.saved_path = saved_path
        self.current_section = section
        self.unsaved = False
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.push_screen(QuestionnaireScreen(initial_section=section))

    def _offer_copy(
        self, profile: Profile, saved_path: Path | None, section: str | None, elsewhere: errors.OpenElsewhere
    ) -> None:
        from advisor import storage

        where = f"进程 {elsewhere.pid}" if elsewhere.pid else "另一个正在启动的窗口"

        def decide(choice: str | None) -> None:
            if choice == "copy":
                self.start_consultation(
                    profile.model_copy(deep=True), storage.new_consultation_id(), saved_path, section
                )

        self.push_screen(
            ChoiceDialog(
                f"这次咨询已在另一个窗口中打开（{where}）。两处同时修改会互相覆盖，所以这里不会直接打开它。\n"
                "可以以副本继续：复制现有回答，另存为一份新的自动保存，两边的回答都不会丢失。",
                [("copy", "以副本继续"), ("cancel", "返回")],
            ),
            decide,
        )

    @needs_engine
    def action_new_consultation(self) -> None:
        from advisor import storage
        from advisor.profile import Profile

        profile = Profile()
        profile.consultation.created = _dt.datetime.now().replace(microsecond=0)
        self.start_consultation(profile, storage.new_consultation_id())

    @on(AnswersChanged)
    def mark_unsaved_and_autosave(self) -> None:
        """After every stored answer (questionnaire) or checklist mark."""
        self.unsaved = True
        self.request_autosave()

    @on(SectionEntered)
    def remember_section(self, message: SectionEntered) -> None:
        """Where the person is, so that resuming the consultation returns there."""
        self.current_section = message.section_id
        if message.autosave and self.unsaved:
            self.request_autosave()

    @on(CloseConsultationRequested)
    def close_consultation(self) -> None:
        """Leave the questionnaire on purpose: save or discard, then forget the autosave."""
        if not self.unsaved:
            self._finish_consultation()
            return

        def decide(choice: str | None) -> None:
            if choice == "save":
                self._after_save = self._finish_consultation
                self.action_save_profile()
            elif choice == "discard":
                self._finish_consultation()

        self.push_screen(
            ChoiceDialog(
                "结束这次咨询吗？尚未保存的回答可以先保存为画像文件。",
                [("save", "保存后结束"), ("discard", "不保存，结束"), ("cancel", "继续咨询")],
            ),
            decide,
        )

    def _finish_consultation(self) -> None:
        from advisor import storage
        from advisor.profile import Profile

        self.discard_autosave(self.consultation_id)
        self._release_lock()
        self.profile = Profile()
        self.consultation_id = storage.new_consultation_id()
        self.saved_path = None
        self.unsaved = False
        while len(self.screen_stack) > 1:
            self.pop_screen()

    # --- autosave ------------------------------------------------------------------------

    def request_autosave(self) -> None:
        """Autosave a snapshot of the current answers in a thread worker."""
        self._pending_autosave = (
            self.consultation_id,
            self.profile.model_copy(deep=True),
            self.saved_path,
            self.current_section,
        )
        self._autosave()

    @work(thread=True, group="autosave")
    def _autosave(self) -> None:
        # The newest snapshot is written last: each worker takes whatever is pending.
        from advisor import storage
        from advisor.files import os_error_text

        with self._autosave_lock:
            pending, self._pending_autosave = self._pending_autosave, None
            if pending is None:
                return
            try:
                storage.autosave(pending[1], pending[0], source=pending[2], section=pending[3])
            except OSError as exc:
                self.post_message(
                    self.FileProblem(f"自动保存失败：{os_error_text(exc)}。回答仍在内存中，请用 Ctrl+S 保存。")
                )

    @on(DiscardAutosaveRequested)
    def discard_requested_autosave(self, message: DiscardAutosaveRequested) -> None:
        self.discard_autosave(message.consultation_id)

    @work(thread=True, group="autosave")
    def discard_autosave(self, consultation_id: str) -> None:
        from advisor import storage

        with self._autosave_lock:
            self._pending_autosave = None
            storage.discard(consultation_id)

    # --- opening -------------------------------------------------------------------------

    def action_open_profile(self) -> None:
        from advisor import storage
        from screens.file_dialog import OpenFileDialog

        start = self.saved_path.parent if self.saved_path else storage.suggested_folder()

        def open_chosen(path: Path | None) -> None:
            if path is not None:
                self.read_profile(path)

        self.push_screen(OpenFileDialog(start), open_chosen)

    @on(OpenProfileRequested)
    def open_requested_profile(self, message: OpenProfileRequested) -> None:
        self.read_profile(message.path)

    @work(thread=True, group="files")
    def read_profile(self, path: Path) -> None:
        from advisor import storage
        from advisor.errors import ProfileError
        from advisor.profile_io import load_profile

        try:
            profile = load_profile(path)
        except ProfileError as exc:
            self.post_message(self.FileProblem(f"无法打开画像。{exc}"))
            return
        except Exception as exc:
            self.post_message(self.FileProblem(f"无法打开画像：读取时出错（{type(exc).__name__}），文件未被改动。"))
            return
        storage.remember_profile(path)
        continued = storage.autosave_for(path)
        if continued is not None:
            # the same file again: continue its autosave (newer answers win) instead of a duplicate
            try:
                autosaved = storage.autosave_path(continued)
                if autosaved.stat().st_mtime >= path.stat().st_mtime:
                    profile = storage.load_unfinished(continued)
                section = storage.autosave_record(continued).section
            except (OSError, ProfileError):
                section = None
            self.post_message(self.ProfileOpened(profile, path, continued, section, resumed=True))
            return
        self.post_message(self.ProfileOpened(profile, path, storage.new_consultation_id()))

    @on(ResumeRequested)
    def resume_requested_consultation(self, message: ResumeRequested) -> None:
        self.resume_consultation(message.consultation_id)

    @work(thread=True, group="files")
    def resume_consultation(self, consultation_id: str) -> None:
        from advisor import storage
        from advisor.errors import ProfileError

        try:
            profile = storage.load_unfinished(consultation_id)
        except (ProfileError, ValueError) as exc:
            self.post_message(self.FileProblem(f"无法继续这次咨询。{exc}"))
            return
        except Exception as exc:
            self.post_message(self.FileProblem(f"无法继续这次咨询：自动保存文件读取出错（{type(exc).__name__}）。"))
            return
        record = storage.autosave_record(consultation_id)
        source = record.source if record.source is not None and record.source.is_file() else None
        self.post_message(self.ProfileOpened(profile, source, consultation_id, record.section, resumed=True))

    @on(ProfileOpened)
    @needs_engine
    def show_opened_profile(self, message: ProfileOpened) -> None:
        self.start_consultation(message.profile, message.consultation_id, message.path, message.section)
        if message.path is not None and self.consultation_id == message.consultation_id:
            verb = "继续未完成的咨询" if message.resumed else "已打开"
            self.notify(printable(f"{verb} {display_path(message.path)}"), markup=False)

    @on(FileProblem)
    def show_file_problem(self, message: FileProblem) -> None:
        self._after_save = None
        self.push_screen(ErrorDialog(message.text))

    # --- saving --------------------------------------------------------------------------

    def action_save_profile(self) -> None:
        if not self.consulting:
            self.notify("还没有进行中的咨询。按 n 新建咨询或按 o 打开画像。", severity="warning")
            return
        from advisor import storage
        from screens.file_dialog import SaveFileDialog

        if self.saved_path is not None:
            folder, name = self.saved_path.parent, self.saved_path.name
        else:
            folder = storage.suggested_folder()
            name = storage.suggested_filename(self.profile.identity.name, ".toml", today=self.as_of)

        def save_to(path: Path | None) -> None:
            if path is None:
                self._after_save = None
            else:
                self.write_profile(self.profile.model_copy(deep=True), path)

        self.push_screen(SaveFileDialog(folder, name, "保存画像（.toml）"), save_to)

    @work(thread=True, group="files")
    def write_profile(self, profile: Profile, path: Path) -> None:
        from advisor import storage
        from advisor.files import os_error_text
        from advisor.profile_io import save_profile

        try:
            save_profile(profile, path)
        except OSError as exc:
            self.post_message(
                self.FileProblem(
                    f"无法保存到 {display_path(path)}：{os_error_text(exc)}。回答没有丢失，请换一个位置再试。"
                )
            )
            return
        storage.remember_profile(path)
        self.post_message(self.ProfileSaved(path))

    @on(ProfileSaved)
    def confirm_saved(self, message: ProfileSaved) -> None:
        self.saved_path = message.path
        self.unsaved = False
        if self.consulting:
            self.request_autosave()  # the autosave now belongs to this file
        self.notify(f"已保存到 {display_path(message.path)}", markup=False)
        after, self._after_save = self._after_save, None
        if after is not None:
            after()

    # --- other screens -------------------------------------------------------------------

    @needs_engine
    def action_show_results(self) -> None:
        from screens.results import ResultsScreen

        self.push_screen(ResultsScreen())

    def action_export_report(self) -> None:
        if not self.consulting:
            self.notify("还没有进行中的咨询。", severity="warning")
            return
        from screens.results import ResultsScreen

        if not isinstance(self.screen, ResultsScreen):
            self.action_show_results()
        self.call_after_refresh(self._export_from_results)

    def _export_from_results(self) -> None:
        export = getattr(self.screen, "action_export", None)
        if export is not None:
            export()

    @needs_engine
    def action_show_library(self) -> None:
        from screens.library import LibraryScreen

        self.push_screen(LibraryScreen())

    def action_show_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(screen_keys(self)))

    def action_command_palette(self) -> None:
        """Textual's command palette with a Chinese prompt."""
        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(CommandPalette(id="--command-palette", placeholder="搜索命令…"))
