"""AdvisorApp: the terminal app of 政策顾问.

The app holds the consultation — the engine, the current Profile, its
consultation id and the as-of date — and does every file operation in
thread workers that post messages back. Screens render; ``advisor`` decides.
"""

from __future__ import annotations

import datetime as _dt
import threading
from pathlib import Path
from typing import Callable

from textual import on, work
from textual.app import App
from textual.binding import Binding
from textual.message import Message

from advisor import storage
from advisor.engine import Engine
from advisor.profile import Profile
from advisor.profile_io import ProfileError, load_profile, os_error_text, save_profile
from screens.commands import AdvisorCommands
from screens.dialogs import ChoiceDialog, ErrorDialog
from screens.file_dialog import OpenFileDialog, SaveFileDialog, display_path
from screens.help import HelpScreen
from screens.home import HomeScreen

RESULTS_CSS = Path(__file__).with_name("results.tcss")
if not RESULTS_CSS.exists():  # part of the results screen; an empty sheet lets the app start
    RESULTS_CSS.write_text("/* 结果页样式 */\n", encoding="utf-8")


class AdvisorApp(App[None]):
    """政策顾问: questionnaire, live estimate and results for one company at a time."""

    TITLE = "政策顾问"
    CSS_PATH = ["app.tcss", "results.tcss"]
    COMMANDS = App.COMMANDS | {AdvisorCommands}
    COMMAND_PALETTE_BINDING = "ctrl+p"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    BINDINGS = [
        Binding("f1", "show_help", "帮助"),
        Binding("ctrl+s", "save_profile", "保存画像"),
        Binding("ctrl+o", "open_profile", "打开画像", show=False),
        Binding("ctrl+q", "quit", "退出", show=False, priority=True),
    ]

    class ProfileOpened(Message):
        """A profile was read from disk (a file or an unfinished consultation)."""

        def __init__(self, profile: Profile, path: Path | None, consultation_id: str) -> None:
            super().__init__()
            self.profile = profile
            self.path = path
            self.consultation_id = consultation_id

    class ProfileSaved(Message):
        def __init__(self, path: Path) -> None:
            super().__init__()
            self.path = path

    class FileProblem(Message):
        """Reading or writing failed; ``text`` is a Chinese message for the user."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, engine: Engine, profile_path: Path | None = None, *, as_of: _dt.date | None = None) -> None:
        super().__init__()
        self.engine = engine
        self.profile = Profile()
        self.consultation_id = storage.new_consultation_id()
        self.as_of = as_of or _dt.date.today()
        self.profile_path = profile_path
        self.saved_path: Path | None = None
        self.unsaved = False
        self._after_save: Callable[[], None] | None = None
        self._autosave_lock = threading.Lock()
        self._pending_autosave: tuple[str, Profile] | None = None

    def get_default_screen(self) -> HomeScreen:
        return HomeScreen()

    def on_mount(self) -> None:
        if self.profile_path is not None:
            self.read_profile(self.profile_path)

    # --- consultations -------------------------------------------------------------------

    @property
    def consulting(self) -> bool:
        from screens.questionnaire import QuestionnaireScreen

        return any(isinstance(screen, QuestionnaireScreen) for screen in self.screen_stack)

    def start_consultation(self, profile: Profile, consultation_id: str, saved_path: Path | None = None) -> None:
        """Make ``profile`` the current consultation and open the questionnaire."""
        from screens.questionnaire import QuestionnaireScreen

        self.profile = profile
        self.consultation_id = consultation_id
        self.saved_path = saved_path
        self.unsaved = False
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.push_screen(QuestionnaireScreen())

    def action_new_consultation(self) -> None:
        profile = Profile()
        profile.consultation.created = _dt.datetime.now().replace(microsecond=0)
        self.start_consultation(profile, storage.new_consultation_id())

    def answers_changed(self) -> None:
        """Called by the questionnaire after every stored answer."""
        self.unsaved = True
        self.request_autosave()

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
            ChoiceDialog("结束这次咨询吗？尚未保存的回答可以先保存为画像文件。",
                         [("save", "保存后结束"), ("discard", "不保存，结束"), ("cancel", "继续咨询")]),
            decide,
        )

    def _finish_consultation(self) -> None:
        self.discard_autosave(self.consultation_id)
        self.profile = Profile()
        self.consultation_id = storage.new_consultation_id()
        self.saved_path = None
        self.unsaved = False
        while len(self.screen_stack) > 1:
            self.pop_screen()

    # --- autosave ------------------------------------------------------------------------

    def request_autosave(self) -> None:
        """Autosave a snapshot of the current answers in a thread worker."""
        self._pending_autosave = (self.consultation_id, self.profile.model_copy(deep=True))
        self._autosave()

    @work(thread=True, group="autosave")
    def _autosave(self) -> None:
        # The newest snapshot is written last: each worker takes whatever is pending.
        with self._autosave_lock:
            pending, self._pending_autosave = self._pending_autosave, None
            if pending is None:
                return
            try:
                storage.autosave(pending[1], pending[0])
            except OSError as exc:
                self.post_message(self.FileProblem(f"自动保存失败：{os_error_text(exc)}。回答仍在内存中，请用 Ctrl+S 保存。"))

    @work(thread=True, group="autosave")
    def discard_autosave(self, consultation_id: str) -> None:
        with self._autosave_lock:
            self._pending_autosave = None
            storage.discard(consultation_id)

    # --- opening -------------------------------------------------------------------------

    def action_open_profile(self) -> None:
        start = self.saved_path.parent if self.saved_path else storage.suggested_folder()

        def open_chosen(path: Path | None) -> None:
            if path is not None:
                self.read_profile(path)

        self.push_screen(OpenFileDialog(start), open_chosen)

    @work(thread=True, group="files")
    def read_profile(self, path: Path) -> None:
        try:
            profile = load_profile(path)
        except ProfileError as exc:
            self.post_message(self.FileProblem(f"无法打开画像。{exc}"))
            return
        except Exception as exc:  # noqa: BLE001 - any file: a Chinese message, never a crash
            self.post_message(self.FileProblem(f"无法打开画像：读取时出错（{type(exc).__name__}），文件未被改动。"))
            return
        storage.remember_profile(path)
        self.post_message(self.ProfileOpened(profile, path, storage.new_consultation_id()))

    @work(thread=True, group="files")
    def resume_consultation(self, consultation_id: str) -> None:
        try:
            profile = storage.load_unfinished(consultation_id)
        except (ProfileError, ValueError) as exc:
            self.post_message(self.FileProblem(f"无法继续这次咨询。{exc}"))
            return
        except Exception as exc:  # noqa: BLE001 - a damaged autosave never crashes the app
            self.post_message(self.FileProblem(f"无法继续这次咨询：自动保存文件读取出错（{type(exc).__name__}）。"))
            return
        self.post_message(self.ProfileOpened(profile, None, consultation_id))

    @on(ProfileOpened)
    def show_opened_profile(self, message: ProfileOpened) -> None:
        self.start_consultation(message.profile, message.consultation_id, message.path)
        if message.path is not None:
            self.notify(f"已打开 {display_path(message.path)}", markup=False)

    @on(FileProblem)
    def show_file_problem(self, message: FileProblem) -> None:
        self._after_save = None
        self.push_screen(ErrorDialog(message.text))

    # --- saving --------------------------------------------------------------------------

    def action_save_profile(self) -> None:
        if not self.consulting:
            self.notify("还没有进行中的咨询。按 n 新建咨询或按 o 打开画像。", severity="warning")
            return
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
        try:
            save_profile(profile, path)
        except OSError as exc:
            self.post_message(self.FileProblem(f"无法保存到 {display_path(path)}：{os_error_text(exc)}。回答没有丢失，请换一个位置再试。"))
            return
        storage.remember_profile(path)
        self.post_message(self.ProfileSaved(path))

    @on(ProfileSaved)
    def confirm_saved(self, message: ProfileSaved) -> None:
        self.saved_path = message.path
        self.unsaved = False
        self.notify(f"已保存到 {display_path(message.path)}", markup=False)
        after, self._after_save = self._after_save, None
        if after is not None:
            after()

    # --- other screens -------------------------------------------------------------------

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

    def action_show_library(self) -> None:
        from screens.library import LibraryScreen

        self.push_screen(LibraryScreen())

    def action_show_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())
