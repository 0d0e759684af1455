"""Choosing a file to open or a place to save.

Both dialogs show a folder tree (hidden files left out) and a path field the
user can type into; paths under the home folder are shown as ``~/…``. The
save dialog asks before overwriting an existing file.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DirectoryTree, Input, Static

from advisor.terminal_text import printable
from screens.dialogs import ConfirmDialog


def display_path(path: Path) -> str:
    """A path as the user reads it: ``~/文档/x.toml`` under home, absolute elsewhere;
    control and bidi characters in file names shown as escapes (``printable``)."""
    from advisor.storage import home  # after the first paint: storage brings the profile model

    base = home()
    try:
        if base is not None:
            return printable("~/" + str(path.relative_to(base)) if path != base else "~")
    except ValueError:
        pass
    return printable(str(path))


def typed_path(text: str) -> Path:
    """The path a person typed, with ``~`` expanded."""
    return Path(text.strip()).expanduser()


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except (OSError, ValueError):
        return False


class ProfileTree(DirectoryTree):
    """A folder tree showing only sub-folders and files with the wanted suffix."""

    def __init__(self, path: Path, suffix: str | None, **kwargs) -> None:
        super().__init__(path, **kwargs)
        self.suffix = suffix

    def process_label(self, label: str | Text) -> Text:
        """A file name as a label: control and bidi characters escaped, never markup."""
        plain = label.plain if isinstance(label, Text) else str(label)
        return Text(printable(plain), no_wrap=True, overflow="ellipsis")

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        shown = []
        for path in paths:
            if path.name.startswith("."):
                continue
            try:
                if path.is_dir() or self.suffix is None or path.suffix.lower() == self.suffix:
                    shown.append(path)
            except OSError:
                continue
        return shown


class PathDialog(ModalScreen[Path | None]):
    """What the open and save dialogs share: a message under the path, and cancel."""

    BINDINGS = [Binding("escape", "cancel", "取消")]

    def _error(self, message: str) -> None:
        error = self.query_one("#path-error", Static)
        error.update(Text(printable(message)))
        error.add_class("-shown")

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class OpenFileDialog(PathDialog):
    """Pick a ``.toml`` profile; returns its path, or None when cancelled."""

    def __init__(self, start: Path, *, title: str = "打开画像（.toml）") -> None:
        super().__init__()
        self.start = start if _is_dir(start) else start.parent
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog file-dialog"):
            yield Static(self.title_text, markup=False, classes="dialog-title")
            yield Input(display_path(self.start) + "/", id="path", placeholder="文件路径，例如 ~/文档/画像.toml")
            yield Static("", markup=False, classes="field-error", id="path-error")
            yield ProfileTree(self.start, ".toml", id="tree")
            with Horizontal(classes="dialog-buttons"):
                yield Button("打开", variant="primary", id="open")
                yield Button("取消", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#tree", ProfileTree).focus()

    @on(DirectoryTree.FileSelected)
    def open_selected_file(self, event: DirectoryTree.FileSelected) -> None:
        self.dismiss(event.path)

    @on(DirectoryTree.DirectorySelected)
    def show_selected_folder(self, event: DirectoryTree.DirectorySelected) -> None:
        self.query_one("#path", Input).value = display_path(event.path) + "/"

    @on(Input.Submitted, "#path")
    @on(Button.Pressed, "#open")
    def open_typed_path(self) -> None:
        path = typed_path(self.query_one("#path", Input).value)
        if path.is_dir():
            self.query_one("#tree", ProfileTree).path = path
            self._error("这是一个文件夹，请在下面选择一个 .toml 文件。")
        elif not path.exists():
            self._error(f"找不到文件：{display_path(path)}")
        else:
            self.dismiss(path)


class SaveFileDialog(PathDialog):
    """Choose where to save; asks before overwriting. Returns the path or None."""

    def __init__(self, folder: Path, filename: str, title: str) -> None:
        super().__init__()
        self.folder = folder
        self.filename = filename
        self.suffix = Path(filename).suffix
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog file-dialog"):
            yield Static(self.title_text, markup=False, classes="dialog-title")
            yield Input(display_path(self.folder / self.filename), id="path")
            yield Static("", markup=False, classes="field-error", id="path-error")
            yield ProfileTree(self.folder, self.suffix or None, id="tree")
            with Horizontal(classes="dialog-buttons"):
                yield Button("保存", variant="primary", id="save")
                yield Button("取消", id="cancel")

    def on_mount(self) -> None:
        field = self.query_one("#path", Input)
        field.focus()
        stem_end = len(field.value) - len(self.suffix)
        field.cursor_position = max(stem_end, 0)

    @on(DirectoryTree.DirectorySelected)
    def use_selected_folder(self, event: DirectoryTree.DirectorySelected) -> None:
        field = self.query_one("#path", Input)
        name = typed_path(field.value).name or self.filename
        field.value = display_path(event.path / name)

    @on(DirectoryTree.FileSelected)
    def use_selected_file(self, event: DirectoryTree.FileSelected) -> None:
        self.query_one("#path", Input).value = display_path(event.path)

    @on(Input.Submitted, "#path")
    @on(Button.Pressed, "#save")
    def save_to_typed_path(self) -> None:
        text = self.query_one("#path", Input).value.strip()
        if not text or text.endswith("/"):
            self._error("请填写文件名。")
            return
        path = typed_path(text)
        if self.suffix and path.suffix.lower() != self.suffix:
            path = path.with_name(path.name + self.suffix)
        if path.is_dir():
            self._error("这是一个文件夹，请在路径末尾写上文件名。")
        elif not path.parent.is_dir():
            self._error(f"文件夹不存在：{display_path(path.parent)}")
        elif path.exists():

            def overwrite_or_stay(overwrite: bool | None) -> None:
                if overwrite:
                    self.dismiss(path)

            self.app.push_screen(
                ConfirmDialog(f"“{printable(path.name)}”已存在，要覆盖它吗？", confirm_label="覆盖"), overwrite_or_stay
            )
        else:
            self.dismiss(path)
